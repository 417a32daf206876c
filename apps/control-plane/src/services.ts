import { ApiTokenService, createLucia, RateLimiter, SessionManager, UserService } from '@storeloom/auth';
import { BillingService, ConnectService, createStripeClient, StripeWebhooks } from '@storeloom/billing';
import type { Database } from '@storeloom/db';
import type { ControlPlaneEnv } from '@storeloom/env';
import type { Queues } from '@storeloom/jobs';
import { type ProvisioningHooks, StoreService } from '@storeloom/stores';
import type { ControlPlaneConfig, Services } from './context.ts';

export function configFromEnv(env: ControlPlaneEnv): ControlPlaneConfig {
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const url = new URL(publicUrl);
  return {
    publicUrl,
    storeRootDomain: env.STORE_ROOT_DOMAIN,
    storefrontPort: env.STOREFRONT_PORT,
    storefrontProtocol: env.STOREFRONT_PROTOCOL,
    trustedOrigins: env.TRUSTED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    trustProxy: env.TRUST_PROXY,
    // Secure cookies everywhere except plain-http localhost development.
    secureCookies: url.protocol === 'https:' || !['localhost', '127.0.0.1'].includes(url.hostname),
    maxBodyBytes: env.MAX_BODY_BYTES,
    billing: {
      graceDays: env.BILLING_GRACE_DAYS,
      stripe: env.STRIPE_SECRET_KEY
        ? {
            secretKey: env.STRIPE_SECRET_KEY,
            billingWebhookSecret: env.STRIPE_BILLING_WEBHOOK_SECRET,
            connectWebhookSecret: env.STRIPE_CONNECT_WEBHOOK_SECRET,
            apiUrl: env.STRIPE_API_URL,
            prices: { basic: env.STRIPE_PRICE_BASIC, pro: env.STRIPE_PRICE_PRO },
          }
        : null,
    },
  };
}

export function buildServices(db: Database, queues: Queues, config: ControlPlaneConfig, hooks: ProvisioningHooks = {}): Services {
  const stores = new StoreService(db, hooks);
  const billingConfig = { graceDays: 7, stripe: null, ...config.billing, publicUrl: config.publicUrl };
  const stripe = billingConfig.stripe ? createStripeClient(billingConfig.stripe) : null;
  const forget = (storeId: string) => stores.forgetAccess(storeId);
  return {
    db,
    queues,
    config,
    users: new UserService(db),
    sessions: new SessionManager(createLucia(db, { secureCookies: config.secureCookies })),
    apiTokens: new ApiTokenService(db),
    rateLimiter: new RateLimiter(db),
    stores,
    billing: new BillingService(db, billingConfig, stripe, forget),
    connect: new ConnectService(db, billingConfig, stripe),
    stripeWebhooks: new StripeWebhooks(db, billingConfig, stripe, forget),
  };
}
