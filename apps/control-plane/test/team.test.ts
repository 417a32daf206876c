/** Team: invitations by mail, roles enforced by the API, removal, ownership transfer, audit, on real Postgres. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = () => randomBytes(4).toString('hex');

describe('team', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  async function inviteToken(email: string): Promise<string> {
    const [mail] = await p.services.mail.list({ to: email, limit: 1 });
    const m = /\/invite\?token=([a-z2-7]+)/.exec(mail?.text ?? '');
    if (!m) throw new Error('no invitation mailed');
    return m[1] as string;
  }
  const audit = async (storeId: string) =>
    (await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', storeId).orderBy('id').execute()).map((r) => r.action);

  async function storeWithMember(role: 'admin' | 'staff') {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const member = await signup(p);
    const inv = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email: member.email, role } });
    expect(inv.status, inv.text).toBe(201);
    const acc = await p.request('POST', '/api/v1/invitations/accept', { cookie: member.cookie, body: { token: await inviteToken(member.email) } });
    expect(acc.status, acc.text).toBe(200);
    return { owner, store, member };
  }

  it('invites by mail; the invited user accepts while signed in and gets the role', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const staff = await signup(p);
    const inv = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, {
      cookie: owner.cookie,
      body: { email: staff.email.toUpperCase(), role: 'staff' },
    });
    expect(inv.status, inv.text).toBe(201);
    expect(inv.body.invitation).toMatchObject({ email: staff.email, role: 'staff', expired: false });
    expect(Date.parse(inv.body.invitation.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const token = await inviteToken(staff.email);
    const team = await p.request('GET', `/api/v1/stores/${store.id}/team`, { cookie: owner.cookie });
    expect(team.body.members.map((m: { role: string }) => m.role)).toEqual(['owner']);
    expect(team.body.invitations).toHaveLength(1);

    const preview = await p.request('GET', `/api/v1/invitations/preview?token=${token}`);
    expect(preview.body).toMatchObject({ storeId: store.id, email: staff.email, role: 'staff', accountExists: true });

    // Someone else signed in cannot use the link.
    const stranger = await signup(p);
    const wrong = await p.request('POST', '/api/v1/invitations/accept', { cookie: stranger.cookie, body: { token } });
    expect(wrong.status).toBe(403);
    const ok = await p.request('POST', '/api/v1/invitations/accept', { cookie: staff.cookie, body: { token } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ storeId: store.id, role: 'staff' });
    const mine = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie });
    expect(mine.body.role).toBe('staff');
    // Single use.
    expect((await p.request('POST', '/api/v1/invitations/accept', { cookie: staff.cookie, body: { token } })).body.error.code).toBe('invalid_token');
    const after = await p.request('GET', `/api/v1/stores/${store.id}/team`, { cookie: staff.cookie });
    expect(after.body.invitations).toEqual([]);
    expect(after.body.members.map((m: { email: string }) => m.email)).toEqual([owner.email, staff.email]);
    expect(await audit(store.id)).toEqual(expect.arrayContaining(['team.invited', 'team.invitation_accepted']));
  });

  it('a new person signs up through the link with the invited address only', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const email = `new-${rnd()}@example.com`;
    await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email, role: 'admin' } });
    const token = await inviteToken(email);
    expect((await p.request('GET', `/api/v1/invitations/preview?token=${token}`)).body.accountExists).toBe(false);
    const anonymous = await p.request('POST', '/api/v1/invitations/accept', { body: { token } });
    expect(anonymous.status).toBe(401);
    const res = await p.request('POST', '/api/v1/invitations/accept', { body: { token, name: 'New Admin', password: 'a long enough password' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.user.email).toBe(email);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const s = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie });
    expect(s.body.role).toBe('admin');
  });

  it('inviting again refreshes the open invitation (one per address); revoked links stop working', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const email = `again-${rnd()}@example.com`;
    const first = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email, role: 'staff' } });
    const oldToken = await inviteToken(email);
    const second = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email, role: 'admin' } });
    expect(second.body.refreshed).toBe(true);
    expect(second.body.invitation.id).toBe(first.body.invitation.id);
    expect(second.body.invitation.role).toBe('admin');
    const newToken = await inviteToken(email);
    expect((await p.request('GET', `/api/v1/invitations/preview?token=${oldToken}`)).status).toBe(400);
    const rows = await p.db.control.selectFrom('invitations').selectAll().where('store_id', '=', store.id).execute();
    expect(rows).toHaveLength(1);
    const del = await p.request('DELETE', `/api/v1/stores/${store.id}/invitations/${first.body.invitation.id}`, { cookie: owner.cookie });
    expect(del.status).toBe(204);
    expect((await p.request('GET', `/api/v1/invitations/preview?token=${newToken}`)).body.error.code).toBe('invalid_token');
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}/invitations/${first.body.invitation.id}`, { cookie: owner.cookie })).status).toBe(404);
    const owners = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email, role: 'owner' } });
    expect(owners.status).toBe(400);
    const self = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email: owner.email, role: 'staff' } });
    expect(self.status).toBe(409);
    // Concurrent first invitations of one address end as one open invitation.
    const racing = `race-${rnd()}@example.com`;
    const all = await Promise.all(
      Array.from({ length: 4 }, () =>
        p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email: racing, role: 'staff' } }),
      ),
    );
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const open = await p.db.control.selectFrom('invitations').select('id').where('email', '=', racing).where('revoked_at', 'is', null).execute();
    expect(open).toHaveLength(1);
  });

  it('staff cannot invite, change roles, remove others, transfer or delete the store; may leave', async () => {
    const { owner, store, member: staff } = await storeWithMember('staff');
    const ownerId = owner.user.id;
    const denied = [
      await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: staff.cookie, body: { email: `x-${rnd()}@example.com`, role: 'staff' } }),
      await p.request('PATCH', `/api/v1/stores/${store.id}/members/${ownerId}`, { cookie: staff.cookie, body: { role: 'staff' } }),
      await p.request('DELETE', `/api/v1/stores/${store.id}/members/${ownerId}`, { cookie: staff.cookie }),
      await p.request('POST', `/api/v1/stores/${store.id}/transfer-ownership`, { cookie: staff.cookie, body: { userId: staff.user.id } }),
      await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: staff.cookie }),
    ];
    for (const r of denied) expect(r.status, r.text).toBe(403);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/team`, { cookie: staff.cookie })).status).toBe(200);
    const leave = await p.request('DELETE', `/api/v1/stores/${store.id}/members/${staff.user.id}`, { cookie: staff.cookie });
    expect(leave.status).toBe(204);
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie })).status).toBe(404);
    expect(await audit(store.id)).toContain('team.left');
  });

  it('admins manage staff but never the owner; role changes and removal take effect at once', async () => {
    const { owner, store, member: admin } = await storeWithMember('admin');
    const staff = await signup(p);
    await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: admin.cookie, body: { email: staff.email, role: 'staff' } });
    await p.request('POST', '/api/v1/invitations/accept', { cookie: staff.cookie, body: { token: await inviteToken(staff.email) } });
    // Warm the access cache, then change the role: the next request sees it.
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie })).body.role).toBe('staff');
    const promoted = await p.request('PATCH', `/api/v1/stores/${store.id}/members/${staff.user.id}`, { cookie: admin.cookie, body: { role: 'admin' } });
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.body.role).toBe('admin');
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie })).body.role).toBe('admin');
    expect((await p.request('PATCH', `/api/v1/stores/${store.id}/members/${owner.user.id}`, { cookie: admin.cookie, body: { role: 'staff' } })).status).toBe(
      403,
    );
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}/members/${owner.user.id}`, { cookie: admin.cookie })).status).toBe(403);
    expect((await p.request('PATCH', `/api/v1/stores/${store.id}/members/${staff.user.id}`, { cookie: admin.cookie, body: { role: 'owner' } })).status).toBe(
      400,
    );
    const removed = await p.request('DELETE', `/api/v1/stores/${store.id}/members/${staff.user.id}`, { cookie: admin.cookie });
    expect(removed.status).toBe(204);
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie })).status).toBe(404);
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}/members/${staff.user.id}`, { cookie: admin.cookie })).status).toBe(404);
    expect(await audit(store.id)).toEqual(expect.arrayContaining(['team.role_changed', 'team.member_removed']));
  });

  it('transfers ownership atomically: one owner always, the old owner becomes admin', async () => {
    const { owner, store, member: admin } = await storeWithMember('admin');
    expect((await p.request('POST', `/api/v1/stores/${store.id}/transfer-ownership`, { cookie: admin.cookie, body: { userId: admin.user.id } })).status).toBe(
      403,
    );
    const stranger = await signup(p);
    expect(
      (await p.request('POST', `/api/v1/stores/${store.id}/transfer-ownership`, { cookie: owner.cookie, body: { userId: stranger.user.id } })).status,
    ).toBe(404);
    const res = await p.request('POST', `/api/v1/stores/${store.id}/transfer-ownership`, { cookie: owner.cookie, body: { userId: admin.user.id } });
    expect(res.status, res.text).toBe(200);
    const roles = Object.fromEntries(res.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role]));
    expect(roles).toEqual({ [admin.user.id]: 'owner', [owner.user.id]: 'admin' });
    // The former owner lost owner powers at once.
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: owner.cookie })).status).toBe(403);
    // Concurrent transfers by the new owner to the same/different members leave exactly one owner.
    const third = await signup(p);
    await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: admin.cookie, body: { email: third.email, role: 'staff' } });
    await p.request('POST', '/api/v1/invitations/accept', { cookie: third.cookie, body: { token: await inviteToken(third.email) } });
    await Promise.all([
      p.request('POST', `/api/v1/stores/${store.id}/transfer-ownership`, { cookie: admin.cookie, body: { userId: owner.user.id } }),
      p.request('POST', `/api/v1/stores/${store.id}/transfer-ownership`, { cookie: admin.cookie, body: { userId: third.user.id } }),
    ]);
    const owners = await p.db.control.selectFrom('memberships').select('user_id').where('store_id', '=', store.id).where('role', '=', 'owner').execute();
    expect(owners).toHaveLength(1);
    expect(await audit(store.id)).toContain('team.ownership_transferred');
  });

  it('lists each caller’s capabilities per store, and the routes refuse exactly what they deny', async () => {
    const { owner, store, member: staff } = await storeWithMember('staff');
    const admin = await signup(p);
    await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email: admin.email, role: 'admin' } });
    expect((await p.request('POST', '/api/v1/invitations/accept', { cookie: admin.cookie, body: { token: await inviteToken(admin.email) } })).status).toBe(200);

    const capsOf = async (cookie: string) => {
      const me = await p.request('GET', '/api/v1/me', { cookie });
      const one = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie });
      const listed = me.body.stores.find((s: { id: string }) => s.id === store.id);
      // The same list wherever the store is shown to the caller.
      expect(one.body.capabilities).toEqual(listed.capabilities);
      return listed.capabilities as string[];
    };
    const caps = { owner: await capsOf(owner.cookie), admin: await capsOf(admin.cookie), staff: await capsOf(staff.cookie) };
    expect(caps.staff).toEqual(expect.arrayContaining(['catalog:write', 'inventory:adjust', 'orders:read', 'orders:manage', 'planning:read']));
    expect(caps.staff).not.toContain('store:update');
    expect(caps.admin).toEqual(expect.arrayContaining([...caps.staff, 'store:update', 'team:manage', 'catalog:import', 'store:export']));
    expect(caps.admin).not.toContain('store:delete');
    expect(caps.owner).toEqual(expect.arrayContaining([...caps.admin, 'store:delete', 'store:transfer']));

    // One request per capability the console hides something for; valid bodies, so only the role decides.
    const probes: { cap: string; method: string; path: string; body?: unknown; rawBody?: string; contentType?: string }[] = [
      { cap: 'store:update', method: 'PATCH', path: '', body: { name: 'Renamed by a member' } },
      { cap: 'store:update', method: 'GET', path: '/jobs/dead' },
      { cap: 'team:manage', method: 'POST', path: '/invitations', body: { email: `probe-${rnd()}@example.com`, role: 'staff' } },
      { cap: 'catalog:import', method: 'POST', path: '/imports/preview', rawBody: 'Handle,Title,Variant Price\nprobe,Probe,1.00\n', contentType: 'text/csv' },
      { cap: 'store:export', method: 'GET', path: '/exports' },
      { cap: 'planning:manage', method: 'GET', path: '/inventory-planning/webhook' },
      { cap: 'planning:read', method: 'GET', path: '/inventory-planning/suppliers' },
      { cap: 'catalog:write', method: 'POST', path: '/products', body: { title: 'Probe', variants: [{ price: 100 }] } },
      { cap: 'orders:read', method: 'GET', path: '/orders' },
      { cap: 'store:transfer', method: 'POST', path: '/transfer-ownership', body: { userId: staff.user.id } },
      { cap: 'store:delete', method: 'DELETE', path: '' },
    ];
    for (const [who, user] of [
      ['staff', staff],
      ['admin', admin],
    ] as const) {
      for (const probe of probes) {
        const granted = caps[who].includes(probe.cap);
        const r = await p.request(probe.method, `/api/v1/stores/${store.id}${probe.path}`, {
          cookie: user.cookie,
          body: probe.body,
          rawBody: probe.rawBody,
          contentType: probe.contentType,
        });
        if (granted) expect(r.status, `${who} ${probe.method} ${probe.path}: ${r.text}`).not.toBe(403);
        else expect([r.status, r.body.error?.code], `${who} ${probe.method} ${probe.path}`).toEqual([403, 'forbidden']);
      }
    }
  });
});
