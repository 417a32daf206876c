export * from './definitions.ts';
export * from './queues.ts';
export * from './tracking.ts';
