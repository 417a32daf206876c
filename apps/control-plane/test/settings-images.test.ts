/** Store settings, logo and product image uploads to local storage, served back from /media. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '@storeloom/commerce';
import { DEFAULT_THEME } from '@storeloom/stores';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]);
const GIF = new Uint8Array([...Buffer.from('GIF89a'), 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0]);
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

function form(bytes: Uint8Array, name = 'photo.png', type = 'image/png', extra: Record<string, string> = {}) {
  const f = new FormData();
  f.set('file', new File([bytes as never], name, { type }));
  for (const [k, v] of Object.entries(extra)) f.set(k, v);
  return f;
}

describe('store settings and media', () => {
  let p: TestPlatform;
  let uploads: string;
  let owner: Awaited<ReturnType<typeof signup>>;
  let storeId: string;

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-media-'));
    p = await startTestPlatform({
      config: { storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' }, uploadMaxBytes: 64 * 1024 },
    });
    owner = await signup(p);
    storeId = (await createStore(p, owner.cookie)).id;
  });
  afterAll(async () => {
    await p.close();
    await rm(uploads, { recursive: true, force: true });
  });

  const filesOnDisk = async () => readdir(join(uploads, storeId)).catch(() => [] as string[]);

  it('reads defaults and validates updates (hex colours, font enum, languages subset)', async () => {
    const res = await p.request('GET', `/api/v1/stores/${storeId}/settings`, { cookie: owner.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ currency: 'USD', defaultLocale: 'en', languages: ['en'], theme: { font: 'system', logoUrl: null } });
    for (const bad of [
      { theme: { primaryColor: 'red' } },
      { theme: { primaryColor: '#12345' } },
      { theme: { font: 'comic' } },
      { theme: { logoUrl: 'https://evil.example/x.png' } },
      { languages: ['en', 'pt-BR'] },
      { languages: [] },
      { currency: 'XXQ' },
      { languages: ['zh-CN', 'en'], defaultLocale: 'en' },
    ]) {
      const r = await p.request('PUT', `/api/v1/stores/${storeId}/settings`, { cookie: owner.cookie, body: bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    const ok = await p.request('PUT', `/api/v1/stores/${storeId}/settings`, {
      cookie: owner.cookie,
      body: { name: 'Tea House', currency: 'eur', languages: ['zh-CN', 'en'], theme: { primaryColor: '#AA3300', font: 'serif' } },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Tea House', currency: 'EUR', defaultLocale: 'zh-CN', languages: ['zh-CN', 'en'] });
    expect(ok.body.theme).toMatchObject({ primaryColor: '#aa3300', font: 'serif', accentColor: DEFAULT_THEME.accentColor });
    // The storefront's keys, exactly.
    const t = p.db.tenant((await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name);
    const rows = Object.fromEntries((await t.selectFrom('store_settings').selectAll().execute()).map((r) => [r.key, r.value]));
    expect(rows.languages).toEqual(['zh-CN', 'en']);
    expect(Object.keys(rows.theme as object).sort()).toEqual([
      'accentColor',
      'backgroundColor',
      'buttonRadius',
      'buttonStyle',
      'density',
      'faviconUrl',
      'font',
      'fontScale',
      'headingFont',
      'logoUrl',
      'primaryColor',
      'textColor',
    ]);
    const store = await p.request('GET', `/api/v1/stores/${storeId}`, { cookie: owner.cookie });
    expect(store.body).toMatchObject({ name: 'Tea House', currency: 'EUR', defaultLocale: 'zh-CN' });
    const onlyDefault = await p.request('PUT', `/api/v1/stores/${storeId}/settings`, { cookie: owner.cookie, body: { defaultLocale: 'en' } });
    expect(onlyDefault.body.languages).toEqual(['en', 'zh-CN']);
    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', storeId).execute();
    expect(audit.map((a) => a.action)).toContain('store.settings_updated');
  });

  it('the theme the console shows is the theme the storefront renders, before and after a partial save', async () => {
    const fresh = (await createStore(p, owner.cookie)).id;
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', fresh).executeTakeFirstOrThrow()).schema_name;
    const storefrontTheme = async () => parseSettings(await p.db.tenant(schema).selectFrom('store_settings').select(['key', 'value']).execute()).theme;
    const shown = await p.request('GET', `/api/v1/stores/${fresh}/settings`, { cookie: owner.cookie });
    expect(shown.status).toBe(200);
    expect(await storefrontTheme()).toEqual(shown.body.theme);
    const saved = await p.request('PUT', `/api/v1/stores/${fresh}/settings`, { cookie: owner.cookie, body: { theme: { primaryColor: '#225544' } } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.theme).toEqual({ ...shown.body.theme, primaryColor: '#225544' });
    expect(await storefrontTheme()).toEqual(saved.body.theme);
  });

  it('only owner/admin may change settings', async () => {
    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    expect((await p.request('GET', `/api/v1/stores/${storeId}/settings`, { cookie: staff.cookie })).status).toBe(200);
    expect((await p.request('PUT', `/api/v1/stores/${storeId}/settings`, { cookie: staff.cookie, body: { name: 'Mine' } })).status).toBe(403);
    expect((await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: staff.cookie, form: form(PNG) })).status).toBe(403);
  });

  it('uploads a logo, serves it with its type and immutable caching, and replaces the old file', async () => {
    const res = await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie, form: form(PNG) });
    expect(res.status, res.text).toBe(200);
    const url: string = res.body.theme.logoUrl;
    expect(url).toMatch(new RegExp(`^http://localhost:3000/media/${storeId}/logo-[0-9a-f]+\\.png$`));
    const media = await p.request('GET', new URL(url).pathname);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/png');
    expect(media.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(media.headers.get('x-content-type-options')).toBe('nosniff');
    expect(media.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    // A GIF named .png is stored as what it is.
    const second = await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie, form: form(GIF, 'logo.png', 'image/png') });
    expect(second.body.theme.logoUrl).toMatch(/\.gif$/);
    expect(await filesOnDisk()).toEqual([second.body.theme.logoUrl.split('/').pop()]);
    const removed = await p.request('DELETE', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie });
    expect(removed.body.theme.logoUrl).toBeNull();
    expect(await filesOnDisk()).toEqual([]);
  });

  it('refuses non-images, oversize files and missing files', async () => {
    const svg = await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie, form: form(SVG, 'x.svg', 'image/svg+xml') });
    expect(svg.status).toBe(415);
    expect(svg.body.error.code).toBe('unsupported_file_type');
    const big = new Uint8Array(65 * 1024);
    big.set(PNG);
    expect((await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie, form: form(big) })).status).toBe(413);
    const empty = new FormData();
    empty.set('other', 'x');
    expect((await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie, form: empty })).status).toBe(400);
    const json = await p.request('POST', `/api/v1/stores/${storeId}/settings/logo`, { cookie: owner.cookie, body: { file: 'x' } });
    expect(json.status).toBe(415);
    expect(await filesOnDisk()).toEqual([]);
  });

  it('media paths cannot escape the uploads folder', async () => {
    for (const path of [
      `/media/${storeId}/..%2F..%2Fetc%2Fpasswd`,
      `/media/${storeId}/%2e%2e/x.png`,
      `/media/${storeId}/x.svg`,
      `/media/not-a-store/img-1.png`,
      `/media/${storeId}/img-doesnotexist.png`,
    ]) {
      const r = await p.request('GET', path);
      expect(r.status, path).toBe(404);
    }
    // Unencoded dot segments are resolved by URL parsing before routing: this is a request for /etc/passwd, which
    // never reaches /media and which the console's SPA fallback answers with its HTML shell, never the file.
    const dotted = await p.request('GET', '/media/../../etc/passwd');
    expect(dotted.headers.get('content-type')).toMatch(/^text\/html/);
    expect(dotted.text).not.toMatch(/root:/);
  });

  it('product images: upload, alt text, atomic reorder, delete with the file', async () => {
    const product = await createProduct(p, owner.cookie, storeId);
    const base = `/api/v1/stores/${storeId}/products/${product.id}/images`;
    const a = await p.request('POST', base, { cookie: owner.cookie, form: form(PNG, 'a.png', 'image/png', { alt: 'Front' }) });
    expect(a.status, a.text).toBe(201);
    expect(a.body).toMatchObject({ alt: 'Front', position: 0 });
    const b = await p.request('POST', base, { cookie: owner.cookie, form: form(GIF, 'b.gif', 'image/gif'), headers: { 'idempotency-key': 'upload-b' } });
    const bAgain = await p.request('POST', base, { cookie: owner.cookie, form: form(GIF, 'b.gif', 'image/gif'), headers: { 'idempotency-key': 'upload-b' } });
    expect(bAgain.body.id).toBe(b.body.id);
    expect(b.body.position).toBe(1);
    expect((await p.request('GET', new URL(b.body.url).pathname)).headers.get('content-type')).toBe('image/gif');

    const alt = await p.request('PATCH', `${base}/${b.body.id}`, { cookie: owner.cookie, body: { alt: 'Back' } });
    expect(alt.body).toMatchObject({ id: b.body.id, alt: 'Back' });
    expect((await p.request('PUT', `${base}/order`, { cookie: owner.cookie, body: { imageIds: [b.body.id] } })).status).toBe(400);
    expect((await p.request('PUT', `${base}/order`, { cookie: owner.cookie, body: { imageIds: [b.body.id, b.body.id] } })).status).toBe(400);
    const order = await p.request('PUT', `${base}/order`, { cookie: owner.cookie, body: { imageIds: [b.body.id, a.body.id] } });
    expect(order.status, order.text).toBe(200);
    expect(order.body.data.map((i: { id: string }) => i.id)).toEqual([b.body.id, a.body.id]);
    const got = await p.request('GET', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie: owner.cookie });
    expect(got.body.images.map((i: { id: string; position: number }) => [i.id, i.position])).toEqual([
      [b.body.id, 0],
      [a.body.id, 1],
    ]);
    // A full-list product edit naming the uploaded URLs keeps their files deletable.
    const edited = await p.request('PATCH', `/api/v1/stores/${storeId}/products/${product.id}`, {
      cookie: owner.cookie,
      body: { version: got.body.version, images: got.body.images.map((i: { url: string; alt: string | null }) => ({ url: i.url, alt: i.alt })) },
    });
    expect(edited.status, edited.text).toBe(200);
    expect((await filesOnDisk()).length).toBe(2);
    for (const img of edited.body.images) expect((await p.request('DELETE', `${base}/${img.id}`, { cookie: owner.cookie })).status).toBe(204);
    expect(await filesOnDisk()).toEqual([]);
    expect((await p.request('DELETE', `${base}/${a.body.id}`, { cookie: owner.cookie })).status).toBe(404);
    const missing = await p.request('POST', `/api/v1/stores/${storeId}/products/${crypto.randomUUID()}/images`, { cookie: owner.cookie, form: form(PNG) });
    expect(missing.status).toBe(404);
  });

  it('deleting a product deletes its uploaded files', async () => {
    const product = await createProduct(p, owner.cookie, storeId);
    const base = `/api/v1/stores/${storeId}/products/${product.id}/images`;
    for (const f of [form(PNG), form(GIF, 'b.gif', 'image/gif')]) expect((await p.request('POST', base, { cookie: owner.cookie, form: f })).status).toBe(201);
    expect((await filesOnDisk()).length).toBe(2);
    expect((await p.request('DELETE', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie: owner.cookie })).status).toBe(204);
    expect(await filesOnDisk()).toEqual([]);
  });
});
