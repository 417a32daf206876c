/**
 * API token scopes (issue 15 low item, issue 21 names), driven by the OpenAPI document: every operation declares the
 * scope it needs (`x-token-scope`); for every operation, a token with every scope but that one gets 403
 * `insufficient_scope` and changes nothing, while a token with just that scope gets past the scope check. Tokens
 * cannot mint or revoke tokens, show their scopes, and a password reset revokes them.
 */
import { randomUUID } from 'node:crypto';
import { API_SCOPES } from '@storeloom/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: (typeof METHODS)[number];
  template: string;
  scope: string;
  /** The request body's content types in the OpenAPI document (none for bodiless operations). */
  contentTypes: string[];
}

describe('API token scopes on every operation of the OpenAPI document', () => {
  let p: TestPlatform;
  let m: { cookie: string; user: { id: string }; email: string };
  let store: { id: string };
  let operations: Operation[];

  const mint = async (scopes: readonly string[], cookie = m.cookie) => {
    const res = await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: `scopes ${scopes.length}`, scopes } });
    expect(res.status, res.text).toBe(201);
    return res.body as { token: string; apiToken: { id: string; scopes: string[] } };
  };
  // Ids of nothing (the store too): the scope check comes first, so a granted call ends in a 404 and changes nothing.
  const pathOf = (op: Operation) => `/api/v1${op.template.replace(/\{(\w+)\}/g, () => randomUUID())}`;
  // Each route's own content type as its OpenAPI document declares it (uploads are CSV, multipart or gzip), so the
  // refusal is about the scope alone, and a new upload route is covered without editing this test.
  const bodyOf = (op: Operation) =>
    op.method === 'get' || op.method === 'delete'
      ? {}
      : op.contentTypes.includes('text/csv')
        ? { rawBody: 'Handle', contentType: 'text/csv' }
        : op.contentTypes.includes('multipart/form-data')
          ? { form: new FormData() }
          : op.contentTypes.includes('application/gzip')
            ? { binary: new Uint8Array([1]), contentType: 'application/gzip' }
            : { body: {} };
  const productCount = async () => (await p.request('GET', `/api/v1/stores/${store.id}/products?limit=250`, { cookie: m.cookie })).body.data.length as number;

  beforeAll(async () => {
    p = await startTestPlatform();
    m = await signup(p);
    store = await createStore(p, m.cookie);
    await createProduct(p, m.cookie, store.id);
    const doc = await p.request('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    operations = [];
    type DocOperation = { 'x-token-scope'?: string; requestBody?: { content?: Record<string, unknown> } };
    for (const [template, item] of Object.entries(doc.body.paths as Record<string, Record<string, DocOperation>>))
      for (const method of METHODS) {
        const op = item[method];
        if (op) operations.push({ method, template, scope: op['x-token-scope'] ?? '', contentTypes: Object.keys(op.requestBody?.content ?? {}) });
      }
  });
  afterAll(async () => {
    await p?.close();
  });

  it('every operation declares a known scope (or "any" / "session"); the families are read/write pairs', () => {
    expect(operations.length).toBeGreaterThanOrEqual(100);
    const known = new Set<string>([...API_SCOPES, 'any', 'session']);
    for (const op of operations) expect(known.has(op.scope), `${op.method} ${op.template}: x-token-scope "${op.scope}"`).toBe(true);
    for (const op of operations.filter((o) => o.method === 'get' && o.scope.startsWith('write_'))) throw new Error(`GET ${op.template} needs a write scope`);
    const byKey = Object.fromEntries(operations.map((o) => [`${o.method} ${o.template}`, o.scope]));
    expect(byKey).toMatchObject({
      'get /stores/{storeId}/products': 'read_products',
      'post /stores/{storeId}/products': 'write_products',
      'get /stores/{storeId}/orders': 'read_orders',
      'post /stores/{storeId}/orders/{orderId}/refunds': 'write_orders',
      'get /stores/{storeId}/recommendations/customers': 'read_customers',
      'get /stores/{storeId}/customers': 'read_customers',
      'get /stores/{storeId}/customers/{customerId}': 'read_customers',
      'get /stores/{storeId}/team': 'read_team',
      'post /me/api-tokens': 'session',
      'delete /me/api-tokens/{tokenId}': 'session',
      'post /me/password': 'session',
      'get /me': 'any',
    });
  });

  it('for every operation: a token with every other scope gets 403 insufficient_scope; one with just that scope gets past it', async () => {
    const before = await productCount();
    const tokens = new Map<string, string>();
    for (const scope of API_SCOPES) {
      tokens.set(`only:${scope}`, (await mint([scope])).token);
      tokens.set(`all-but:${scope}`, (await mint(API_SCOPES.filter((s) => s !== scope))).token);
    }
    const all = (await mint(API_SCOPES)).token;
    let checked = 0;
    for (const op of operations) {
      if (op.scope === 'any') continue;
      const lacking = op.scope === 'session' ? all : (tokens.get(`all-but:${op.scope}`) as string);
      const res = await p.request(op.method.toUpperCase(), pathOf(op), { token: lacking, ...bodyOf(op) });
      expect(res.status, `${op.method} ${op.template} without ${op.scope}: ${res.text}`).toBe(403);
      expect(res.body.error, `${op.method} ${op.template}`).toMatchObject({ code: 'insufficient_scope', details: { required: op.scope } });
      if (op.scope !== 'session') {
        const granted = await p.request(op.method.toUpperCase(), pathOf(op), { token: tokens.get(`only:${op.scope}`) as string, ...bodyOf(op) });
        expect(granted.body?.error?.code, `${op.method} ${op.template} with ${op.scope}: ${granted.status}`).not.toBe('insufficient_scope');
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(100);
    expect(await productCount()).toBe(before);
  });

  it('a token with no scopes (the default) can only say who it is; its scopes are in the token API', async () => {
    const created = await p.request('POST', '/api/v1/me/api-tokens', { cookie: m.cookie, body: { name: 'default' } });
    expect(created.status).toBe(201);
    expect(created.body.apiToken.scopes).toEqual([]);
    const token = created.body.token as string;
    expect((await p.request('GET', '/api/v1/me', { token })).status).toBe(200);
    const list = await p.request('GET', `/api/v1/stores/${store.id}/products`, { token });
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('insufficient_scope');
    const reader = await mint(['read_products', 'read_orders']);
    expect(reader.apiToken.scopes).toEqual(['read_orders', 'read_products']);
    const listed = await p.request('GET', '/api/v1/me/api-tokens', { cookie: m.cookie });
    expect(listed.body.data.find((t: { id: string }) => t.id === reader.apiToken.id).scopes).toEqual(['read_orders', 'read_products']);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { token: reader.token })).status).toBe(200);
    const write = await p.request('POST', `/api/v1/stores/${store.id}/products`, { token: reader.token, body: { title: 'x', variants: [{ price: 1 }] } });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'insufficient_scope', details: { required: 'write_products' } });
    const unknown = await p.request('POST', '/api/v1/me/api-tokens', { cookie: m.cookie, body: { name: 'bad', scopes: ['admin'] } });
    expect(unknown.status).toBe(400);
  });

  it('a token, even with every scope, cannot mint or revoke tokens', async () => {
    const { token, apiToken } = await mint(API_SCOPES);
    const before = await p.db.control.selectFrom('api_tokens').select('id').where('user_id', '=', m.user.id).execute();
    const minted = await p.request('POST', '/api/v1/me/api-tokens', { token, body: { name: 'child', scopes: [...API_SCOPES] } });
    expect(minted.status).toBe(403);
    expect(minted.body.error.code).toBe('insufficient_scope');
    const revoked = await p.request('DELETE', `/api/v1/me/api-tokens/${apiToken.id}`, { token });
    expect(revoked.status).toBe(403);
    expect(await p.db.control.selectFrom('api_tokens').select('id').where('user_id', '=', m.user.id).execute()).toEqual(before);
  });

  it('a password reset revokes every API token of the user', async () => {
    const u = await signup(p);
    const { token } = await mint(['read_stores'], u.cookie);
    expect((await p.request('GET', '/api/v1/stores', { token })).status).toBe(200);
    expect((await p.request('POST', '/api/v1/auth/password-reset', { body: { email: u.email } })).status).toBeLessThan(300);
    const [mail] = await p.services.mail.list({ to: u.email, limit: 1 });
    const resetToken = /reset-password\?token=([a-z2-7]+)/.exec(mail?.text ?? '')?.[1] as string;
    const reset = await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token: resetToken, password: 'a brand new passphrase' } });
    expect(reset.status, reset.text).toBe(200);
    const after = await p.request('GET', '/api/v1/stores', { token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
  });
});
