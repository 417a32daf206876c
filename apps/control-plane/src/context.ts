import type { AccountService, ApiTokenService, RateLimiter, SessionManager, SessionUser, UserService } from '@storeloom/auth';
import type { Database, Kysely, MembershipRole, Store, TenantDatabase } from '@storeloom/db';
import type { BaseVariables } from '@storeloom/http';
import type { Queues } from '@storeloom/jobs';
import type { MailOutbox } from '@storeloom/mail';
import type { Storage, StorageSettings } from '@storeloom/storage';
import type { StoreService, TeamService } from '@storeloom/stores';
import type { DnsResolver } from './dns.ts';

export interface ControlPlaneConfig {
  publicUrl: string;
  storeRootDomain: string;
  storefrontPort: number;
  storefrontProtocol: 'http' | 'https';
  trustedOrigins: string[];
  trustProxy: boolean;
  secureCookies: boolean;
  maxBodyBytes: number;
  /** Mail: SMTP when set, otherwise the local outbox (and the developer outbox API). */
  smtpUrl?: string | undefined;
  mailFrom?: string;
  /** The developer outbox API answers only without SMTP and outside production. */
  devOutbox?: boolean;
  /** Media storage; default: local disk in a temporary folder (tests). */
  storage?: StorageSettings;
  uploadMaxBytes?: number;
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
  mail: MailOutbox;
  accounts: AccountService;
  team: TeamService;
  storage: Storage;
  dns: DnsResolver;
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
