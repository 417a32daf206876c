/**
 * No personal data in logs (issue 22): drives a merchant sign-up and password reset, a shopper's registration,
 * password reset, checkout with a full address and a failing-then-succeeding webhook delivery through the
 * in-process control plane, storefront and worker, with debug-level loggers capturing every line each process
 * writes, then searches all of it for the personal values used: e-mail addresses, names, address lines, phone
 * numbers and full client IPs. Only truncated IPs (IPv4 /24, IPv6 /48) may appear.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createLogger, truncateIp } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { createStorefrontApp } from '../apps/storefront/src/app.ts';

const LOCAL = { allowHttp: true, allowPrivateAddresses: true };

describe('personal data stays out of the logs', () => {
  const lines: Record<'control-plane' | 'storefront' | 'worker', string[]> = { 'control-plane': [], storefront: [], worker: [] };
  const capture = (name: keyof typeof lines) => createLogger({ level: 'debug', format: 'json', write: (l) => void lines[name].push(l) });
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let server: Server;
  let hooks = 0;
  const tag = randomBytes(3).toString('hex');
  const merchant = { email: `ottilie.${tag}@merchant-example.com`, name: 'Ottilie Brandauer' };
  const shopper = { email: `wendelin.${tag}@shopper-example.com`, name: 'Wendelin Quastenberg' };
  const buyer = {
    email: `guest.${tag}@buyer-example.com`,
    name: 'Hildegard Zwiebelmeier',
    line1: '17 Krummelanker Strasse',
    line2: 'Hinterhaus Etage 3',
    city: 'Quedlinburg',
    postalCode: '06484',
    phone: '+49 3946 778812',
  };
  const ips = { merchant: '203.0.113.77', shopper: '198.51.100.143', buyer: '2001:db8:85a3:1234:5678:8a2e:370:7334' };

  beforeAll(async () => {
    p = await startTestPlatform({
      logger: capture('control-plane'),
      workerLogger: capture('worker'),
      config: { webhookEgress: LOCAL, trustProxy: true },
    });
    sf = createStorefrontApp(p.db, capture('storefront'), {
      rootDomain: 'localhost',
      secret: 'pii-logs-test-secret-0123456789abcdef0123',
      storeCacheTtlMs: 0,
      trustProxy: true,
      mail: p.services.mail,
      queues: p.queues,
    });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hooks++;
        // The first delivery fails (with a body echoing nothing personal), so the retry path runs too.
        res.writeHead(hooks === 1 ? 500 : 200).end(hooks === 1 ? 'try again' : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await p?.close();
  });

  it('truncates IPs to /24 (IPv4) and /48 (IPv6)', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateIp('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateIp('2001:db8:85a3:1234:5678:8a2e:370:7334')).toBe('2001:db8:85a3::/48');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(truncateIp('unknown')).toBeUndefined();
  });

  it('writes none of the personal values of sign-up, checkout, registration, password resets and webhooks', async () => {
    const cp = (method: string, path: string, o: Parameters<TestPlatform['request']>[2] = {}) =>
      p.request(method, path, { ...o, headers: { 'x-forwarded-for': ips.merchant, ...o.headers } });
    // Merchant: sign-up (and a second one with the same address), a failed sign-in, a password reset.
    const signed = await cp('POST', '/api/v1/auth/signup', { body: { email: merchant.email, password: 'correct horse battery', name: merchant.name } });
    expect(signed.status).toBe(201);
    const cookie = (signed.headers.get('set-cookie') ?? '').split(';')[0] as string;
    await cp('POST', '/api/v1/auth/signup', { body: { email: merchant.email, password: 'correct horse battery', name: merchant.name } });
    expect((await cp('POST', '/api/v1/auth/login', { body: { email: merchant.email, password: 'wrong password here' } })).status).toBe(401);
    expect((await cp('POST', '/api/v1/auth/password-reset', { body: { email: merchant.email } })).status).toBe(202);
    const store = await createStore(p, cookie);
    const product = await createProduct(p, cookie, store.id, { title: 'Tea', variants: [{ sku: `T-${tag}`, price: 900, inventoryQuantity: 50 }] });
    const variantId = product.variants[0].id as string;
    const hook = await p.request('POST', `/api/v1/stores/${store.id}/webhooks`, {
      cookie,
      body: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, events: ['order.created', 'order.paid', 'customer.created'] },
    });
    expect(hook.status, hook.text).toBe(201);

    // Shopper: registration, a failed sign-in, a password reset; a guest buyer's checkout with a full address.
    const host = `${store.slug}.localhost`;
    const req = (path: string, ip: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('host', host);
      headers.set('x-forwarded-for', ip);
      if (init.method === 'POST') headers.set('origin', `http://${host}`);
      return sf.request(`http://${host}${path}`, { ...init, headers });
    };
    const form = (data: Record<string, string>, cookieHeader?: string): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookieHeader ? { cookie: cookieHeader } : {}) },
      body: new URLSearchParams(data).toString(),
    });
    const registered = await req('/account/register', ips.shopper, form({ email: shopper.email, name: shopper.name, password: 'a long shopper passphrase' }));
    expect(registered.status).toBe(303);
    await req('/account/register', ips.shopper, form({ email: shopper.email, name: shopper.name, password: 'a long shopper passphrase' }));
    await req('/account/login', ips.shopper, form({ email: shopper.email, password: 'not the passphrase' }));
    expect((await req('/account/forgot', ips.shopper, form({ email: shopper.email }))).status).toBe(200);
    expect((await req('/account/reset', ips.shopper, form({ token: 'a'.repeat(32), password: 'another long passphrase' }))).status).toBe(400);

    const add = await req('/cart/add', ips.buyer, form({ variantId, quantity: '1' }));
    const jar = (add.headers.getSetCookie().find((c) => c.startsWith('sf_cart=')) ?? '').split(';')[0] as string;
    const address = {
      name: buyer.name,
      line1: buyer.line1,
      line2: buyer.line2,
      city: buyer.city,
      postalCode: buyer.postalCode,
      country: 'DE',
      phone: buyer.phone,
    };
    // A refused checkout first (an e-mail that is not one, carrying the name).
    await req('/checkout', ips.buyer, form({ ...address, email: `not-an-email ${buyer.name}` }, jar));
    const placed = await req('/checkout', ips.buyer, form({ ...address, email: buyer.email }, jar));
    expect(placed.status, await placed.clone().text()).toBe(303);
    const pay = new URL(placed.headers.get('location') as string, `http://${host}`);
    expect((await req(`${pay.pathname}${pay.search}`, ips.buyer, form({ outcome: 'pay' }, jar))).status).toBe(303);

    // The worker delivers the mails and the webhooks (the first attempt fails and is retried).
    const worker = await p.startWorker({ webhookEgress: LOCAL, alertWebhookBackoffMs: 10 });
    try {
      const deadline = Date.now() + 30_000;
      const pending = async () => (await p.db.control.selectFrom('mail_outbox').select('id').where('status', '=', 'pending').execute()).length > 0 || hooks < 3;
      while ((await pending()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await worker.close();
    }
    expect(hooks).toBeGreaterThanOrEqual(2);

    const forbidden = [
      merchant.email,
      merchant.name,
      ...merchant.name.split(' '),
      shopper.email,
      shopper.name,
      ...shopper.name.split(' '),
      buyer.email,
      ...buyer.name.split(' '),
      buyer.line1,
      'Krummelanker',
      buyer.line2,
      buyer.phone,
      buyer.phone.replace(/\s/g, ''),
      '778812',
      ips.merchant,
      ips.shopper,
      ips.buyer,
      '5678:8a2e',
    ];
    for (const [proc, out] of Object.entries(lines)) {
      expect(out.length, `${proc} wrote log lines`).toBeGreaterThan(0);
      const text = out.join('').toLowerCase();
      for (const value of forbidden) expect(text.includes(value.toLowerCase()), `${proc} log contains "${value}"`).toBe(false);
    }
    // The access lines carry the truncated address where the client's address is known.
    expect(lines.storefront.join('')).toContain('198.51.100.0/24');
  });
});
