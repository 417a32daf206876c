/**
 * Property-based fuzzing of every JSON endpoint in the OpenAPI document:
 * malformed, huge, deeply nested and unicode-edge bodies and query strings.
 * Never a 500, always a stable error code for a refusal, and nothing written
 * by a refused request (the store's tables are unchanged afterwards).
 */
import { sql } from '@storeloom/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const TABLES = ['products', 'variants', 'collections', 'collection_products', 'inventory_adjustments', 'imports', 'images'];

const nasty = fc.oneof(
  fc.constantFrom('', '\u0000', '\uFFFF', '\uD800', '💥'.repeat(500), 'a'.repeat(100_000), '../../etc/passwd', "'; drop table products; --", '\u202E', 'NaN'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const scalar = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 53), 1e308, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(
    fc.oneof(
      fc.constantFrom('title', 'status', 'variants', 'price', 'sku', 'name', 'slug', 'currency', 'version', 'delta', 'productIds', '__proto__', 'constructor'),
      nasty,
    ),
    tie('value'),
    { maxKeys: 5 },
  ),
})).value;
const deep = fc.integer({ min: 500, max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`);
const rawBody = fc.oneof(
  json.map((v) => JSON.stringify(v) ?? 'null'),
  deep,
  fc.constantFrom('{', '{"title":', 'null', '[]', '"x"', '{"a":1}{"b":2}', '\uFEFF{}', '{"title":"\\ud800"}', '{"__proto__":{"admin":true}}'),
  fc.string({ maxLength: 200 }),
);

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD, as a browser would send them). */
const bytes = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('fuzzing every JSON endpoint', () => {
  let p: TestPlatform;
  let cookie: string;
  let ids: Record<string, string>;
  let schema: string;
  let ops: { method: string; template: string; hasBody: boolean }[];

  beforeAll(async () => {
    // With the storefront secret, as `npm start` always has it: signed links (theme previews) answer, not 503.
    p = await startTestPlatform({ config: { orderLinkSecret: 'fuzz-storefront-secret-0123456789abcdef' } });
    ({ cookie } = await signup(p));
    const store = await createStore(p, cookie);
    const product = await createProduct(p, cookie, store.id);
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    schema = row.schema_name;
    ids = { storeId: store.id, productId: product.id, variantId: product.variants[0].id, collectionId: product.id, importId: product.id, tokenId: product.id };
    const doc = await p.request('GET', '/api/v1/openapi.json');
    ops = [];
    for (const [template, item] of Object.entries(doc.body.paths as Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>))
      for (const method of METHODS) {
        const op = item[method];
        if (!op || method === 'delete' || template.startsWith('/auth/logout')) continue;
        const content = op.requestBody?.content;
        if (content && !content['application/json']) continue; // CSV uploads: see import.test.ts
        ops.push({ method, template, hasBody: content !== undefined });
      }
  });
  afterAll(async () => {
    await p.close();
  });

  async function counts() {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(schema, t)}`.execute(p.db.kysely);
      out[t] = r.rows[0]?.n ?? 0;
    }
    return out;
  }

  it('answers malformed, huge, nested and unicode-edge input with a 4xx and a stable code, never a 500', async () => {
    expect(ops.length).toBeGreaterThanOrEqual(15);
    const before = await counts();
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ops), rawBody, nasty, async (op, body, q) => {
        const enc = bytes(q);
        const path = `/api/v1${op.template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(ids[n] ?? 'x'))}?q=${enc}&limit=${enc}&cursor=${enc}`;
        const res = await p.request(op.method.toUpperCase(), path, op.method === 'get' ? { cookie } : { cookie, rawBody: body });
        seen.add(res.status);
        expect(res.status, `${op.method} ${op.template} ${body.slice(0, 120)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body?.error?.code, `${op.method} ${op.template}`).toMatch(/^[a-z_]+$/);
          expect(res.text).not.toMatch(/at \w+ \(|node_modules|syntax error at or near|relation "/);
        }
      }),
      { numRuns: 400, seed: 20261126 },
    );
    // Bodies that parse but are invalid change nothing (a 2xx may create a valid object; count those apart).
    const after = await counts();
    for (const t of ['inventory_adjustments', 'imports', 'images']) expect(after[t], t).toBeGreaterThanOrEqual(before[t] as number);
    expect([...seen].some((s) => s >= 400 && s < 500)).toBe(true);
  });

  it('writes nothing for a request it refuses', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ops.filter((o) => o.hasBody && o.template.startsWith('/stores/{storeId}/'))), json, async (op, value) => {
        const path = `/api/v1${op.template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(ids[n] ?? 'x'))}`;
        // Objects with a bad type in every field never validate (including the fields of bodies whose
        // fields are all optional: inventory policies, search check and search settings, draft orders, theme preview).
        const body = JSON.stringify(
          typeof value === 'object' && value !== null && !Array.isArray(value)
            ? {
                ...value,
                title: [value],
                variants: 'x',
                name: {},
                delta: 'x',
                productIds: 'x',
                serviceLevel: 'x',
                enabled: 'x',
                repair: 'x',
                inStockBoost: 'x',
                lines: 'x',
                path: 0,
              }
            : value,
        );
        const res = await p.request(op.method.toUpperCase(), path, { cookie, rawBody: body });
        expect(res.status, `${op.method} ${op.template} ${body.slice(0, 120)}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 150, seed: 7 },
    );
    expect(await counts()).toEqual(before);
  });
});
