export * from './errors.ts';
export * from './idempotency.ts';
export * from './middleware.ts';
export * from './protection.ts';
export * from './metrics.ts';
export * from './safe-redirect.ts';
export * from './response-cache.ts';
export * from './response-headers.ts';
