/**
 * Job handlers, keyed by job name. Each decodes its payload against the job's
 * definition and is idempotent, so a retried job applies its effect once.
 */
import { storeCatalogLimits, suspendOverdueStores } from '@storeloom/billing';
import { ImportService } from '@storeloom/catalog';
import { type Database, moveStore } from '@storeloom/db';
import type { Logger } from '@storeloom/log';
import {
  alertWebhookJob,
  cartRecoveryJob,
  decodeJob,
  deliverMailJob,
  importProductsJob,
  inventoryRunJob,
  type JobEnvelope,
  planningNightlyJob,
  pricingRunJob,
  type Queues,
  moveStoreJob,
  provisionStoreJob,
  purgeDeletedStoresJob,
  reconcileProvisioningJob,
  suspendOverdueStoresJob,
  releaseReservationJob,
  sweepReservationsJob,
  searchCheckIndexJob,
  searchIndexProductJob,
  searchReindexStoreJob,
  UnrecoverableJobError,
  orderPaidJob,
  webhooksDispatchJob,
  webhooksSweepJob,
  privacyRequestJob,
  retentionNightlyJob,
  retentionStoreJob,
} from '@storeloom/jobs';
import { DEVELOPMENT_SECRETS_KEY, SecretBox, type SecretKeys } from '@storeloom/secret-box';
import { dispatchWebhooks, hasDueDeliveries, storesWithWebhooks } from '@storeloom/webhooks';
import { alertRecipientsWithLocale, storeNameOf } from '@storeloom/planning';
import { applyRetention, exportReadyMail, type PaymentErasure, PrivacyService } from '@storeloom/privacy';
import { CartRecoveryService, type Commerce, createCommerce, issueOrderGiftCards } from '@storeloom/commerce';
import { consoleLink, LocalOutboxTransport, MailOutbox, platformMail } from '@storeloom/mail';
import { queueCatalogEvents, SearchIndexer } from '@storeloom/store-search';
import { type EgressPolicy, InventoryPlanningService, PricingService, utcDay } from '@storeloom/planning';
import { resolveStoreTenant, STORE_WITH_DATA, StoreService, storesWithStatus } from '@storeloom/stores';
import type { Job } from 'bullmq';
import { createRecoHandlers, type RecoDeps } from './reco.ts';
import { createAnalyticsHandlers } from './analytics.ts';
import { mailNewOrder, recordPaidOrder } from './order-paid.ts';
import { createBackupHandlers } from './backup.ts';
import { imageFetcher } from './import-images.ts';
import type { Storage } from '@storeloom/storage';

export interface HandlerDeps {
  db: Database;
  logger: Logger;
  retentionDays: number;
  provisioningStaleSeconds: number;
  /** Defaults to the local outbox (no SMTP). */
  mail?: MailOutbox;
  /** For jobs that enqueue follow-up jobs (planning fan-out, alert webhooks, mail delivery). */
  queues?: Queues;
  /** First retry delay of a failed webhook delivery (exponential, capped at 6 h, for 3 days). Default 30 s. */
  alertWebhookBackoffMs?: number;
  /** Where webhooks may go (default strict: https to public addresses only). */
  webhookEgress?: EgressPolicy;
  /** Keys of the platform's secret box, which opens webhook signing secrets (SECRETS_KEY etc.; default the development key). */
  secretKeys?: SecretKeys;
  /** Recommendation jobs (queues for the nightly fan-out, retention, training budget). */
  reco?: Omit<RecoDeps, 'db' | 'logger'>;
  /** Media storage: store exports read images from it and write archives to it; clones copy files into it; imports copy images into it. */
  storage?: Storage;
  /** Where CSV imports may fetch product images from (default strict: https to public addresses) and the size cap. */
  importImages?: { egress?: EgressPolicy; maxBytes?: number; timeoutMs?: number };
  /** Whether plan limits apply (billing is on: STRIPE_SECRET_KEY set); imports and clones then stay within each store's plan. */
  planLimits?: boolean;
  /** Order services (reservation release and sweep); default built from db and queues, manual payments, no mail. */
  commerce?: Commerce;
  /** Erasure requests also erase the shopper at the payment provider (Stripe Connect). */
  privacyPayments?: PaymentErasure | null;
  /**
   * Links into storefronts (abandoned-cart reminders): STOREFRONT_SECRET and the public origin of a store.
   * Absent: no reminders are sent (the job says so).
   */
  storefront?: { secret: string; storeUrl: (store: { slug: string }) => string };
  /** The clock of the recovery job (tests move it). */
  clock?: () => Date;
  /** Webhook events older than this many days are pruned by `webhooks.prune` (default 30). */
  webhookEventRetentionDays?: number;
  /** Heartbeat age after which an analytics rebuild counts as abandoned and the sweep takes it over (default 5 min). */
  analyticsRebuildStaleMs?: number;
  /** The console's public URL (PUBLIC_URL): merchant mails link to orders there. */
  consoleUrl?: string | null;
}

