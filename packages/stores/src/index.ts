export * from './service.ts';
export * from './validation.ts';
