/**
 * Merchant webhooks on real Postgres: subscriptions through the API (secret
 * shown once, stored encrypted), the outbox written with the change (and not
 * for a rolled-back one), signed deliveries to a real HTTP receiver, retries
 * with exponential backoff over a moved clock, per-resource ordering, the
 * delivery log and redelivery, automatic disabling with a mail, SSRF refusal
 * and the development switches refused in production.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MailOutbox } from '@storeloom/mail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, openShop, type Shop } from '../../commerce/test/helpers.ts';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { DEVELOPMENT_SECRETS_KEY, keyId, SecretBox } from '@storeloom/secret-box';
import { sealWebhookV1 } from '../../secret-box/test/legacy.ts';
import {
  backoffDelay,
  dispatchWebhooks,
  emitWebhookEvent,
  sealWebhookSecret,
  verifyWebhook,
  WEBHOOK_SECRET_PURPOSE,
  WebhookService,
  WebhookVerificationError,
} from '../src/index.ts';

const LOCAL = { allowHttp: true, allowPrivateAddresses: true };
const box = new SecretBox(DEVELOPMENT_SECRETS_KEY);

interface Received {
  body: string;
  signature: string;
  id: string;
  type: string;
}

describe('merchant webhooks', () => {
  let p: TestPlatform;
  let shop: Shop;
  let server: Server;
  let url: string;
  const received: Received[] = [];
  /** Status the receiver answers for an event (default 200). */
  let answer: (e: { id: string; type: string }, n: number) => number = () => 200;

  beforeAll(async () => {
    p = await startTestPlatform({ config: { webhookEgress: LOCAL } });
    shop = await openShop(p);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const e = JSON.parse(body) as { id: string; type: string };
        received.push({ body, signature: String(req.headers['storeloom-signature']), id: e.id, type: e.type });
        const status = answer(e, received.filter((r) => r.id === e.id).length);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'x'.repeat(10_000));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await p?.close();
  });

  const dispatch = (now: Date, extra: Partial<Parameters<typeof dispatchWebhooks>[0]> = {}) =>
    dispatchWebhooks({ t: shop.t, storeId: shop.store.id, box, egress: LOCAL, now: () => now, retry: { baseDelayMs: 60_000, maxDelayMs: 3600_000 }, ...extra });

  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${shop.store.id}/webhooks${path}`, { cookie: shop.cookie, ...(body ? { body } : {}) });

  async function placePaidOrder() {
    const product = await shop.product({
      title: 'Tea',
      status: 'active',
      variants: [{ sku: `T-${Date.now()}-${Math.random()}`, price: 500, inventoryQuantity: 50 }],
    });
    const cartId = await shop.cartWith([[product.variants[0]?.id as string, 2]]);
    const placed = await shop.orders.place({
      cartId,
      email: 'ada@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: shop.settings,
    });
    await shop.orders.confirmPayment(placed.order.id, { provider: 'manual', reference: 'm-1', amount: placed.order.total });
    return placed.order.id;
  }

  let hookId: string;
  let secret: string;

  it('creates a subscription: 201 with the secret once; it is stored encrypted and never shown again', async () => {
    const bad = await api('POST', '', { url, events: ['order.created', 'order.exploded'] });
    expect(bad.status).toBe(400);
    const res = await api('POST', '', { url, events: ['order.created', 'order.paid', 'order.refunded', 'product.created'], description: 'ERP' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url, enabled: true, events: ['order.created', 'order.paid', 'order.refunded', 'product.created'] });
    expect(res.body.secret).toMatch(/^whsec_/);
    hookId = res.body.id;
    secret = res.body.secret;
    const got = await api('GET', `/${hookId}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(JSON.stringify((await api('GET', '')).body)).not.toContain(secret);
    const row = await shop.t.selectFrom('webhook_subscriptions').selectAll().where('id', '=', hookId).executeTakeFirstOrThrow();
    expect(row.secret_ciphertext).not.toContain(secret);
    expect(row.secret_ciphertext.startsWith(`v2.${box.keyId}.`)).toBe(true);
    expect(box.open(row.secret_ciphertext, WEBHOOK_SECRET_PURPOSE)).toBe(secret);
    expect(await p.db.control.selectFrom('webhook_stores').select('store_id').where('store_id', '=', shop.store.id).executeTakeFirst()).toBeTruthy();
  });

  it('writes nothing for a rolled-back change (outbox in the same transaction)', async () => {
    const before = await shop.t.selectFrom('webhook_events').select('id').execute();
    await expect(
      shop.t.transaction().execute(async (trx) => {
        await emitWebhookEvent(trx, { type: 'order.created', resourceKey: 'order:x', data: { x: 1 } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    // A product write refused by a version conflict rolls back its event too.
    const product = await shop.product({ title: 'Kettle', status: 'active', variants: [{ sku: 'K-1', price: 900, inventoryQuantity: 3 }] });
    const conflict = await p.request('PATCH', `/api/v1/stores/${shop.store.id}/products/${product.id}`, {
      cookie: shop.cookie,
      body: { version: 99, title: 'Stale' },
    });
    expect(conflict.status).toBe(409);
    const after = await shop.t.selectFrom('webhook_events').select(['id', 'type', 'resource_key']).execute();
    // Only the committed product creation is in the outbox.
    expect(after.length - before.length).toBe(1);
    expect(after.at(-1)).toMatchObject({ type: 'product.created', resource_key: `product:${product.id}` });
    // Nobody subscribes to product.updated: nothing is written for it.
    expect(after.some((e) => e.type === 'product.updated')).toBe(false);
  });

  it('delivers signed events at least once, in order per resource, retrying with exponential backoff', async () => {
    received.length = 0;
    // order.created fails twice, then succeeds; nothing else of that order may overtake it.
    answer = (e, n) => (e.type === 'order.created' && n <= 2 ? 500 : 200);
    const orderId = await placePaidOrder();
    const t0 = new Date();
    const events = await shop.t.selectFrom('webhook_events').select(['id', 'type']).where('resource_key', '=', `order:${orderId}`).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.paid']);

    const r1 = await dispatch(t0);
    // The two product events and the first order.created attempt; order.paid waits behind order.created.
    expect(received.map((r) => r.type)).toEqual(['product.created', 'product.created', 'order.created']);
    expect(r1).toMatchObject({ busy: false, succeeded: 2, failed: 1 });
    expect(r1.nextDueAt?.getTime()).toBe(t0.getTime() + backoffDelay(1, { baseDelayMs: 60_000, maxDelayMs: 3600_000 }));

    // Nothing is due before the backoff: a run now sends nothing.
    expect((await dispatch(new Date(t0.getTime() + 59_000))).attempted).toBe(0);
    const r2 = await dispatch(new Date(t0.getTime() + 60_000));
    expect(r2).toMatchObject({ attempted: 1, failed: 1 });
    // Second failure: the delay doubles (2 minutes).
    expect(r2.nextDueAt?.getTime()).toBe(t0.getTime() + 60_000 + 120_000);
    await dispatch(new Date(t0.getTime() + 180_000));
    expect(received.map((r) => r.type)).toEqual(['product.created', 'product.created', 'order.created', 'order.created', 'order.created', 'order.paid']);

    // Every attempt carries the same event id and a valid signature over the exact body.
    const created = received.filter((r) => r.type === 'order.created');
    expect(new Set(created.map((r) => r.id)).size).toBe(1);
    for (const r of received) {
      const e = verifyWebhook<{ order: { id: string } }>(secret, r.body, r.signature);
      expect(e).toMatchObject({ storeId: shop.store.id });
      expect(typeof e.createdAt).toBe('string');
      expect(() => verifyWebhook('whsec_wrong', r.body, r.signature)).toThrow(WebhookVerificationError);
      expect(() => verifyWebhook(secret, `${r.body} `, r.signature)).toThrow(/does not match/);
      expect(() => verifyWebhook(secret, r.body, r.signature, { nowSeconds: Math.floor(Date.now() / 1000) + 3600 })).toThrow(/tolerance/);
    }
    const paid = JSON.parse(received.at(-1)?.body ?? '{}');
    expect(paid).toMatchObject({ type: 'order.paid', data: { order: { id: orderId, paymentStatus: 'paid' } } });
    expect(Object.keys(paid).sort()).toEqual(['createdAt', 'data', 'id', 'storeId', 'type']);

    // The log: three attempts of order.created with request and (truncated) response.
    const log = await api('GET', `/${hookId}/deliveries?limit=10`);
    expect(log.status).toBe(200);
    const createdDelivery = log.body.items.find((d: { type: string }) => d.type === 'order.created');
    expect(createdDelivery).toMatchObject({ status: 'succeeded', attempts: 3, lastStatus: 200 });
    const detail = await api('GET', `/${hookId}/deliveries/${createdDelivery.id}`);
    expect(detail.body.log).toHaveLength(3);
    expect(detail.body.log[0].response.status).toBe(500);
    expect(detail.body.log[0].response.body.length).toBeLessThan(4200);
    expect(detail.body.log[0].response.body).toContain('[truncated]');
    expect(detail.body.log[0].request.body).toContain(orderId);
    expect(JSON.stringify(detail.body)).not.toContain(secret);
  });

  it('redelivers on request with the same event id', async () => {
    received.length = 0;
    answer = () => 200;
    const log = await api('GET', `/${hookId}/deliveries?status=succeeded&limit=1`);
    const d = log.body.items[0];
    const res = await api('POST', `/${hookId}/deliveries/${d.id}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('pending');
    await dispatch(new Date());
    expect(received.map((r) => r.id)).toEqual([d.eventId]);
    expect((await api('GET', `/${hookId}/deliveries/${d.id}`)).body).toMatchObject({ status: 'succeeded', attempts: d.attempts + 1 });
  });

  it('gives a delivery up after its 3-day window and disables an endpoint failing for long, mailing the merchant', async () => {
    received.length = 0;
    answer = () => 503;
    const start = new Date();
    await placePaidOrder();
    const t0 = new Date();
    const mail = new MailOutbox(p.db, { send: async () => {} } as never, 'test@example.com');
    const disabled: string[] = [];
    const opts = {
      disable: { afterMs: 24 * 3600_000, minFailures: 4 },
      onDisabled: async (s: { id: string; url: string }) => {
        disabled.push(s.id);
        await mail.enqueue({
          kind: 'webhook-disabled',
          to: 'owner@example.com',
          storeId: shop.store.id,
          subject: `Webhook disabled: ${s.url}`,
          text: 'x',
          dedupKey: `wd:${s.id}`,
        });
      },
    };
    // Run the dispatcher at each due time, as its self-scheduled job would.
    let now = t0;
    for (let i = 0; i < 200 && disabled.length === 0; i++) {
      const r = await dispatch(now, opts);
      if (!r.nextDueAt) break;
      now = r.nextDueAt;
    }
    expect(disabled).toEqual([hookId]);
    const sub = (await api('GET', `/${hookId}`)).body;
    expect(sub).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(sub.consecutiveFailures).toBeGreaterThanOrEqual(4);
    // Backoff doubles, capped at the maximum.
    const attempts = await shop.t
      .selectFrom('webhook_delivery_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_delivery_attempts.delivery_id')
      .select(['webhook_delivery_attempts.created_at', 'webhook_delivery_attempts.attempt'])
      .where('webhook_delivery_attempts.created_at', '>=', t0)
      .execute();
    expect(attempts.length).toBeGreaterThan(4);
    // Disabled: nothing more is sent, even when due.
    const sent = received.length;
    expect((await dispatch(new Date(now.getTime() + 3600_000))).attempted).toBe(0);
    expect(received.length).toBe(sent);
    const mails = await p.db.control
      .selectFrom('mail_outbox')
      .select(['kind', 'subject'])
      .where('store_id', '=', shop.store.id)
      .where('kind', '=', 'webhook-disabled')
      .execute();
    expect(mails).toHaveLength(1);

    // Re-enabled, still failing: the pending deliveries are retried until their window ends, then `failed`.
    expect((await api('PATCH', `/${hookId}`, { enabled: true })).body).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    for (let i = 0; i < 200; i++) {
      const r = await dispatch(now, { disable: { afterMs: 100 * 24 * 3600_000, minFailures: 1000 } });
      if (!r.nextDueAt) break;
      now = r.nextDueAt;
    }
    expect(now.getTime() - t0.getTime()).toBeLessThanOrEqual(3 * 24 * 3600_000);
    const left = await shop.t.selectFrom('webhook_deliveries').select(['status']).where('created_at', '>=', start).execute();
    // The new product's and the order's two events.
    expect(left).toHaveLength(3);
    expect(left.every((d) => d.status === 'failed')).toBe(true);
  });

  it('refuses URLs to non-public addresses or over http under the default egress policy, at save and at delivery', async () => {
    const strict = new WebhookService({ t: shop.t, storeId: shop.store.id, box });
    await expect(strict.create({ url: 'http://example.com/x', events: ['order.paid'] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(strict.create({ url: 'https://127.0.0.1/x', events: ['order.paid'] })).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(strict.create({ url: 'https://[::ffff:10.0.0.1]/x', events: ['order.paid'] })).rejects.toMatchObject({ code: 'url_not_allowed' });
    // Saved while the name resolved publicly, it now resolves to a private address: the delivery is refused.
    let address = '93.184.215.14';
    const resolver = async () => [{ address, family: 4 as const }];
    const svc = new WebhookService({ t: shop.t, storeId: shop.store.id, box, resolver });
    const sub = await svc.create({ url: 'https://hooks.example.com/x', events: ['customer.created'] });
    address = '169.254.169.254';
    await shop.t.transaction().execute((trx) => emitWebhookEvent(trx, { type: 'customer.created', resourceKey: 'customer:1', data: {} }));
    await dispatchWebhooks({ t: shop.t, storeId: shop.store.id, box, resolver });
    const d = await svc.deliveries(sub.id, { limit: 1 });
    expect(d.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
    expect(d.items[0]?.lastError).toMatch(/^refused: .*non-public/);
    await svc.delete(sub.id);
  });

  it('refuses the development switches (new names and old aliases) in production, and requires the secrets key there', async () => {
    const { controlPlaneEnvSchema, loadEnv, webhookEgressFromEnv, workerEnvSchema } = await import('@storeloom/env');
    const key = { WEBHOOK_SECRETS_KEY: 'k'.repeat(40) };
    const newName = { SECRETS_KEY: 's'.repeat(40) };
    for (const schema of [controlPlaneEnvSchema, workerEnvSchema]) {
      for (const name of ['WEBHOOK_ALLOW_HTTP', 'WEBHOOK_ALLOW_PRIVATE', 'ALERT_WEBHOOK_ALLOW_HTTP', 'ALERT_WEBHOOK_ALLOW_PRIVATE'])
        expect(() => loadEnv(schema, { NODE_ENV: 'production', ...key, [name]: 'true' })).toThrow(new RegExp(name));
      expect(() => loadEnv(schema, { NODE_ENV: 'production' })).toThrow(/SECRETS_KEY.*WEBHOOK_SECRETS_KEY/);
      expect(() => loadEnv(schema, { NODE_ENV: 'production', ...key })).not.toThrow();
      expect(() => loadEnv(schema, { NODE_ENV: 'production', ...newName })).not.toThrow();
      expect(() => loadEnv(schema, { NODE_ENV: 'production', ...newName, SECRETS_KEY_PREVIOUS: 'too-short' })).toThrow(/SECRETS_KEY_PREVIOUS/);
      expect(loadEnv(schema, { ...newName, SECRETS_KEY_PREVIOUS: ` ${'p'.repeat(40)}, ${'q'.repeat(40)} ` }).SECRETS_KEY_PREVIOUS).toEqual([
        'p'.repeat(40),
        'q'.repeat(40),
      ]);
      expect(webhookEgressFromEnv(loadEnv(schema, { NODE_ENV: 'test', ALERT_WEBHOOK_ALLOW_HTTP: 'true' }))).toEqual({
        allowHttp: true,
        allowPrivateAddresses: false,
      });
      expect(webhookEgressFromEnv(loadEnv(schema, { NODE_ENV: 'test', WEBHOOK_ALLOW_PRIVATE: '1' }))).toEqual({
        allowHttp: false,
        allowPrivateAddresses: true,
      });
      expect(webhookEgressFromEnv(loadEnv(schema, {}))).toEqual({ allowHttp: false, allowPrivateAddresses: false });
    }
  });

  it('keeps a secret unreadable without its key or outside its column', () => {
    const sealed = sealWebhookSecret(box, 'whsec_abc');
    expect(() => new SecretBox('another key of at least thirty-two chars').open(sealed, WEBHOOK_SECRET_PURPOSE)).toThrow();
    expect(() => box.open(sealed, 'users.totp_secret_sealed')).toThrow();
    expect(box.open(sealed, WEBHOOK_SECRET_PURPOSE)).toBe('whsec_abc');
  });

  it('delivers with a secret sealed by the old webhook box or carried over as plain:, and seals it again under the current key', async () => {
    // A platform that had WEBHOOK_SECRETS_KEY (the old box) and now has SECRETS_KEY: env makes the old key a previous one.
    const oldKey = 'o'.repeat(40);
    const rotated = new SecretBox({ current: 'n'.repeat(40), previous: [oldKey, DEVELOPMENT_SECRETS_KEY] });
    const res = await api('POST', '', { url, events: ['product.created'] });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const legacySecret = res.body.secret as string;
    const stored = () => shop.t.selectFrom('webhook_subscriptions').select('secret_ciphertext').where('id', '=', id).executeTakeFirstOrThrow();
    await shop.t
      .updateTable('webhook_subscriptions')
      .set({ secret_ciphertext: sealWebhookV1(oldKey, legacySecret) })
      .where('id', '=', id)
      .execute();
    answer = () => 200;
    const product = await shop.product({ title: 'Legacy kettle', status: 'active', variants: [{ sku: `LK-${Date.now()}`, price: 900, inventoryQuantity: 1 }] });
    await dispatchWebhooks({ t: shop.t, storeId: shop.store.id, box: rotated, egress: LOCAL });
    const got = received.filter((r) => r.type === 'product.created' && JSON.parse(r.body).data.product.id === product.id);
    expect(got.length).toBeGreaterThanOrEqual(1);
    // Signed with the secret the merchant was shown, read from the old format. Subscriptions of earlier tests in this
    // file receive the same event with their own secrets, so one of the deliveries (this endpoint's) must verify.
    const verifies = (r: Received) => {
      try {
        verifyWebhook(legacySecret, r.body, r.signature);
        return true;
      } catch {
        return false;
      }
    };
    expect(got.filter(verifies)).toHaveLength(1);
    const resealed = (await stored()).secret_ciphertext;
    expect(resealed.startsWith(`v2.${keyId('n'.repeat(40))}.`)).toBe(true);
    expect(rotated.open(resealed, WEBHOOK_SECRET_PURPOSE)).toBe(legacySecret);
    // The migration's plain: carry-over opens through the service and is sealed on first read.
    await shop.t
      .updateTable('webhook_subscriptions')
      .set({ secret_ciphertext: `plain:${legacySecret}` })
      .where('id', '=', id)
      .execute();
    const svc = new WebhookService({ t: shop.t, storeId: shop.store.id, box: rotated });
    expect(await svc.secretOf({ id, secret_ciphertext: `plain:${legacySecret}` })).toBe(legacySecret);
    const sealedNow = (await stored()).secret_ciphertext;
    expect(sealedNow.startsWith('v2.')).toBe(true);
    expect(rotated.open(sealedNow, WEBHOOK_SECRET_PURPOSE)).toBe(legacySecret);
    // A value already current is left as it is.
    expect(await svc.secretOf({ id, secret_ciphertext: sealedNow })).toBe(legacySecret);
    expect((await stored()).secret_ciphertext).toBe(sealedNow);
    await api('DELETE', `/${id}`);
  });
});
