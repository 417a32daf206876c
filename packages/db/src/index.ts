export * from './audit.ts';
export * from './cache.ts';
export * from './client.ts';
export * from './ids.ts';
export * from './migrator.ts';
export type * from './types.ts';
export { sql } from 'kysely';
export type { Kysely, Transaction } from 'kysely';
