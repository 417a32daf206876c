export * from './definitions.ts';
export * from './queues.ts';
