/**
 * Shoppers' data rights: export (GDPR art. 15, CCPA right to know) and erasure
 * (art. 17, right to delete) of everything one store holds on an e-mail
 * address. Requests are rows of the store's `privacy_requests`; the work runs
 * in a job (`privacy.process-request`) whose payload carries ids only, never
 * the address. See docs/design/privacy.md for the map of every copy.
 */
import { randomBytes } from 'node:crypto';
import { type Database, type Kysely, newId, type PrivacyRequestKind, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { privacyExportKey, type Storage, storeStorage } from '@storeloom/storage';
import { emailHash, normaliseEmail, parseEmail } from './email.ts';
import { collectExport, type PrivacyExport, type StoreRef } from './export.ts';
import { eraseInStore, scrubPlatform } from './erase.ts';
import { loadPrivacySettings } from './settings.ts';

/** GDPR art. 12(3): one month from receipt. */
export const STATUTORY_DAYS = 30;
/** ... extendable once by two further months for a complex or numerous request, with the reason told to the shopper. */
export const EXTENSION_DAYS = 60;
/** Export archives expire after this many days unless the store's retention says otherwise. */
export const DEFAULT_EXPORT_TTL_DAYS = 7;

/** What the payment provider did for an erasure, and what is left for the merchant to ask of it. */
export interface PaymentErasureResult {
  provider: string;
  customersDeleted: number;
  /** What the provider keeps and how to ask for it (shown to the merchant). */
  remaining: string | null;
}
export interface PaymentErasure {
  eraseCustomer(storeId: string, email: string): Promise<PaymentErasureResult | null>;
}

export interface PrivacyDeps {
  db: Database;
  storage?: Storage | null;
  /** Removes queued and finished jobs whose payload, result or error mentions a needle; returns how many. */
  scrubJobs?: (needles: string[]) => Promise<number>;
  payments?: PaymentErasure | null;
  exportTtlDays?: number;
}

export type PrivacySource = 'merchant' | 'shopper' | 'guest';

export interface PrivacyRequestView {
  id: string;
  kind: PrivacyRequestKind;
  status: 'pending' | 'running' | 'completed' | 'failed';
  downloadUrl?: string;
}

export interface PrivacyRequestDetail extends PrivacyRequestView {
  source: PrivacySource;
  /** null once erased. */
  email: string | null;
  createdAt: string;
  dueAt: string;
  approvedAt: string | null;
  /** Waiting for the merchant (requests from the storefront are checked before they run). */
  awaitingApproval: boolean;
  completedAt: string | null;
  error: string | null;
  archiveExpiresAt: string | null;
  summary: Record<string, unknown>;
  /** Set when the deadline was extended by two months (once). */
  extendedAt: string | null;
  extensionReason: string | null;
}

type Row = Awaited<ReturnType<PrivacyService['row']>>;

export class PrivacyService {
  constructor(private readonly deps: PrivacyDeps) {}

  private t(store: StoreRef): Kysely<TenantDatabase> {
    return this.deps.db.tenant(store.schema_name);
  }

  /** The request as the contract shows it; `downloadPath` builds the export's URL. */
  view(r: NonNullable<Row>, downloadPath: (id: string) => string): PrivacyRequestDetail {
    const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
    const archiveLive =
      r.kind === 'export' && r.status === 'completed' && r.archive_key && (!r.archive_expires_at || new Date(r.archive_expires_at) > new Date());
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      ...(archiveLive ? { downloadUrl: downloadPath(r.id) } : {}),
      source: r.source,
      email: r.email,
      createdAt: iso(r.created_at) as string,
      dueAt: iso(r.due_at) as string,
      approvedAt: iso(r.approved_at),
      awaitingApproval: r.status === 'pending' && !r.approved_at,
      completedAt: iso(r.completed_at),
      error: r.error,
      archiveExpiresAt: archiveLive ? iso(r.archive_expires_at) : null,
      summary: r.summary,
      extendedAt: iso(r.extended_at),
      extensionReason: r.extension_reason,
    };
  }

  async row(store: StoreRef, id: string) {
    return this.t(store).selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getOrThrow(store: StoreRef, id: string) {
    const r = await this.row(store, id);
    if (!r) throw new AppError(ErrorCode.NotFound, 'Privacy request not found');
    return r;
  }

  /**
   * A new request (or the open one of the same kind for the same address: asking twice does not double the work).
   * Merchant requests are approved at once; the caller enqueues the job when `approved` is true.
   */
  async create(store: StoreRef, input: { kind: PrivacyRequestKind; email: string; source: PrivacySource; requestedBy?: string | null }) {
    const email = parseEmail(input.email);
    const hash = emailHash(email);
    const t = this.t(store);
    const open = await t
      .selectFrom('privacy_requests')
      .selectAll()
      .where('email_hash', '=', hash)
      .where('kind', '=', input.kind)
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirst();
    if (open) return { row: open, created: false };
    const now = new Date();
    const approved = input.source === 'merchant';
    const row = await t
      .insertInto('privacy_requests')
      .values({
        id: newId(),
        kind: input.kind,
        source: input.source,
        email,
        email_hash: hash,
        requested_by: input.requestedBy ?? null,
        approved_by: approved ? (input.requestedBy ?? null) : null,
        approved_at: approved ? now : null,
        // Receipt and deadline from one clock: the deadline is exactly one statutory month after receipt.
        created_at: now,
        due_at: new Date(now.getTime() + STATUTORY_DAYS * 86_400_000),
        summary: '{}',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, created: true };
  }

  async list(store: StoreRef, opts: { status?: string; limit?: number } = {}) {
    let q = this.t(store)
      .selectFrom('privacy_requests')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(opts.limit ?? 100);
    if (opts.status) q = q.where('status', '=', opts.status as never);
    return q.execute();
  }

  /** Requests of one shopper (their account page). */
  async listFor(store: StoreRef, email: string) {
    return this.t(store)
      .selectFrom('privacy_requests')
      .selectAll()
      .where('email_hash', '=', emailHash(email))
      .orderBy('created_at', 'desc')
      .limit(20)
      .execute();
  }

  /** The merchant approves a waiting request; the caller enqueues the job. Approving twice is harmless. */
  async approve(store: StoreRef, id: string, userId: string) {
    const r = await this.getOrThrow(store, id);
    if (r.status !== 'pending') throw new AppError(ErrorCode.Conflict, `This request is ${r.status}`);
    if (r.approved_at) return r;
    return this.t(store)
      .updateTable('privacy_requests')
      .set({ approved_by: userId, approved_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Extends the deadline once by two months (art. 12(3): complex or numerous requests), with the reason the
   * shopper is to be told. Only an open request, only before its first deadline has passed; a second call is a 409.
   * One conditional update, so two merchants clicking at once extend it once.
   */
  async extend(store: StoreRef, id: string, userId: string, reason: string, now = new Date()) {
    const r = await this.getOrThrow(store, id);
    if (r.status === 'completed') throw new AppError(ErrorCode.Conflict, 'This request is completed');
    if (r.extended_at) throw new AppError(ErrorCode.Conflict, 'The deadline of this request was already extended');
    if (new Date(r.due_at) <= now) throw new AppError(ErrorCode.Conflict, 'The deadline has passed: it can no longer be extended');
    const row = await this.t(store)
      .updateTable('privacy_requests')
      .set({
        due_at: new Date(new Date(r.due_at).getTime() + EXTENSION_DAYS * 86_400_000),
        extended_at: now,
        extended_by: userId,
        extension_reason: reason,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('extended_at', 'is', null)
      .where('status', '<>', 'completed')
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError(ErrorCode.Conflict, 'The deadline of this request was already extended');
    return row;
  }

  /** A failed request may be tried again. */
  async retry(store: StoreRef, id: string) {
    const r = await this.getOrThrow(store, id);
    if (r.status !== 'failed') throw new AppError(ErrorCode.Conflict, `This request is ${r.status}`);
    return this.t(store)
      .updateTable('privacy_requests')
      .set({ status: 'pending', error: null, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The export document of a completed export request (null when expired or erased since). */
  async download(store: StoreRef, id: string): Promise<Uint8Array | null> {
    const r = await this.getOrThrow(store, id);
    if (r.kind !== 'export' || r.status !== 'completed' || !r.archive_key) return null;
    if (r.archive_expires_at && new Date(r.archive_expires_at) <= new Date()) return null;
    if (!this.deps.storage) return null;
    const o = await storeStorage(this.deps.storage, store.id).get(r.archive_key);
    return o?.body ?? null;
  }

  /** Builds the export document without storing it (the job stores it; tests read it). */
  collect(store: StoreRef, email: string): Promise<PrivacyExport> {
    return collectExport(this.deps.db, store, normaliseEmail(email));
  }

  /** Runs an approved request (the job's body); idempotent, so a retried job finishes the work. */
  async process(store: StoreRef, id: string): Promise<Record<string, unknown>> {
    const t = this.t(store);
    const r = await this.getOrThrow(store, id);
    if (r.status === 'completed') return r.summary;
    if (!r.approved_at) return { skipped: 'awaiting_approval' };
    if (!r.email) throw new AppError(ErrorCode.Conflict, 'The address of this request has been erased');
    await t.updateTable('privacy_requests').set({ status: 'running', started_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
    try {
      const summary = r.kind === 'export' ? await this.runExport(store, r.id, r.email) : await this.runErasure(store, r.id, r.email);
      return summary;
    } catch (e) {
      await t
        .updateTable('privacy_requests')
        .set({ status: 'failed', error: e instanceof Error ? e.message.slice(0, 500) : 'failed', updated_at: new Date() })
        .where('id', '=', id)
        .execute();
      throw e;
    }
  }

  private async runExport(store: StoreRef, id: string, email: string) {
    if (!this.deps.storage) throw new Error('exports need media storage');
    const doc = await collectExport(this.deps.db, store, email, storeStorage(this.deps.storage, store.id));
    const key = privacyExportKey(store.id, id);
    await storeStorage(this.deps.storage, store.id).put(key, new TextEncoder().encode(JSON.stringify(doc, null, 2)), 'application/json');
    const summary = exportCounts(doc);
    // The store's retention setting for shoppers' export archives (default DEFAULT_EXPORT_TTL_DAYS).
    const ttlDays = this.deps.exportTtlDays ?? (await loadPrivacySettings(this.t(store))).retention.privacyExportsDays;
    await this.t(store)
      .updateTable('privacy_requests')
      .set({
        status: 'completed',
        completed_at: new Date(),
        archive_key: key,
        archive_expires_at: new Date(Date.now() + ttlDays * 86_400_000),
        summary: JSON.stringify(summary),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    return summary;
  }

  private async runErasure(store: StoreRef, id: string, email: string) {
    const token = `erased-${randomBytes(8).toString('hex')}`;
    const inStore = await eraseInStore(this.deps.db, store, email, token, id);
    const storage = this.deps.storage ? storeStorage(this.deps.storage, store.id) : null;
    let files = 0;
    for (const key of inStore.archiveKeys) {
      await storage?.delete(key);
      files++;
    }
    const platform = await scrubPlatform(this.deps.db, store, [email, ...inStore.names], token, storage, inStore.orderIds);
    files += platform.storeArchivesDeleted;
    const jobs = this.deps.scrubJobs ? await this.deps.scrubJobs([email]) : 0;
    const payment = this.deps.payments ? await this.deps.payments.eraseCustomer(store.id, email) : null;
    const summary = { ...inStore.counts, ...platform.counts, filesDeleted: files, jobsRemoved: jobs, payment, token };
    // Last: the request forgets the address (a retry before this point can still find it).
    await this.t(store)
      .updateTable('privacy_requests')
      .set({ status: 'completed', completed_at: new Date(), email: null, summary: JSON.stringify(summary), updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    return summary;
  }

  /** Deletes export archives past their expiry; returns how many (the nightly retention job). */
  async expireArchives(store: StoreRef, now = new Date()): Promise<number> {
    const t = this.t(store);
    const rows = await t
      .selectFrom('privacy_requests')
      .select(['id', 'archive_key'])
      .where('archive_key', 'is not', null)
      .where('archive_expires_at', '<=', now)
      .execute();
    const storage = this.deps.storage ? storeStorage(this.deps.storage, store.id) : null;
    for (const r of rows) {
      if (r.archive_key) await storage?.delete(r.archive_key);
      await t.updateTable('privacy_requests').set({ archive_key: null, updated_at: new Date() }).where('id', '=', r.id).execute();
    }
    return rows.length;
  }
}

function exportCounts(doc: PrivacyExport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(doc)) if (Array.isArray(v)) out[k] = v.length;
  out.customer = doc.customer ? 1 : 0;
  return out;
}
