import { describe, expect, it } from 'vitest';
import { controlPlaneEnvSchema, loadEnv, storefrontEnvSchema } from '../src/index.ts';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', NODE_ENV: 'test' };

describe('search cache bounds from the environment', () => {
  it('bounds the index cache by bytes (512 MiB by default) and by documents only when asked, in both serving processes', () => {
    for (const schema of [storefrontEnvSchema, controlPlaneEnvSchema]) {
      const env = loadEnv(schema, base);
      expect(env.SEARCH_CACHE_BYTES).toBe(512 * 1024 * 1024);
      expect(env.SEARCH_CACHE_MAX_DOCS).toBeUndefined();
      const set = loadEnv(schema, { ...base, SEARCH_CACHE_BYTES: '67108864', SEARCH_CACHE_MAX_DOCS: '20000' });
      expect(set.SEARCH_CACHE_BYTES).toBe(64 * 1024 * 1024);
      expect(set.SEARCH_CACHE_MAX_DOCS).toBe(20_000);
      expect(() => loadEnv(schema, { ...base, SEARCH_CACHE_BYTES: '1000' })).toThrow(/SEARCH_CACHE_BYTES/);
    }
  });
});
