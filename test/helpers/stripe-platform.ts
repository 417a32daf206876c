/**
 * A test platform billing through the local Stripe fake, with the control plane behind a real port so the fake
 * delivers its webhooks over HTTP (billing and Connect endpoints, each with its own signing secret). Shared by the
 * billing, payment and storefront security tests and the Connect test on a second cluster.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@storeloom/log';
import { StripeFake } from '@storeloom/stripe-fake';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import { serveOnFreePort } from './browser.ts';
import { startTestPlatform, type TestPlatform } from './platform.ts';

export interface StripeTestPlatform {
  fake: StripeFake;
  p: TestPlatform;
  /** The control plane of `p` on a free port (the fake's webhook target). */
  server: { port: number; close(): Promise<void> };
  prices: { basic: string; pro: string };
  billingSecret: string;
  connectSecret: string;
  /** Starts Connect onboarding for the store through the API and completes it on the fake (charges enabled). */
  connectStore(cookie: string, storeId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startStripePlatform(
  opts: {
    /** Further database clusters and the placement cache TTL, as in startTestPlatform. */
    database?: { clusters?: Record<string, string>; placementTtlMs?: number };
    /** Which webhook endpoints the fake delivers to (default both). */
    webhooks?: 'both' | 'connect';
  } = {},
): Promise<StripeTestPlatform> {
  const billingSecret = `whsec_b_${randomBytes(8).toString('hex')}`;
  const connectSecret = `whsec_c_${randomBytes(8).toString('hex')}`;
  const fake = await StripeFake.start();
  const prices = { basic: fake.createPrice({ unitAmount: 2900 }), pro: fake.createPrice({ unitAmount: 9900 }) };
  let p: TestPlatform;
  try {
    p = await startTestPlatform({
      ...(opts.database ? { database: opts.database } : {}),
      config: {
        billing: {
          graceDays: 7,
          stripe: { secretKey: 'sk_test_storeloom', billingWebhookSecret: billingSecret, connectWebhookSecret: connectSecret, apiUrl: fake.url, prices },
        },
      },
    });
  } catch (e) {
    await fake.close();
    throw e;
  }
  const platform = p;
  const server = await serveOnFreePort(createControlPlaneApp(platform.services, createLogger({ level: 'silent' })).fetch);
  if ((opts.webhooks ?? 'both') === 'both')
    fake.endpoints.push({ url: `http://127.0.0.1:${server.port}/webhooks/stripe/billing`, secret: billingSecret, connect: false });
  fake.endpoints.push({ url: `http://127.0.0.1:${server.port}/webhooks/stripe/connect`, secret: connectSecret, connect: true });
  return {
    fake,
    p: platform,
    server,
    prices,
    billingSecret,
    connectSecret,
    async connectStore(cookie, storeId) {
      await platform.request('POST', `/api/v1/stores/${storeId}/payouts/connect`, { cookie });
      const status = await platform.request('GET', `/api/v1/stores/${storeId}/payouts`, { cookie });
      await fake.completeOnboarding(status.body.accountId);
      return status.body.accountId as string;
    },
    async close() {
      await server.close();
      await platform.close();
      await fake.close();
    },
  };
}