export type Handler = (job: Job<JobEnvelope>) => Promise<unknown>;

export function createHandlers(deps: HandlerDeps): Record<string, Handler> {
  const stores = new StoreService(deps.db);
  const mail = deps.mail ?? new MailOutbox(deps.db, new LocalOutboxTransport(), 'Storeloom <no-reply@storeloom.localhost>');
  const afterMail = async () => {
    await deps.queues?.enqueue(deliverMailJob, {});
  };
  const secrets = new SecretBox(deps.secretKeys ?? DEVELOPMENT_SECRETS_KEY);
  const kickWebhooks = async (storeId: string, delay?: number) => {
    await deps.queues?.enqueue(webhooksDispatchJob, { storeId }, delay && delay > 0 ? { delay } : {});
  };
  // A low-stock alert wrote its `inventory.low_stock` event: dispatch now.
  const enqueueWebhook = (storeId: string) => async (_alertId: string) => kickWebhooks(storeId);
  const dispatchStore = async (storeId: string) => {
    const found = await storeWithData(storeId);
    if (!found) return { skipped: 'store_unavailable' };
    const r = await dispatchWebhooks({
      t: found.tenant,
      storeId,
      box: secrets,
      egress: deps.webhookEgress,
      retry: { baseDelayMs: deps.alertWebhookBackoffMs ?? 30_000, maxDelayMs: 6 * 3600_000 },
      onDisabled: async (sub) => {
        const storeName = await storeNameOf(deps.db, storeId);
        for (const { email: to, locale } of await alertRecipientsWithLocale(deps.db, storeId)) {
          const m = platformMail(
            {
              kind: 'webhook-disabled',
              storeName,
              url: sub.url,
              failures: sub.failures,
              failingSince: sub.failingSince,
              consoleUrl: consoleLink(deps.consoleUrl, storeId, 'webhooks'),
            },
            locale,
          );
          await mail.enqueue({
            kind: 'webhook-disabled',
            to,
            storeId,
            subject: m.subject,
            text: m.text,
            html: m.html,
            // Per recipient (the outbox keeps one mail per key): every owner and admin is told.
            dedupKey: `webhook-disabled:${sub.id}:${sub.failingSince.toISOString()}:${to}`,
          });
        }
        await afterMail();
      },
    });
    // The next retry (or the rest of a long backlog) is a delayed run of this same job.
    if (r.more) await kickWebhooks(storeId);
    else if (r.nextDueAt && !r.busy) await kickWebhooks(storeId, Math.max(1, r.nextDueAt.getTime() - Date.now()));
    return r;
  };
  // The worker has no storefront origin, so its order changes (expiry) write no mail.
  const commerce = deps.commerce ?? createCommerce({ db: deps.db, queues: deps.queues ?? null, secret: null, logger: deps.logger });
  const activeStore = async (storeId: string) => {
    const found = await resolveStoreTenant(deps.db, storeId, { allow: ['active'] });
    if (!found) throw new UnrecoverableJobError('store is not active');
    return found.store;
  };
  /** A store whose schema holds data (active or suspended); null when it is provisioning, deleted or gone. */
  const storeWithData = (storeId: string) => resolveStoreTenant(deps.db, storeId, { allow: STORE_WITH_DATA });
  const planning = {
    [pricingRunJob.name]: async (job: Job<JobEnvelope>) => {
      const { storeId } = decodeJob(pricingRunJob, job);
      const store = await activeStore(storeId);
      const service = new PricingService({ db: deps.db, storeId, schemaName: store.schema_name, mail, afterMail, consoleUrl: deps.consoleUrl });
      const summary = await service.run({ onProgress: (f) => job.updateProgress(Math.round(f * 100)) });
      await job.updateProgress(100);
      return summary;
    },
    [inventoryRunJob.name]: async (job: Job<JobEnvelope>) => {
      const { storeId } = decodeJob(inventoryRunJob, job);
      const store = await activeStore(storeId);
      const service = new InventoryPlanningService({
        db: deps.db,
        storeId,
        schemaName: store.schema_name,
        mail,
        afterMail,
        consoleUrl: deps.consoleUrl,
        enqueueWebhook: enqueueWebhook(storeId),
      });
      const summary = await service.run({ onProgress: (f) => job.updateProgress(Math.round(f * 100)) });
      await job.updateProgress(100);
      return summary;
    },
    [planningNightlyJob.name]: async (job: Job<JobEnvelope>) => {
      decodeJob(planningNightlyJob, job);
      if (!deps.queues) throw new UnrecoverableJobError('planning fan-out needs the queues');
      const runKey = utcDay(new Date());
      const active = await storesWithStatus(deps.db, ['active']);
      for (const s of active) {
        await deps.queues.enqueue(pricingRunJob, { storeId: s.id, runKey });
        await deps.queues.enqueue(inventoryRunJob, { storeId: s.id, runKey });
      }
      return { stores: active.length };
    },
    // Queued by an older version: the alert's delivery is in the outbox now; run the dispatcher.
    [alertWebhookJob.name]: async (job: Job<JobEnvelope>) => dispatchStore(decodeJob(alertWebhookJob, job).storeId),
    [webhooksDispatchJob.name]: async (job: Job<JobEnvelope>) => dispatchStore(decodeJob(webhooksDispatchJob, job).storeId),
    [webhooksSweepJob.name]: async (job: Job<JobEnvelope>) => {
      decodeJob(webhooksSweepJob, job);
      const storeIds = await storesWithWebhooks(deps.db.control, STORE_WITH_DATA);
      let kicked = 0;
      for (const storeId of storeIds) {
        const found = await storeWithData(storeId);
        if (!found) continue;
        if (await hasDueDeliveries(found.tenant)) {
          await kickWebhooks(storeId);
          kicked++;
        }
      }
      return { stores: storeIds.length, kicked };
    },
  };
  return {
    ...planning,
    ...createRecoHandlers({ db: deps.db, logger: deps.logger, ...deps.reco }),
    ...createAnalyticsHandlers({
      db: deps.db,
      logger: deps.logger,
      queues: deps.queues,
      webhookEventRetentionDays: deps.webhookEventRetentionDays,
      ...(deps.analyticsRebuildStaleMs !== undefined ? { rebuildStaleMs: deps.analyticsRebuildStaleMs } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
    ...createBackupHandlers({ db: deps.db, storage: deps.storage, queues: deps.queues, planLimits: deps.planLimits ?? false }),
    [deliverMailJob.name]: async (job) => {
      decodeJob(deliverMailJob, job);
      return mail.deliverDue(200);
    },
    [importProductsJob.name]: async (job) => {
      const { storeId, importId } = decodeJob(importProductsJob, job);
      const found = await resolveStoreTenant(deps.db, storeId, { allow: ['provisioning', ...STORE_WITH_DATA] });
      if (!found) throw new UnrecoverableJobError('store no longer exists');
      const { store, tenant } = found;
      const storage = deps.storage;
      const result = await new ImportService(tenant).run(importId, {
        currency: store.currency,
        limits: storeCatalogLimits(deps.db, storeId, deps.planLimits ?? false),
        ...(storage
          ? {
              fetchImage: imageFetcher({
                storage,
                storeId,
                ...(deps.importImages?.egress ? { policy: deps.importImages.egress } : {}),
                maxBytes: deps.importImages?.maxBytes ?? 10 * 1024 * 1024,
                ...(deps.importImages?.timeoutMs ? { timeoutMs: deps.importImages.timeoutMs } : {}),
              }),
              deleteStoredImage: (key: string) => storage.delete(key),
            }
          : {}),
        onProgress: (fraction) => job.updateProgress(Math.round(fraction * 100)),
      });
      await job.updateProgress(100);
      if (deps.queues && result.startedAt)
        await queueCatalogEvents(deps.db, deps.queues, (err) => deps.logger.warn('search indexing not queued', { err })).productsImported(
          storeId,
          importId,
          result.startedAt,
        );
      return { status: result.status, created: result.createdCount, updated: result.updatedCount, errors: result.errorCount };
    },
    [searchIndexProductJob.name]: async (job) => {
      const { storeId, productId } = decodeJob(searchIndexProductJob, job);
      const found = await storeWithData(storeId);
      if (!found) return { skipped: true };
      return new SearchIndexer(found.tenant, found.store.schema_name).indexProducts([productId]);
    },
    [searchReindexStoreJob.name]: async (job) => {
      const { storeId, since } = decodeJob(searchReindexStoreJob, job);
      const found = await storeWithData(storeId);
      if (!found) return { skipped: true };
      const started = Date.now();
      const result = await new SearchIndexer(found.tenant, found.store.schema_name).reindex({
        ...(since ? { since: new Date(since) } : {}),
        onProgress: (fraction) => job.updateProgress(Math.round(fraction * 100)),
      });
      return { ...result, ms: Date.now() - started };
    },
    [searchCheckIndexJob.name]: async (job) => {
      const { storeId, repair } = decodeJob(searchCheckIndexJob, job);
      const found = await storeWithData(storeId);
      if (!found) return { skipped: true };
      return new SearchIndexer(found.tenant, found.store.schema_name).check({ repair });
    },
    [provisionStoreJob.name]: async (job) => {
      const { storeId } = decodeJob(provisionStoreJob, job);
      const store = await stores.provision(storeId);
      return { status: store.status };
    },
    [moveStoreJob.name]: async (job) => {
      const { storeId, target, keepSource } = decodeJob(moveStoreJob, job);
      const steps = ['prepare', 'target', 'read_only', 'copy', 'verify', 'switch', 'writable', 'drop_source', 'done'];
      const r = await moveStore(deps.db, storeId, target, {
        keepSource,
        onProgress: (p) => {
          // Copy dominates: 10–80 % across its tables, the other steps split the rest.
          const base =
            p.step === 'copy'
              ? 10 + Math.round((70 * p.tablesDone) / Math.max(1, p.tablesTotal))
              : Math.round((100 * steps.indexOf(p.step)) / (steps.length - 1));
          void job.updateProgress(Math.min(100, base)).catch(() => {});
        },
      });
      deps.logger.info('store moved', { storeId, from: r.from, to: r.to, rows: r.rowsCopied, readOnlyMs: r.readOnlyMs });
      // The old copy (schema and role, or the role) that could not be dropped on the cluster it left is on record for the
      // purge job, which drops it later: the move succeeded, and says what it left (store id, cluster, what, stable
      // reason; not the error, which may name other databases' objects).
      const left = r.sourceOnRecord;
      if (left)
        deps.logger.warn('moved store source not dropped', {
          storeId,
          cluster: r.from,
          left: [...(left.schema ? ['schema'] : []), ...(left.role ? ['role'] : [])],
          reason: left.reason,
        });
      return { from: r.from, to: r.to, rowsCopied: r.rowsCopied, readOnlyMs: r.readOnlyMs, sourceDropped: r.sourceDropped, sourceOnRecord: r.sourceOnRecord };
    },
    [reconcileProvisioningJob.name]: async (job) => {
      decodeJob(reconcileProvisioningJob, job);
      return stores.reconcileProvisioning(deps.provisioningStaleSeconds);
    },
    [releaseReservationJob.name]: async (job) => {
      const { storeId, orderId } = decodeJob(releaseReservationJob, job);
      const found = await storeWithData(storeId);
      if (!found) return { released: false };
      return { released: await commerce.orders(found.store, { tenant: found.tenant }).expire(orderId) };
    },
    [orderPaidJob.name]: async (job) => {
      const { storeId, orderId } = decodeJob(orderPaidJob, job);
      const found = await storeWithData(storeId);
      if (!found) return { skipped: 'store_unavailable' };
      const recorded = await recordPaidOrder(
        { db: deps.db, mail, afterMail, consoleUrl: deps.consoleUrl, enqueueWebhook: (sid, alertId) => enqueueWebhook(sid)(alertId) },
        { id: found.store.id, schemaName: found.store.schema_name },
        orderId,
      );
      // After the recording (which throws while the payment is not visible yet, so the job retries first).
      // Gift cards the order bought: one per unit, each with its mail, once however often the job runs.
      const cards = await issueOrderGiftCards(found.tenant, orderId, {
        store: { id: found.store.id, name: found.store.name, defaultLocale: found.store.default_locale },
        mail,
        homeUrl: deps.storefront?.storeUrl(found.store) ?? null,
      });
      const merchantMails = await mailNewOrder({ db: deps.db, commerce, mail, consoleUrl: deps.consoleUrl ?? null }, found.store, orderId);
      if (merchantMails || cards.issued) await afterMail();
      return cards.issued ? { ...recorded, giftCardsIssued: cards.issued } : recorded;
    },
    [privacyRequestJob.name]: async (job) => {
      const { storeId, requestId } = decodeJob(privacyRequestJob, job);
      const found = await storeWithData(storeId);
      if (!found) throw new UnrecoverableJobError('store is not available');
      const privacy = new PrivacyService({
        db: deps.db,
        storage: deps.storage ?? null,
        scrubJobs: deps.queues ? (needles) => deps.queues?.scrubJobs(needles) ?? Promise.resolve(0) : undefined,
        payments: deps.privacyPayments ?? null,
      });
      const summary = await privacy.process(found.store, requestId);
      // A shopper's export: mailed to them with a signed download link on the store's host (once: dedup key).
      const links = deps.storefront;
      const done = links ? await privacy.row(found.store, requestId) : null;
      const ready = links && done ? exportReadyMail(links.secret, links.storeUrl(found.store), found.store, done) : null;
      if (ready) {
        await mail.enqueue(ready);
        await afterMail();
      }
      // Counts only: the result is kept with the job and must not carry the address or the token.
      const { token: _token, payment, ...counts } = summary as Record<string, unknown>;
      return { ...counts, payment: payment ? { provider: (payment as { provider: string }).provider } : null };
    },
    [retentionNightlyJob.name]: async (job) => {
      decodeJob(retentionNightlyJob, job);
      if (!deps.queues) throw new UnrecoverableJobError('the retention fan-out needs the queues');
      const runKey = utcDay(deps.clock?.() ?? new Date());
      const stores = await storesWithStatus(deps.db, STORE_WITH_DATA);
      for (const s of stores) await deps.queues.enqueue(retentionStoreJob, { storeId: s.id, runKey });
      return { stores: stores.length };
    },
    [retentionStoreJob.name]: async (job) => {
      const { storeId } = decodeJob(retentionStoreJob, job);
      const found = await storeWithData(storeId);
      if (!found) return { skipped: 'store_unavailable' };
      // Counts only (no personal values): they are the job's result on the jobs page.
      const counts = await applyRetention(
        deps.db,
        { id: found.store.id, schema_name: found.store.schema_name },
        {
          now: deps.clock?.() ?? new Date(),
          storage: deps.storage ?? null,
          onProgress: (f) => job.updateProgress(Math.round(f * 100)),
        },
      );
      const total = Object.values(counts).reduce((a, n) => a + n, 0);
      if (total) deps.logger.info('retention applied', { storeId, ...counts });
      return counts;
    },
    [sweepReservationsJob.name]: async (job) => {
      decodeJob(sweepReservationsJob, job);
      const active = await storesWithStatus(deps.db, STORE_WITH_DATA);
      let released = 0;
      for (const s of active) released += await commerce.orders(s).sweepExpired();
      if (released) deps.logger.info('released expired reservations', { count: released });
      return { released, stores: active.length };
    },
    [cartRecoveryJob.name]: async (job) => {
      decodeJob(cartRecoveryJob, job);
      const links = deps.storefront;
      if (!links) return { sent: 0, skipped: 'no_storefront_secret' };
      const active = await storesWithStatus(deps.db, ['active']);
      let sent = 0;
      const failed: string[] = [];
      for (const s of active) {
        const recovery = new CartRecoveryService(deps.db.tenant(s.schema_name), {
          store: s,
          secret: links.secret,
          origin: links.storeUrl(s),
          mail,
          ...(deps.clock ? { clock: deps.clock } : {}),
        });
        try {
          sent += (await recovery.sendDue()).sent;
        } catch (err) {
          // One store's failure (moved, schema busy) must not stop the others; the job fails after the loop.
          deps.logger.warn('cart recovery failed for a store', { storeId: s.id, err });
          failed.push(s.id);
        }
      }
      if (sent) await afterMail();
      // A failed pass must show as a failed job (retried by the queue, visible on the jobs page), not a success;
      // the retry sends nothing twice because each reminder is claimed on its cart before it is mailed.
      if (failed.length) throw new Error(`cart recovery failed for ${failed.length} store(s): ${failed.join(', ')} (${sent} reminder(s) sent)`);
      return { sent, stores: active.length };
    },
    [purgeDeletedStoresJob.name]: async (job) => {
      decodeJob(purgeDeletedStoresJob, job);
      const { purged, skipped, rolesNotDropped, rolesOnUnconfiguredClusters } = await stores.retention.purgeDeleted(deps.retentionDays);
      if (purged.length) deps.logger.info('purged deleted stores', { count: purged.length });
      // A purged store's role that could not be dropped is on record and tried again by every run: logged (store id,
      // cluster, stable reason; not the error, which names other databases' objects) while it stands. The job does not
      // fail for it: the store is purged, and a role held by another database may stand until someone acts there.
      for (const r of rolesNotDropped) deps.logger.warn('store role not dropped', { storeId: r.storeId, cluster: r.cluster, reason: r.reason });
      // Those on a cluster this worker has no connection for are kept (the cluster may come back with them) and not
      // tried: one line per cluster, with their number and since when a purge first found it so (its age shows).
      for (const c of rolesOnUnconfiguredClusters)
        deps.logger.warn('store roles on record for a cluster not configured here', { cluster: c.cluster, records: c.records, since: c.since.toISOString() });
      // One store's failure (its cluster not configured in this worker, a cluster down) does not stop the others; each
      // is logged with its stable reason and tried again by the next run. The job then fails so that it shows.
      for (const s of skipped) {
        const fields = { storeId: s.storeId, reason: s.reason, ...(s.cluster ? { cluster: s.cluster } : {}) };
        if (s.reason === 'failed') deps.logger.error('deleted store not purged', { ...fields, err: s.error });
        else deps.logger.warn('deleted store not purged', fields);
      }
      if (skipped.length)
        throw new Error(
          `deleted stores not purged: ${skipped.length} store(s): ${skipped.map((s) => `${s.storeId} (${s.reason})`).join(', ')} (${purged.length} purged)`,
        );
      return {
        purged: purged.length,
        rolesNotDropped: rolesNotDropped.length,
        rolesOnUnconfiguredClusters: rolesOnUnconfiguredClusters.reduce((n, c) => n + c.records, 0),
      };
    },
    [suspendOverdueStoresJob.name]: async (job) => {
      decodeJob(suspendOverdueStoresJob, job);
      const suspended = await suspendOverdueStores(deps.db, new Date(), undefined, deps.consoleUrl);
      if (suspended.length) deps.logger.info('suspended stores past their billing grace period', { count: suspended.length });
      return { suspended: suspended.length };
    },
  };
}
