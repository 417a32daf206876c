/**
 * The console builds against types generated from the OpenAPI document
 * (`npm run gen:api`): this fails when a route schema changed and the
 * committed file was not regenerated.
 */
import { readFileSync } from 'node:fs';
import { API_SCOPES } from '@storeloom/auth';
import { describe, expect, it } from 'vitest';
import { generateApiTypes } from '../src/api-types.ts';

describe('generated console API types', () => {
  it('match the current OpenAPI document (run `npm run gen:api` after changing a route schema)', async () => {
    const committed = readFileSync(new URL('../../console/src/lib/api-schema.gen.ts', import.meta.url), 'utf8');
    const fresh = await generateApiTypes();
    expect(fresh.length).toBeGreaterThan(10_000);
    expect(committed === fresh, 'apps/console/src/lib/api-schema.gen.ts is stale: run `npm run gen:api`').toBe(true);
  });

  it("carry the values of named enums, so the console lists the API's token scopes without a copy", async () => {
    const { apiScopeValues } = await import('../../console/src/lib/api-schema.gen.ts');
    expect(apiScopeValues).toEqual(API_SCOPES);
  });
});
