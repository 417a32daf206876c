/** Custom domains: DNS records to create, TXT verification through an injected resolver, storefront routing only when verified. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = () => randomBytes(4).toString('hex');

describe('custom domain', () => {
  let p: TestPlatform;
  const txt = new Map<string, string[][]>();
  beforeAll(async () => {
    p = await startTestPlatform();
    p.services.dns = {
      resolveTxt: async (name) => {
        const r = txt.get(name);
        if (!r) throw Object.assign(new Error('queryTxt ENOTFOUND'), { code: 'ENOTFOUND' });
        return r;
      },
      resolveCname: async () => [],
    };
  });
  afterAll(async () => {
    await p.close();
  });

  it('claims a domain, returns the records, verifies by TXT, and only then routes the storefront', async () => {
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    const domain = `shop-${rnd()}.example.com`;
    const empty = await p.request('GET', `/api/v1/stores/${store.id}/domain`, { cookie });
    expect(empty.body).toEqual({ domain: null, verified: false, verifiedAt: null, records: [] });
    const notYet = await p.request('POST', `/api/v1/stores/${store.id}/domain/verify`, { cookie });
    expect(notYet.status).toBe(409);

    const set = await p.request('PUT', `/api/v1/stores/${store.id}/domain`, { cookie, body: { domain: domain.toUpperCase() } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ domain, verified: false });
    const cname = set.body.records.find((r: { type: string }) => r.type === 'CNAME');
    const record = set.body.records.find((r: { type: string }) => r.type === 'TXT');
    expect(cname).toMatchObject({ name: domain, value: 'stores.localhost' });
    expect(record.name).toBe(`_storeloom-verify.${domain}`);
    expect(record.value).toMatch(/^storeloom-verify=[0-9a-f]{32}$/);
    // Idempotent: the same domain keeps its token.
    const again = await p.request('PUT', `/api/v1/stores/${store.id}/domain`, { cookie, body: { domain } });
    expect(again.body.records).toEqual(set.body.records);

    expect(await p.services.stores.domains.findByHost(domain, 'localhost')).toBeNull();
    const missing = await p.request('POST', `/api/v1/stores/${store.id}/domain/verify`, { cookie });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('dns_verification_failed');
    txt.set(record.name, [['some-other=value'], ['storeloom-verify=wrong']]);
    expect((await p.request('POST', `/api/v1/stores/${store.id}/domain/verify`, { cookie })).status).toBe(422);
    // TXT values may arrive split into chunks.
    txt.set(record.name, [['v=spf1 -all'], [record.value.slice(0, 20), record.value.slice(20)]]);
    const ok = await p.request('POST', `/api/v1/stores/${store.id}/domain/verify`, { cookie });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.verified).toBe(true);
    expect((await p.services.stores.domains.findByHost(`${domain.toUpperCase()}:443`, 'localhost'))?.id).toBe(store.id);
    expect((await p.services.stores.domains.findByHost(`${store.slug}.localhost`, 'localhost'))?.id).toBe(store.id);

    // Changing to another domain needs a new verification.
    const other = `other-${rnd()}.example.org`;
    const changed = await p.request('PUT', `/api/v1/stores/${store.id}/domain`, { cookie, body: { domain: other } });
    expect(changed.body.verified).toBe(false);
    expect(changed.body.records.find((r: { type: string }) => r.type === 'TXT').value).not.toBe(record.value);
    expect(await p.services.stores.domains.findByHost(domain, 'localhost')).toBeNull();
    expect(await p.services.stores.domains.findByHost(other, 'localhost')).toBeNull();

    const del = await p.request('DELETE', `/api/v1/stores/${store.id}/domain`, { cookie });
    expect(del.status).toBe(204);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/domain`, { cookie })).body.domain).toBeNull();
  });

  it('a domain belongs to one store; platform hosts and bad names are refused; staff may not change it', async () => {
    const owner = await signup(p);
    const a = await createStore(p, owner.cookie);
    const b = await createStore(p, owner.cookie);
    const domain = `taken-${rnd()}.example.com`;
    expect((await p.request('PUT', `/api/v1/stores/${a.id}/domain`, { cookie: owner.cookie, body: { domain } })).status).toBe(200);
    const dup = await p.request('PUT', `/api/v1/stores/${b.id}/domain`, { cookie: owner.cookie, body: { domain } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('domain_taken');
    for (const bad of ['localhost', `${b.slug}.localhost`, 'not a domain', 'http://x.com']) {
      expect((await p.request('PUT', `/api/v1/stores/${b.id}/domain`, { cookie: owner.cookie, body: { domain: bad } })).status, bad).toBe(400);
    }
    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: a.id, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    expect((await p.request('GET', `/api/v1/stores/${a.id}/domain`, { cookie: staff.cookie })).status).toBe(200);
    expect((await p.request('PUT', `/api/v1/stores/${a.id}/domain`, { cookie: staff.cookie, body: { domain: `s-${rnd()}.example.com` } })).status).toBe(403);
    expect((await p.request('POST', `/api/v1/stores/${a.id}/domain/verify`, { cookie: staff.cookie })).status).toBe(403);
    expect((await p.request('DELETE', `/api/v1/stores/${a.id}/domain`, { cookie: staff.cookie })).status).toBe(403);
  });

  it('PATCH /stores with a new customDomain resets verification; the same one keeps it', async () => {
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    const domain = `patch-${rnd()}.example.com`;
    const set = await p.request('PUT', `/api/v1/stores/${store.id}/domain`, { cookie, body: { domain } });
    const record = set.body.records.find((r: { type: string }) => r.type === 'TXT');
    txt.set(record.name, [[record.value]]);
    expect((await p.request('POST', `/api/v1/stores/${store.id}/domain/verify`, { cookie })).body.verified).toBe(true);
    await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie, body: { customDomain: domain, name: 'Same domain' } });
    expect((await p.request('GET', `/api/v1/stores/${store.id}/domain`, { cookie })).body.verified).toBe(true);
    await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie, body: { customDomain: `new-${rnd()}.example.com` } });
    const after = await p.request('GET', `/api/v1/stores/${store.id}/domain`, { cookie });
    expect(after.body.verified).toBe(false);
    expect(after.body.records).toHaveLength(2);
  });
});
