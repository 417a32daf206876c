import type { ApiTokenService, RateLimiter, SessionManager, SessionUser, UserService } from '@storeloom/auth';
import type { BillingConfig, BillingService, ConnectService, StripeWebhooks } from '@storeloom/billing';
import type { Database, Kysely, MembershipRole, Store, TenantDatabase } from '@storeloom/db';
import type { BaseVariables } from '@storeloom/http';
import type { Queues } from '@storeloom/jobs';
import type { StoreService } from '@storeloom/stores';

export interface ControlPlaneConfig {
  publicUrl: string;
  storeRootDomain: string;
  storefrontPort: number;
  storefrontProtocol: 'http' | 'https';
  trustedOrigins: string[];
  trustProxy: boolean;
  secureCookies: boolean;
  maxBodyBytes: number;
  /** Stripe billing and Connect; stripe: null (no keys) = billing off. */
  billing?: Omit<BillingConfig, 'publicUrl'>;
}

export interface Services {
  db: Database;
  users: UserService;
  sessions: SessionManager;
  apiTokens: ApiTokenService;
  rateLimiter: RateLimiter;
  stores: StoreService;
  queues: Queues;
  config: ControlPlaneConfig;
  billing: BillingService;
  connect: ConnectService;
  stripeWebhooks: StripeWebhooks;
}

export interface AuthInfo {
  user: SessionUser;
  method: 'session' | 'token';
  sessionId?: string;
}

export type AppEnv = {
  Variables: BaseVariables & {
    services: Services;
    auth: AuthInfo | null;
    store: Store;
    role: MembershipRole;
    tenant: Kysely<TenantDatabase>;
    logFields: Record<string, unknown>;
  };
};

/** Public URL of a store's storefront. */
export function storeUrl(config: ControlPlaneConfig, store: { slug: string; custom_domain?: string | null; customDomain?: string | null }): string {
  const defaultPort = config.storefrontProtocol === 'https' ? 443 : 80;
  const port = config.storefrontPort === defaultPort ? '' : `:${config.storefrontPort}`;
  return `${config.storefrontProtocol}://${store.slug}.${config.storeRootDomain}${port}`;
}
