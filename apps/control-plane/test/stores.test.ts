/**
 * Stores: creation and provisioning of the per-store schema, slug and currency
 * validation, idempotent creation, settings, soft delete, roles and the audit log.
 */
import { randomBytes } from 'node:crypto';
import { sql } from '@storeloom/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = (n = 4) => randomBytes(n).toString('hex');
const slugOf = (tag = 's') => `${tag}-${rnd()}`;

describe('stores', () => {
  let p: TestPlatform;
  let owner: { cookie: string; user: { id: string } };
  beforeAll(async () => {
    p = await startTestPlatform();
    owner = await signup(p);
  });
  afterAll(async () => {
    await p.close();
  });
  // In-process requests share one client IP, hence one per-IP signup bucket.
  beforeEach(async () => {
    await p.db.control.deleteFrom('rate_limits').where('key', 'like', 'signup:ip:%').execute();
  });

  const storeCount = async () =>
    Number(
      (
        await p.db.control
          .selectFrom('stores')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const post = (body: Record<string, unknown>, opts: { cookie?: string; key?: string } = {}) =>
    p.request('POST', '/api/v1/stores', { cookie: opts.cookie ?? owner.cookie, body, headers: opts.key ? { 'idempotency-key': opts.key } : {} });

  describe('create', () => {
    it('creates an active store with its own schema and a storefront URL', async () => {
      const slug = slugOf('acme');
      const res = await post({ name: '  Acme Books  ', slug, currency: 'usd' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        slug,
        name: 'Acme Books',
        status: 'active',
        plan: 'free',
        currency: 'USD',
        defaultLocale: 'en',
        customDomain: null,
        role: 'owner',
        url: `http://${slug}.localhost:3001`,
      });
      expect(res.text).not.toContain('schema');

      const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('active');
      expect(row.created_by).toBe(owner.user.id);
      expect(row.schema_name).toMatch(/^t_[a-z0-9_]{1,60}$/);
      expect(row.schema_version).not.toBeNull();
      const ns = await sql<{ nspname: string }>`select nspname from pg_namespace where nspname = ${row.schema_name}`.execute(p.db.kysely);
      expect(ns.rows).toEqual([{ nspname: row.schema_name }]);
      // The schema holds the catalogue tables.
      const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${row.schema_name}`.execute(
        p.db.kysely,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['products', 'variants', 'collections', 'imports']));

      const membership = await p.db.control.selectFrom('memberships').selectAll().where('store_id', '=', res.body.id).execute();
      expect(membership).toEqual([expect.objectContaining({ user_id: owner.user.id, role: 'owner' })]);

      const list = await p.request('GET', '/api/v1/stores', { cookie: owner.cookie });
      expect(list.status).toBe(200);
      expect(list.body.data.map((s: { id: string }) => s.id)).toContain(res.body.id);
      const me = await p.request('GET', '/api/v1/me', { cookie: owner.cookie });
      expect(me.body.stores.map((s: { id: string }) => s.id)).toContain(res.body.id);
    });

    it('lower-cases slugs', async () => {
      const slug = slugOf('Upper').toUpperCase();
      const res = await post({ name: 'Shouty', slug: `  ${slug}  `, currency: 'EUR' });
      expect(res.status).toBe(201);
      expect(res.body.slug).toBe(slug.toLowerCase());
      expect(res.body.url).toBe(`http://${slug.toLowerCase()}.localhost:3001`);
    });

    it('accepts a 63-character slug', async () => {
      const slug = `x${rnd(31)}`;
      expect(slug).toHaveLength(63);
      expect((await post({ name: 'Long', slug, currency: 'USD' })).status).toBe(201);
    });

    it('refuses invalid slugs with 400 validation_failed', async () => {
      const before = await storeCount();
      const bad = ['-bad', 'bad-', 'a', 'ab', 'has_underscore', 'dou--ble', 'sp ace', 'dot.ted', 'ünïcode', `x${'a'.repeat(63)}`, ''];
      for (const slug of bad) {
        const res = await post({ name: 'Bad', slug, currency: 'USD' });
        expect(res.status, JSON.stringify(slug)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'slug' })]));
      }
      expect(await storeCount()).toBe(before);
    });

    it('refuses reserved slugs with 422 slug_reserved', async () => {
      const before = await storeCount();
      for (const slug of ['www', 'api', 'admin', 'app', 'WWW', ' Admin ']) {
        const res = await post({ name: 'Reserved', slug, currency: 'USD' });
        expect(res.status, slug).toBe(422);
        expect(res.body.error.code).toBe('slug_reserved');
      }
      expect(await storeCount()).toBe(before);
    });

    it('refuses a taken slug with 409 slug_taken, for the same or another merchant and in any case', async () => {
      const slug = slugOf('dup');
      expect((await post({ name: 'First', slug, currency: 'USD' })).status).toBe(201);
      const before = await storeCount();
      const again = await post({ name: 'Second', slug, currency: 'USD' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('slug_taken');
      const other = await signup(p);
      const theirs = await post({ name: 'Theirs', slug: slug.toUpperCase(), currency: 'GBP' }, { cookie: other.cookie });
      expect(theirs.status).toBe(409);
      expect(theirs.body.error.code).toBe('slug_taken');
      expect(await storeCount()).toBe(before);
      // The failed attempt left no membership or schema behind for the other merchant.
      expect((await p.request('GET', '/api/v1/stores', { cookie: other.cookie })).body.data).toEqual([]);
    });

    it('concurrent creations of one slug (distinct Idempotency-Keys) give one store and 409 slug_taken for the rest', async () => {
      const slug = slugOf('race');
      const before = await storeCount();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => post({ name: `Racer ${i}`, slug, currency: 'USD' }, { key: `race-${i}-${rnd()}` })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('slug_taken');
      expect(await storeCount()).toBe(before + 1);
      const winner = results.find((r) => r.status === 201)?.body;
      expect(winner.status).toBe('active');
      expect(await p.db.control.selectFrom('memberships').select('store_id').where('store_id', '=', winner.id).execute()).toHaveLength(1);
    });

    it('refuses malformed and unknown currencies with 400', async () => {
      const before = await storeCount();
      for (const currency of ['XXX1', 'usd?', 'ABC', 'US', '', 'U$D', 123]) {
        const res = await post({ name: 'Money', slug: slugOf('cur'), currency });
        expect(res.status, String(currency)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'currency' })]));
      }
      expect(await storeCount()).toBe(before);
    });

    it('refuses missing or bad fields and unknown locales', async () => {
      const before = await storeCount();
      for (const body of [
        {},
        { slug: slugOf(), currency: 'USD' },
        { name: '   ', slug: slugOf(), currency: 'USD' },
        { name: 'x'.repeat(101), slug: slugOf(), currency: 'USD' },
        { name: 'L', slug: slugOf(), currency: 'USD', defaultLocale: 'xx' },
      ]) {
        const res = await post(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect(await storeCount()).toBe(before);
      const zh = await post({ name: 'Chinese', slug: slugOf('zh'), currency: 'CNY', defaultLocale: 'zh-CN' });
      expect(zh.status).toBe(201);
      expect(zh.body.defaultLocale).toBe('zh-CN');
    });

    it('keeps the store time zone: UTC by default, an IANA name on create and update, 400 for an unknown zone', async () => {
      const plain = await post({ name: 'No zone', slug: slugOf('tz'), currency: 'USD' });
      expect(plain.status).toBe(201);
      expect(plain.body.timezone).toBe('UTC');
      const tokyo = await post({ name: 'Tokyo', slug: slugOf('tz'), currency: 'JPY', timezone: 'Asia/Tokyo' });
      expect(tokyo.status).toBe(201);
      expect(tokyo.body.timezone).toBe('Asia/Tokyo');
      const before = await storeCount();
      for (const timezone of ['Mars/Olympus', '', 'x'.repeat(65), 42]) {
        const bad = await post({ name: 'Bad zone', slug: slugOf('tz'), currency: 'USD', timezone });
        expect(bad.status, String(timezone)).toBe(400);
        expect(bad.body.error.code).toBe('validation_failed');
        expect(bad.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'timezone' })]));
      }
      expect(await storeCount()).toBe(before);
      const patched = await p.request('PATCH', `/api/v1/stores/${tokyo.body.id}`, { cookie: owner.cookie, body: { timezone: 'europe/london' } });
      expect(patched.status).toBe(200);
      expect(patched.body.timezone).toBe('Europe/London');
      const refused = await p.request('PATCH', `/api/v1/stores/${tokyo.body.id}`, { cookie: owner.cookie, body: { timezone: 'Europe/Atlantis' } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
      const me = await p.request('GET', '/api/v1/me', { cookie: owner.cookie });
      expect(me.body.stores.find((s: { id: string }) => s.id === tokyo.body.id).timezone).toBe('Europe/London');
    });

    it('requires authentication', async () => {
      const res = await p.request('POST', '/api/v1/stores', { body: { name: 'Anon', slug: slugOf(), currency: 'USD' } });
      expect(res.status).toBe(401);
      expect((await p.request('GET', '/api/v1/stores')).status).toBe(401);
    });
  });

  describe('idempotent creation', () => {
    it('the same Idempotency-Key sent twice creates one store and answers with it both times', async () => {
      const key = `key-${rnd()}`;
      const slug = slugOf('idem');
      const before = await storeCount();
      const first = await post({ name: 'Idem', slug, currency: 'USD' }, { key });
      const second = await post({ name: 'Idem', slug, currency: 'USD' }, { key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body.id).toBe(first.body.id);
      expect(second.body.status).toBe('active');
      expect(await storeCount()).toBe(before + 1);
      const rows = await p.db.control.selectFrom('stores').select('id').where('slug', '=', slug).execute();
      expect(rows).toEqual([{ id: first.body.id }]);
    });

    it('10 concurrent requests with one Idempotency-Key create exactly one store, all answered with it', async () => {
      const key = `conc-${rnd()}`;
      const slug = slugOf('conc');
      const before = await storeCount();
      const responses = await Promise.all(Array.from({ length: 10 }, () => post({ name: 'Concurrent', slug, currency: 'USD' }, { key })));
      const statuses = responses.map((r) => `${r.status} ${r.status === 201 ? '' : r.text}`);
      expect(statuses).toEqual(Array.from({ length: 10 }, () => '201 '));
      const ids = new Set(responses.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const id = [...ids][0] as string;
      expect(await storeCount()).toBe(before + 1);
      const rows = await p.db.control.selectFrom('stores').select(['id', 'status']).where('idempotency_key', '=', key).execute();
      expect(rows).toEqual([{ id, status: 'active' }]);
      expect(await p.db.control.selectFrom('memberships').select('user_id').where('store_id', '=', id).execute()).toHaveLength(1);
      const audits = await p.db.control.selectFrom('audit_log').select('id').where('store_id', '=', id).where('action', '=', 'store.created').execute();
      expect(audits).toHaveLength(1);
      // Every response has a usable store.
      for (const r of responses) expect(r.body).toMatchObject({ id, slug, status: 'active' });
    });

    it('the same key with a different slug is 422 idempotency_key_reused', async () => {
      const key = `reuse-${rnd()}`;
      const first = await post({ name: 'Reuse', slug: slugOf('reuse'), currency: 'USD' }, { key });
      expect(first.status).toBe(201);
      const before = await storeCount();
      const res = await post({ name: 'Reuse', slug: slugOf('other'), currency: 'USD' }, { key });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('idempotency_key_reused');
      const otherCurrency = await post({ name: 'Reuse', slug: first.body.slug, currency: 'EUR' }, { key });
      expect(otherCurrency.status).toBe(422);
      expect(await storeCount()).toBe(before);
    });

    it('keys are per user: another merchant may use the same key', async () => {
      const key = `shared-${rnd()}`;
      const mine = await post({ name: 'Mine', slug: slugOf('mine'), currency: 'USD' }, { key });
      const other = await signup(p);
      const theirs = await post({ name: 'Theirs', slug: slugOf('theirs'), currency: 'USD' }, { key, cookie: other.cookie });
      expect(mine.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
      // Replaying my key as the other merchant does not hand them my store.
      const replay = await post({ name: 'Mine', slug: mine.body.slug, currency: 'USD' }, { key, cookie: other.cookie });
      expect(replay.status).toBe(422);
      expect(replay.text).not.toContain(mine.body.id);
    });

    it('refuses an empty or over-long Idempotency-Key', async () => {
      const before = await storeCount();
      for (const key of ['', 'k'.repeat(256)]) {
        const res = await p.request('POST', '/api/v1/stores', {
          cookie: owner.cookie,
          headers: { 'idempotency-key': key },
          body: { name: 'K', slug: slugOf(), currency: 'USD' },
        });
        expect(res.status, `length ${key.length}`).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect(await storeCount()).toBe(before);
    });
  });

  describe('read, update, delete', () => {
    it('GET returns the store; PATCH updates settings and records an audit entry', async () => {
      const store = await createStore(p, owner.cookie);
      const got = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: store.id, slug: store.slug, status: 'active', role: 'owner', currency: 'USD' });

      const domain = `shop-${rnd()}.example.com`;
      const patched = await p.request('PATCH', `/api/v1/stores/${store.id}`, {
        cookie: owner.cookie,
        body: { name: ' Renamed ', currency: 'eur', defaultLocale: 'zh-CN', customDomain: domain.toUpperCase() },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: store.id, slug: store.slug, name: 'Renamed', currency: 'EUR', defaultLocale: 'zh-CN', customDomain: domain });
      const again = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie });
      expect(again.body).toMatchObject({ name: 'Renamed', currency: 'EUR', defaultLocale: 'zh-CN', customDomain: domain });
      const audit = await p.db.control.selectFrom('audit_log').selectAll().where('store_id', '=', store.id).where('action', '=', 'store.updated').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]?.actor_user_id).toBe(owner.user.id);

      // Clearing the domain.
      const cleared = await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: owner.cookie, body: { customDomain: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.customDomain).toBeNull();
    });

    it('PATCH refuses bad input and a domain another store uses', async () => {
      const a = await createStore(p, owner.cookie);
      const b = await createStore(p, owner.cookie);
      const domain = `taken-${rnd()}.example.com`;
      expect((await p.request('PATCH', `/api/v1/stores/${a.id}`, { cookie: owner.cookie, body: { customDomain: domain } })).status).toBe(200);
      const dup = await p.request('PATCH', `/api/v1/stores/${b.id}`, { cookie: owner.cookie, body: { customDomain: domain } });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('conflict');

      for (const body of [
        {},
        { currency: 'ABC' },
        { currency: 'XXX1' },
        { name: '' },
        { customDomain: 'not a domain' },
        { customDomain: 'localhost' },
        { defaultLocale: 'pt-BR' },
      ]) {
        const res = await p.request('PATCH', `/api/v1/stores/${b.id}`, { cookie: owner.cookie, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const row = await p.db.control
        .selectFrom('stores')
        .select(['name', 'currency', 'custom_domain', 'default_locale'])
        .where('id', '=', b.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ currency: 'USD', custom_domain: null, default_locale: 'en' });
    });

    it('PATCH refuses a custom domain on the platform’s own domain', async () => {
      const a = await createStore(p, owner.cookie);
      const b = await createStore(p, owner.cookie);
      // <slug>.<root> is routed by slug: as a custom domain it would only shadow or squat another store's address.
      for (const customDomain of [`${a.slug}.localhost`, `shop.${b.slug}.localhost`]) {
        const res = await p.request('PATCH', `/api/v1/stores/${b.id}`, { cookie: owner.cookie, body: { customDomain } });
        expect(res.status, customDomain).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'customDomain' })]);
      }
      const row = await p.db.control.selectFrom('stores').select('custom_domain').where('id', '=', b.id).executeTakeFirstOrThrow();
      expect(row.custom_domain).toBeNull();
    });

    it('DELETE by the owner soft-deletes: 204, then 404, gone from lists, status deleted, audited', async () => {
      // Not launched: the audit trail below is exactly creation and deletion.
      const store = await createStore(p, owner.cookie, undefined, 'USD', { launch: false });
      const product = await createProduct(p, owner.cookie, store.id);
      const del = await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: owner.cookie });
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      const got = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie });
      expect(got.status).toBe(404);
      expect(got.body.error.code).toBe('store_not_found');
      expect((await p.request('GET', `/api/v1/stores/${store.id}/products/${product.id}`, { cookie: owner.cookie })).status).toBe(404);
      expect((await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: owner.cookie, body: { name: 'Back' } })).status).toBe(404);
      expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: owner.cookie })).status).toBe(404);

      const list = await p.request('GET', '/api/v1/stores', { cookie: owner.cookie });
      expect(list.body.data.map((s: { id: string }) => s.id)).not.toContain(store.id);
      const me = await p.request('GET', '/api/v1/me', { cookie: owner.cookie });
      expect(me.body.stores.map((s: { id: string }) => s.id)).not.toContain(store.id);

      const row = await p.db.control.selectFrom('stores').select(['status', 'deleted_at', 'schema_name']).where('id', '=', store.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('deleted');
      expect(row.deleted_at).not.toBeNull();
      // Soft delete: the data is kept until the purge.
      const ns = await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${row.schema_name}`.execute(p.db.kysely);
      expect(ns.rows[0]?.n).toBe(1);

      const actions = await p.db.control.selectFrom('audit_log').select(['action', 'actor_user_id']).where('store_id', '=', store.id).orderBy('id').execute();
      expect(actions.map((a) => a.action)).toEqual(['store.created', 'store.deleted']);
      expect(actions.every((a) => a.actor_user_id === owner.user.id)).toBe(true);
    });

    it('unknown, forged and non-uuid store ids are 404', async () => {
      for (const id of ['00000000-0000-7000-8000-000000000000', 'not-a-uuid', "1' or '1'='1"]) {
        const res = await p.request('GET', `/api/v1/stores/${encodeURIComponent(id)}`, { cookie: owner.cookie });
        expect(res.status, id).toBe(404);
        expect(res.body.error.code).toBe('store_not_found');
      }
    });
  });

  describe('roles', () => {
    let store: { id: string; slug: string };
    let product: { id: string };
    let staff: { cookie: string; user: { id: string } };
    let admin: { cookie: string; user: { id: string } };
    beforeAll(async () => {
      store = await createStore(p, owner.cookie);
      product = await createProduct(p, owner.cookie, store.id, { title: 'Staff visible' });
      staff = await signup(p);
      admin = await signup(p);
      await p.db.control.insertInto('memberships').values({ store_id: store.id, user_id: staff.user.id, role: 'staff' }).execute();
      await p.db.control.insertInto('memberships').values({ store_id: store.id, user_id: admin.user.id, role: 'admin' }).execute();
    });

    it('staff can read the store and its products', async () => {
      const got = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie });
      expect(got.status).toBe(200);
      expect(got.body.role).toBe('staff');
      const list = await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie: staff.cookie });
      expect(list.status).toBe(200);
      expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([product.id]);
      const one = await p.request('GET', `/api/v1/stores/${store.id}/products/${product.id}`, { cookie: staff.cookie });
      expect(one.status).toBe(200);
      expect(one.body.title).toBe('Staff visible');
      const mine = await p.request('GET', '/api/v1/stores', { cookie: staff.cookie });
      expect(mine.body.data).toEqual([expect.objectContaining({ id: store.id, role: 'staff' })]);
    });

    it('staff may not update or delete the store, nor import (403 forbidden)', async () => {
      const patch = await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: staff.cookie, body: { name: 'Staff rename' } });
      expect(patch.status).toBe(403);
      expect(patch.body.error.code).toBe('forbidden');
      const del = await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: staff.cookie });
      expect(del.status).toBe(403);
      expect(del.body.error.code).toBe('forbidden');
      const imp = await p.request('POST', `/api/v1/stores/${store.id}/imports`, {
        cookie: staff.cookie,
        rawBody: 'Handle,Title\nx,X\n',
        contentType: 'text/csv',
      });
      expect(imp.status).toBe(403);

      const row = await p.db.control.selectFrom('stores').select(['status', 'name']).where('id', '=', store.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('active');
      expect(row.name).not.toBe('Staff rename');
      const audits = await p.db.control
        .selectFrom('audit_log')
        .select('action')
        .where('store_id', '=', store.id)
        .where('action', 'in', ['store.updated', 'store.deleted'])
        .execute();
      expect(audits).toEqual([]);
    });

    it('admins may update but not delete', async () => {
      const patch = await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: admin.cookie, body: { name: 'Admin rename' } });
      expect(patch.status).toBe(200);
      expect(patch.body).toMatchObject({ name: 'Admin rename', role: 'admin' });
      const del = await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: admin.cookie });
      expect(del.status).toBe(403);
      expect((await p.db.control.selectFrom('stores').select('status').where('id', '=', store.id).executeTakeFirstOrThrow()).status).toBe('active');
    });

    it('a non-member sees 404 for the store and its products', async () => {
      const stranger = await signup(p);
      expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: stranger.cookie })).status).toBe(404);
      expect((await p.request('GET', `/api/v1/stores/${store.id}/products/${product.id}`, { cookie: stranger.cookie })).status).toBe(404);
      expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: stranger.cookie })).status).toBe(404);
    });
  });

  describe('slug availability', () => {
    const check = (slug: string, cookie: string | null = owner.cookie) =>
      p.request('GET', `/api/v1/stores/slug-availability?slug=${encodeURIComponent(slug)}`, cookie ? { cookie } : {});

    it('reports free, taken, reserved and invalid slugs', async () => {
      const free = slugOf('free');
      expect((await check(free)).body).toEqual({ slug: free, available: true, reason: null });
      const taken = await createStore(p, owner.cookie);
      const res = await check(taken.slug);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ slug: taken.slug, available: false, reason: 'taken' });
      expect((await check(taken.slug.toUpperCase())).body).toEqual({ slug: taken.slug, available: false, reason: 'taken' });
      expect((await check('www')).body).toEqual({ slug: 'www', available: false, reason: 'reserved' });
      expect((await check('Admin')).body).toEqual({ slug: 'admin', available: false, reason: 'reserved' });
      for (const bad of ['-bad', 'a', 'has_underscore']) expect((await check(bad)).body).toEqual({ slug: bad, available: false, reason: 'invalid' });
    });

    it('requires auth and a slug', async () => {
      expect((await check('anything', null)).status).toBe(401);
      const missing = await p.request('GET', '/api/v1/stores/slug-availability', { cookie: owner.cookie });
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('validation_failed');
      expect((await check('x'.repeat(64))).status).toBe(400);
    });
  });

  describe('audit log', () => {
    it('records store.created with the actor, slug and request id', async () => {
      const requestId = `req-${rnd(8)}`;
      const slug = slugOf('audit');
      const res = await p.request('POST', '/api/v1/stores', {
        cookie: owner.cookie,
        headers: { 'x-request-id': requestId },
        body: { name: 'Audited', slug, currency: 'USD' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      const entries = await p.db.control.selectFrom('audit_log').selectAll().where('store_id', '=', res.body.id).execute();
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        action: 'store.created',
        actor_user_id: owner.user.id,
        target_type: 'store',
        target_id: res.body.id,
        request_id: requestId,
        data: { slug },
      });

      const del = await p.request('DELETE', `/api/v1/stores/${res.body.id}`, { cookie: owner.cookie, headers: { 'x-request-id': `${requestId}-del` } });
      expect(del.status).toBe(204);
      const deleted = await p.db.control
        .selectFrom('audit_log')
        .selectAll()
        .where('store_id', '=', res.body.id)
        .where('action', '=', 'store.deleted')
        .execute();
      expect(deleted).toEqual([expect.objectContaining({ actor_user_id: owner.user.id, target_id: res.body.id, request_id: `${requestId}-del` })]);
    });
  });
});

describe('stores on a production-like root domain', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ config: { storeRootDomain: 'storeloom.test', storefrontProtocol: 'https', storefrontPort: 443 } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('builds https URLs without the default port and keeps the root domain and its subdomains out of custom domains', async () => {
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    const got = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie });
    expect(got.body.url).toBe(`https://${store.slug}.storeloom.test`);
    for (const customDomain of ['storeloom.test', 'STORELOOM.TEST', 'www.storeloom.test', `${store.slug}.storeloom.test`]) {
      const res = await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie, body: { customDomain } });
      expect(res.status, customDomain).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    // A look-alike that is not under the root domain is the merchant's own.
    for (const customDomain of ['shop.notstoreloom.test', 'storeloom.test.example.com']) {
      const ok = await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie, body: { customDomain } });
      expect(ok.status, customDomain).toBe(200);
      expect(ok.body.customDomain).toBe(customDomain);
    }
  });
});
