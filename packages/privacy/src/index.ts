export * from './data-map.ts';
export * from './email.ts';
export * from './erase.ts';
export * from './export.ts';
export * from './service.ts';
export * from './links.ts';
