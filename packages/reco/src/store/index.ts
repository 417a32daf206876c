export * from './events.ts';
export * from './serving.ts';
export * from './training.ts';
export * from './source.ts';
