import { PrivacyService } from '@storeloom/privacy';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AccountService,
  ApiTokenService,
  createLucia,
  PasskeyService,
  PrincipalCache,
  RateLimiter,
  relyingPartyOf,
  SessionManager,
  SignInNotices,
  TwoFactorService,
  UserService,
} from '@storeloom/auth';
import { BillingService, ConnectPaymentEvents, ConnectService, createStripeClient, StripeWebhooks, shopperPayments } from '@storeloom/billing';
import { createCommerce } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { CatalogVersions, type Database, NotificationListener } from '@storeloom/db';
import { ResponseCache } from '@storeloom/http';
import { type ControlPlaneEnv, webhookEgressFromEnv } from '@storeloom/env';
import type { Queues } from '@storeloom/jobs';
import { MailOutbox, transportFromConfig } from '@storeloom/mail';
import { defaultMediaPublicUrl, defaultUploadsDir, storageFromSettings } from '@storeloom/storage';
import { type ProvisioningHooks, StoreSecurityService, StoreService, TeamService } from '@storeloom/stores';
import { systemDnsResolver } from './dns.ts';
import { DEVELOPMENT_SECRETS_KEY, SecretBox, secretKeysFromEnv } from '@storeloom/secret-box';
import { queueCatalogEvents, StoreSearchService } from '@storeloom/store-search';
import { type ControlPlaneConfig, type Services, storeUrl } from './context.ts';

