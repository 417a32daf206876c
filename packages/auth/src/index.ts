export * from './api-tokens.ts';
export * from './crypto.ts';
export * from './lucia.ts';
export * from './rate-limit.ts';
export * from './roles.ts';
export * from './users.ts';
export * from './account.ts';
export * from './scopes.ts';
