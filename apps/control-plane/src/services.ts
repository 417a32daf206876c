import { ApiTokenService, createLucia, RateLimiter, SessionManager, UserService } from '@storeloom/auth';
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
    rateLimits: { perIpPerMinute: env.RATE_LIMIT_PER_IP, perStorePerMinute: env.RATE_LIMIT_PER_STORE },
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
  };
}

export function buildServices(db: Database, queues: Queues, config: ControlPlaneConfig, hooks: ProvisioningHooks = {}): Services {
  return {
    db,
    queues,
    config,
    users: new UserService(db),
    sessions: new SessionManager(createLucia(db, { secureCookies: config.secureCookies })),
    apiTokens: new ApiTokenService(db),
    rateLimiter: new RateLimiter(db),
    stores: new StoreService(db, hooks),
  };
}
