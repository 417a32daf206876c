import Stripe from 'stripe';
import type { StripeConfig } from './config.ts';

export type { Stripe };

/** The official client, pointed at STRIPE_API_URL when set (the local fake in tests and development). */
export function createStripeClient(config: Pick<StripeConfig, 'secretKey' | 'apiUrl'>): Stripe {
  if (!config.apiUrl) return new Stripe(config.secretKey, { maxNetworkRetries: 2, appInfo: { name: 'Storeloom' } });
  const u = new URL(config.apiUrl);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.secretKey, {
    host: u.hostname,
    port: Number(u.port || (protocol === 'http' ? 80 : 443)),
    protocol,
    maxNetworkRetries: 2,
    appInfo: { name: 'Storeloom' },
  });
}
