/**
 * Small in-process data structures with no dependencies, shared by the server
 * packages: a TTL cache for hot lookups and a bounded top-K heap for ranking.
 */
export * from './top-k.ts';
export * from './ttl-cache.ts';
