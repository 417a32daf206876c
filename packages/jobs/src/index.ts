export * from './definitions.ts';
export * from './fair.ts';
export * from './queues.ts';
export * from './tracking.ts';
export type { Job } from 'bullmq';
