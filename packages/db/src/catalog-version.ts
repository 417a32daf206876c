/**
 * A store's catalogue version (issue 23): the `catalog_version` row of its schema, bumped by triggers in the same
 * transaction as every write to a catalogue table (migrations/tenant/20261206180800_catalog_version.ts). Read it
 * BEFORE reading what a cache will keep under it: a write that commits during the read then can only make the kept
 * copy newer than its version says, never older.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from './client.ts';
import { precompiled } from './precompiled.ts';
import type { TenantDatabase } from './types.ts';

const readVersion = precompiled((t: Kysely<TenantDatabase>) => t.selectFrom('catalog_version').select(sql<string>`version::text`.as('version')));

/** The store's current catalogue version (one statement under the store's role; '0' if the row is missing). */
export async function catalogVersion(tenant: Kysely<TenantDatabase>): Promise<string> {
  const [row] = await readVersion(tenant);
  return row?.version ?? '0';
}

/** The channel the catalogue triggers notify at commit: payload `<schema> <version>`. */
export const CATALOG_CHANNEL = 'storeloom_catalog';

export interface CatalogVersionsOptions {
  /** How long a version learned from the database or a notification is trusted without asking again (default 5 s). */
  maxAgeMs?: number;
  /** How long the start-up self-test waits for its own notification to come back (default 5 s). */
  probeTimeoutMs?: number;
  /** Wait before reconnecting a lost listener (default 1 s). */
  reconnectMs?: number;
}

export interface CatalogVersionsStats {
  listening: boolean;
  /** Versions answered from memory (no statement). */
  fromMemory: number;
  /** Versions read from the database. */
  fromDatabase: number;
  notifications: number;
}

/**
 * Where the response caches get a store's catalogue version.
 *
 * Without a listener every call is one statement: the database is the authority, so a copy is never served after the
 * write that outdates it has committed. With `listen(db)` the process LISTENs to the triggers' notifications (sent at
 * commit) and answers from memory a version it learned from the database or a notification less than `maxAgeMs` ago:
 * no statement on the hot path. Then a write made by another process is seen as soon as its notification arrives
 * (normally well under a millisecond after its commit), a write made through this process at once (`forget`, called
 * after every write request, drops what was known), and nothing is trusted while the listener is down: it is only
 * used after a self-test notification sent through the pool came back on it (a server that does not deliver them,
 * e.g. a pooler in transaction mode, stays on statements; the embedded server relays them, see embedded.ts), and a lost connection drops every learned
 * version until it is back. Stores on further clusters (DATABASE_CLUSTERS) are not listened to: one listener on the
 * primary cluster, so with more clusters every call is a statement.
 */
export class CatalogVersions {
  private readonly known = new Map<string, { version: bigint; text: string; at: number }>();
  private readonly epochs = new Map<string, number>();
  private readonly inflight = new Map<string, { generation: number; epoch: number; promise: Promise<string> }>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly stateWaiters: (() => void)[] = [];
  private generation = 0;
  private listening = false;
  private client: pg.Client | null = null;
  private db: Database | null = null;
  private closed = false;
  private reconnect: NodeJS.Timeout | null = null;
  private readonly maxAgeMs: number;
  private readonly probeTimeoutMs: number;
  private readonly reconnectMs: number;
  private counts = { fromMemory: 0, fromDatabase: 0, notifications: 0 };

  constructor(opts: CatalogVersionsOptions = {}) {
    this.maxAgeMs = opts.maxAgeMs ?? 5_000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 5_000;
    this.reconnectMs = opts.reconnectMs ?? 1_000;
  }

  /**
   * `schema` names the store; `tenant` is its handle (the statement runs under the store's role). Answered without a
   * promise when known from memory (every cached catalogue read asks: issue 23), so the caller need not await then.
   */
  current(schema: string, tenant: Kysely<TenantDatabase>): string | Promise<string> {
    if (this.listening) {
      const k = this.known.get(schema);
      if (k && Date.now() - k.at < this.maxAgeMs) {
        this.counts.fromMemory++;
        return k.text;
      }
    }
    const generation = this.generation;
    const epoch = this.epochs.get(schema) ?? 0;
    if (!this.listening) return this.read(schema, tenant, generation, epoch);
    // Listening: concurrent misses share one read (issue 23: when a version aged out, each of the ~20 requests in
    // flight read it), unless this process wrote to the store or the listener's state changed since it began. Without
    // a listener every call still reads the version itself: the database is then the only authority.
    const f = this.inflight.get(schema);
    if (f && f.generation === generation && f.epoch === epoch) return f.promise;
    const entry = { generation, epoch, promise: this.read(schema, tenant, generation, epoch) };
    this.inflight.set(schema, entry);
    const done = () => {
      if (this.inflight.get(schema) === entry) this.inflight.delete(schema);
    };
    entry.promise.then(done, done);
    return entry.promise;
  }

