import type { OpenAPIHono } from '@hono/zod-openapi';
import type {
  AccountService,
  ApiScope,
  ApiTokenService,
  PasskeyService,
  PrincipalCache,
  RateLimiter,
  SessionManager,
  SessionUser,
  SignInNotices,
  TwoFactorService,
  UserService,
} from '@storeloom/auth';
import type { BillingConfig, BillingService, ConnectService, StripeWebhooks } from '@storeloom/billing';
import type { Commerce } from '@storeloom/commerce';
import type { PrivacyService } from '@storeloom/privacy';
import type { CatalogVersions, Database, Kysely, MembershipRole, NotificationListener, Store, TenantDatabase } from '@storeloom/db';
import type { BaseVariables, ResponseCache } from '@storeloom/http';
import type { Queues } from '@storeloom/jobs';
import type { MailOutbox } from '@storeloom/mail';
import type { SecretBox, SecretKeys } from '@storeloom/secret-box';
import type { EgressPolicy } from '@storeloom/webhooks';
import type { Storage, StorageSettings } from '@storeloom/storage';
import type { StoreSecurityService, StoreService, TeamService } from '@storeloom/stores';
import type { DnsResolver } from './dns.ts';
import type { CatalogEvents, StoreSearchService } from '@storeloom/store-search';

export interface ControlPlaneConfig {
  /** Where merchant webhooks may point (default strict: https, public addresses only). */
  webhookEgress?: EgressPolicy;
  /**
   * Keys of the platform's secret box (SECRETS_KEY, SECRETS_KEY_PREVIOUS; WEBHOOK_SECRETS_KEY as the older name), which
   * seals webhook signing secrets and two-factor seeds. Default: the development key (env validation refuses production without one).
   */
  secretKeys?: SecretKeys;
  publicUrl: string;
  /** Days a deleted store stays restorable before its schema is purged (STORE_RETENTION_DAYS; default 30). */
  storeRetentionDays?: number;
  storeRootDomain: string;
  storefrontPort: number;
  storefrontProtocol: 'http' | 'https';
  trustedOrigins: string[];
  trustProxy: boolean;
  secureCookies: boolean;
  maxBodyBytes: number;
  /** Limit of JSON request bodies (default 1 MiB); uploads use maxBodyBytes. */
  maxJsonBodyBytes?: number;
  /** Stripe billing and Connect; stripe: null (no keys) = billing off. */
  billing?: Omit<BillingConfig, 'publicUrl'>;
  /** Mail: SMTP when set, otherwise the local outbox (and the developer outbox API). */
  smtpUrl?: string | undefined;
  mailFrom?: string;
  /** The developer outbox API answers only without SMTP and outside production. */
  devOutbox?: boolean;
  /** Media storage; default: local disk in a temporary folder (tests). */
  storage?: StorageSettings;
  uploadMaxBytes?: number;
  /** 3D model uploads (MODEL_UPLOAD_MAX_BYTES; default 20 MiB). */
  modelUploadMaxBytes?: number;
  /** HMAC key of signed order-status links (shared with the storefront); without it mails carry no status link. */
  orderLinkSecret?: string | null;
  /** Search index cache budget (documents across stores) and staleness bound; see @storeloom/store-search. */
  /** Byte budget of the search index cache (SEARCH_CACHE_BYTES; default 512 MiB). */
  searchCacheBytes?: number;
  searchCacheMaxDocs?: number;
  searchFreshnessMs?: number;
  /** Caps on store creation per account (see StoreCreationLimits); undefined = the defaults (20 stores, 3 on Free, 10 per hour). */
  storeLimits?: { perAccount: number; freePerAccount: number; createsPerHour: number };
  /** Per-minute request limits on /api/v1 (undefined or 0 = off). */
  rateLimits?: { perIpPerMinute: number; perStorePerMinute: number };
  /** 503 + Retry-After for a request still running after this long (undefined or 0 = off). */
  requestTimeoutMs?: number;
  /** Bearer token for GET /metrics (undefined = open; keep it off the public network). */
  metricsToken?: string;
  /** Without a metrics token, whether /metrics is served at all: false in production (NODE_ENV=production); default true. */
  metricsWithoutToken?: boolean;
  /** Byte budget of the in-process response cache of catalogue reads (RESPONSE_CACHE_BYTES; default 32 MiB; 0 = off). */
  responseCacheBytes?: number;
  /** Contact published in /.well-known/security.txt (default: mailto:security@ the console's host). */
  securityContact?: string;
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
  mail: MailOutbox;
  accounts: AccountService;
  team: TeamService;
  storage: Storage;
  dns: DnsResolver;
  search: StoreSearchService;
  /** Catalogue writes tell search what changed (after commit). */
  catalogEvents: CatalogEvents;
  /** Order services of a store (orders API, Stripe Connect webhook), built like the storefront's and the worker's. */
  commerce: Commerce;
  /** The platform's secret box (SECRETS_KEY): merchant webhook signing secrets and two-factor seeds. */
  secrets: SecretBox;
  /** Shoppers' export and erasure requests (the worker runs them). */
  privacy: PrivacyService;
  /** Merchant two-factor sign-in (TOTP, recovery codes, pending sign-ins). */
  twoFactor: TwoFactorService;
  /** Passkeys (WebAuthn): registration and passwordless sign-in. */
  passkeys: PasskeyService;
  /** Mails the account on a sign-in from a new device. */
  signInNotices: SignInNotices;
  /** A store's sign-in policy (require two-factor sign-in of the team). */
  storeSecurity: StoreSecurityService;
  /** Cached catalogue responses (null = off) and the catalogue versions they are checked against (issue 23). */
  responseCache: ResponseCache | null;
  catalogVersions: CatalogVersions;
  /** Validated sessions and API tokens in memory (shared by `sessions` and `apiTokens`; see PrincipalCache). */
  principals: PrincipalCache;
  /** LISTEN on `storeloom_auth`: drops cached principals and store access when the database announces a change (main.ts starts it). */
  authChanges: NotificationListener;
}

export interface AuthInfo {
  user: SessionUser;
  method: 'session' | 'token';
  /** What a token may do (absent for sessions, which only their role limits). */
  scopes?: readonly ApiScope[];
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

/** The control plane's OpenAPI app, as every route file's `register…Routes(app)` receives it. */
export type Api = OpenAPIHono<AppEnv>;