export function configFromEnv(env: ControlPlaneEnv): ControlPlaneConfig {
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const url = new URL(publicUrl);
  return {
    publicUrl,
    storeRetentionDays: env.STORE_RETENTION_DAYS,
    storeRootDomain: env.STORE_ROOT_DOMAIN,
    storefrontPort: env.STOREFRONT_PUBLIC_PORT ?? env.STOREFRONT_PORT,
    storefrontProtocol: env.STOREFRONT_PROTOCOL,
    trustedOrigins: env.TRUSTED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    trustProxy: env.TRUST_PROXY,
    // Secure cookies everywhere except plain-http localhost development.
    secureCookies: url.protocol === 'https:' || !['localhost', '127.0.0.1'].includes(url.hostname),
    maxBodyBytes: env.MAX_BODY_BYTES,
    maxJsonBodyBytes: env.MAX_JSON_BODY_BYTES,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    devOutbox: !env.SMTP_URL && env.NODE_ENV !== 'production',
    storage: {
      driver: env.STORAGE_DRIVER,
      uploadsDir: resolve(env.UPLOADS_DIR ?? defaultUploadsDir(env.DATA_DIR)),
      mediaPublicUrl:
        env.MEDIA_PUBLIC_URL ?? defaultMediaPublicUrl({ driver: env.STORAGE_DRIVER, publicUrl, s3Endpoint: env.S3_ENDPOINT, s3Bucket: env.S3_BUCKET }),
      s3: {
        endpoint: env.S3_ENDPOINT,
        bucket: env.S3_BUCKET,
        region: env.S3_REGION,
        accessKeyId: env.S3_ACCESS_KEY_ID,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      },
    },
    uploadMaxBytes: env.UPLOAD_MAX_BYTES,
    modelUploadMaxBytes: env.MODEL_UPLOAD_MAX_BYTES,
    orderLinkSecret: env.STOREFRONT_SECRET ?? null,
    ...(env.SECURITY_CONTACT ? { securityContact: env.SECURITY_CONTACT } : {}),
    searchCacheBytes: env.SEARCH_CACHE_BYTES,
    searchCacheMaxDocs: env.SEARCH_CACHE_MAX_DOCS,
    searchFreshnessMs: env.SEARCH_FRESHNESS_MS,
    storeLimits: { perAccount: env.STORES_PER_ACCOUNT, freePerAccount: env.FREE_STORES_PER_ACCOUNT, createsPerHour: env.STORE_CREATES_PER_HOUR },
    rateLimits: { perIpPerMinute: env.RATE_LIMIT_PER_IP, perStorePerMinute: env.RATE_LIMIT_PER_STORE },
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    responseCacheBytes: env.RESPONSE_CACHE_BYTES,
    webhookEgress: webhookEgressFromEnv(env),
    ...secretKeysConfig(env),
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    metricsWithoutToken: env.NODE_ENV !== 'production',
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

export function buildServices(
  db: Database,
  queues: Queues,
  config: ControlPlaneConfig,
  hooks: ProvisioningHooks = {},
  overrides: Partial<Pick<Services, 'mail' | 'storage' | 'dns'>> = {},
): Services {
  const stores = new StoreService(db, hooks, {
    ...(config.storeLimits ?? { perAccount: 20, freePerAccount: 3, createsPerHour: 10 }),
    billingEnabled: Boolean(config.billing?.stripe),
  });
  const billingConfig = { graceDays: 7, stripe: null, ...config.billing, publicUrl: config.publicUrl };
  const stripe = billingConfig.stripe ? createStripeClient(billingConfig.stripe) : null;
  const forget = (storeId: string) => stores.access.forget(storeId);
  const principals = new PrincipalCache();
  const authChanges = authChangeListener(principals, stores);
  const mail = overrides.mail ?? new MailOutbox(db, transportFromConfig(config.smtpUrl), config.mailFrom ?? 'Storeloom <no-reply@storeloom.localhost>');
  const storage =
    overrides.storage ??
    storageFromSettings(
      config.storage ?? { driver: 'local', uploadsDir: join(tmpdir(), 'storeloom-uploads'), mediaPublicUrl: `${config.publicUrl.replace(/\/$/, '')}/media` },
    );
  // Order mail is written here and delivered by the worker; the commerce logger only reports lost enqueues.
  const commerce = createCommerce({
    db,
    queues,
    payments: shopperPayments(db, stripe),
    secret: config.orderLinkSecret ?? null,
    storeUrl: (store) => storeUrl(config, store),
    logger: createLogger({ level: 'warn', base: { app: 'control-plane', component: 'commerce' } }),
  });
  // The order service built on db.tenant(...) enqueues mail delivery and the order-paid job after its own commits.
  // One box seals what the platform must read back: two-factor seeds and webhook signing secrets.
  const secrets = new SecretBox(config.secretKeys ?? DEVELOPMENT_SECRETS_KEY);
  const connectPayments = stripe
    ? new ConnectPaymentEvents(
        stripe,
        db,
        (tenant, store) => commerce.orders(store, { tenant }),
        (tenant, store) => commerce.returns(store, { tenant }),
      )
    : null;
  return {
    db,
    queues,
    config,
    users: new UserService(db),
    sessions: new SessionManager(createLucia(db, { secureCookies: config.secureCookies }), db, principals),
    twoFactor: new TwoFactorService(db, secrets, { issuer: 'Storeloom' }),
    signInNotices: new SignInNotices(db, mail, config.publicUrl),
    passkeys: new PasskeyService(db, relyingPartyOf(config.publicUrl)),
    storeSecurity: new StoreSecurityService(db, forget),
    apiTokens: new ApiTokenService(db, principals),
    rateLimiter: new RateLimiter(db),
    stores,
    mail,
    accounts: new AccountService(db, mail),
    team: new TeamService(db, mail, (storeId) => stores.access.forget(storeId)),
    storage,
    dns: overrides.dns ?? systemDnsResolver,
    search: new StoreSearchService(db, { maxBytes: config.searchCacheBytes, maxDocs: config.searchCacheMaxDocs, freshnessMs: config.searchFreshnessMs }),
    catalogEvents: queueCatalogEvents(db, queues),
    billing: new BillingService(db, billingConfig, stripe, forget),
    connect: new ConnectService(db, billingConfig, stripe),
    stripeWebhooks: new StripeWebhooks(db, billingConfig, stripe, forget, connectPayments),
    commerce,
    secrets,
    privacy: new PrivacyService({ db, storage }),
    responseCache: config.responseCacheBytes === 0 ? null : new ResponseCache(config.responseCacheBytes ?? 32 * 1024 * 1024),
    catalogVersions: new CatalogVersions(),
    principals,
    authChanges,
  };
}

/** The channel of migrations/control/20261206210600_auth_notify.ts: `user <id>` and `store <id>` at commit. */
export const AUTH_CHANNEL = 'storeloom_auth';

/**
 * What the database announces about sessions, tokens, users, memberships and stores drops this process's cached
 * principals and store access at once; a change of the listener's trust drops everything learned before it.
 */
export function authChangeListener(principals: PrincipalCache, stores: StoreService): NotificationListener {
  return new NotificationListener(AUTH_CHANNEL, {
    onMessage: (payload) => {
      const [kind, id] = payload.split(' ');
      if (!id) return;
      if (kind === 'user') principals.forgetUser(id);
      else if (kind === 'store') stores.access.forget(id);
    },
    onTrust: () => {
      principals.clear();
      stores.access.forgetAll();
    },
  });
}

function secretKeysConfig(env: ControlPlaneEnv): Pick<ControlPlaneConfig, 'secretKeys'> {
  const keys = secretKeysFromEnv(env);
  return keys ? { secretKeys: keys } : {};
}