  private async read(schema: string, tenant: Kysely<TenantDatabase>, generation: number, epoch: number): Promise<string> {
    const v = await catalogVersion(tenant);
    this.counts.fromDatabase++;
    // Learned only if nothing happened meanwhile that this read may predate: a write of this process (epoch) or a
    // lost listener (generation). A notification meanwhile is fine: versions only grow and the larger one is kept.
    if (this.listening && generation === this.generation && epoch === (this.epochs.get(schema) ?? 0)) this.learn(schema, v);
    return v;
  }

  /** This process wrote to the store: never trust a version learned before now. */
  forget(schema: string): void {
    this.epochs.set(schema, (this.epochs.get(schema) ?? 0) + 1);
    this.known.delete(schema);
  }

  stats(): CatalogVersionsStats {
    return { listening: this.listening, ...this.counts };
  }

  /** Resolves at the next notification about `schema` (tests: wait for another process's write to be pushed). */
  nextNotification(schema: string): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiters.get(schema) ?? [];
      list.push(resolve);
      this.waiters.set(schema, list);
    });
  }

  /** Resolves when the listener next starts or stops being trusted. */
  nextStateChange(): Promise<void> {
    return new Promise((resolve) => this.stateWaiters.push(resolve));
  }

  /**
   * Listens on the primary cluster (a dedicated connection, not one of the pool's). Resolves true once the
   * self-test notification came back, false when it did not (statements then, and no further attempts).
   */
  async listen(db: Database): Promise<boolean> {
    if (db.clusterIds.length > 1) return false;
    this.db = db;
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.setListening(false);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  private async connect(): Promise<boolean> {
    const db = this.db;
    if (!db || this.closed) return false;
    const options = db.pool.options as pg.ClientConfig;
    const client = new pg.Client({ ...options, application_name: `${options.application_name ?? 'storeloom'}:catalog-listen` });
    this.client = client;
    const nonce = randomBytes(8).toString('hex');
    let probed!: () => void;
    const probe = new Promise<boolean>((resolve) => {
      probed = () => resolve(true);
      setTimeout(() => resolve(false), this.probeTimeoutMs).unref();
    });
    client.on('notification', (m) => {
      if (m.channel !== CATALOG_CHANNEL || !m.payload) return;
      const [schema, version] = m.payload.split(' ');
      if (schema === 'probe') {
        if (version === nonce) probed();
        return;
      }
      if (!schema || !version || !/^\d+$/.test(version)) return;
      this.counts.notifications++;
      if (this.listening) this.learn(schema, version);
      const list = this.waiters.get(schema);
      if (list) {
        this.waiters.delete(schema);
        for (const w of list) w();
      }
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.setListening(false);
      client.end().catch(() => {});
      if (!this.closed) {
        this.reconnect = setTimeout(() => {
          this.reconnect = null;
          void this.connect();
        }, this.reconnectMs);
        this.reconnect.unref();
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`listen ${CATALOG_CHANNEL}`);
      // Through the pool, as a trigger's notification would come from another session.
      await sql`select pg_notify(${CATALOG_CHANNEL}, ${`probe ${nonce}`})`.execute(db.kysely);
    } catch {
      lost();
      return false;
    }
    if (!(await probe)) {
      // This server does not deliver notifications between sessions: stay on statements for good.
      this.closed = true;
      this.client = null;
      await client.end().catch(() => {});
      return false;
    }
    if (this.client !== client || this.closed) return false;
    this.setListening(true);
    return true;
  }

  private setListening(on: boolean) {
    // Whatever was learned under the previous state is dropped, and reads in flight across the change do not learn.
    this.generation++;
    this.known.clear();
    if (this.listening === on) return;
    this.listening = on;
    const list = this.stateWaiters.splice(0);
    for (const w of list) w();
  }

  private learn(schema: string, text: string) {
    const version = BigInt(text);
    const k = this.known.get(schema);
    if (k && k.version > version) return;
    this.known.set(schema, { version, text, at: Date.now() });
  }
}
