/**
 * A LISTEN on a dedicated connection of the primary cluster that is trusted only once proven: a self-test
 * notification sent through the pool (another session, as a trigger's would be) must come back on it. A server that
 * never delivers (a pooler, or an embedded server without the relay in embedded.ts) leaves it untrusted for good; a lost
 * connection makes it untrusted until it is back (reconnects after `reconnectMs`). Whoever caches on the strength of
 * the notifications drops what it learned at every change of trust (`onTrust`).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from './client.ts';

export interface NotificationListenerOptions {
  probeTimeoutMs?: number;
  reconnectMs?: number;
  /** Every notification but the self-test's: `payload` as sent. */
  onMessage(payload: string): void;
  /** The listener started (true) or stopped (false) being trusted. */
  onTrust?(trusted: boolean): void;
}

export class NotificationListener {
  private client: pg.Client | null = null;
  private db: Database | null = null;
  private closed = false;
  private reconnect: NodeJS.Timeout | null = null;
  private trustedNow = false;
  private readonly probeTimeoutMs: number;
  private readonly reconnectMs: number;

  constructor(
    readonly channel: string,
    private readonly opts: NotificationListenerOptions,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 5_000;
    this.reconnectMs = opts.reconnectMs ?? 1_000;
  }

  get trusted(): boolean {
    return this.trustedNow;
  }

  /** Resolves true once the self-test came back, false when it did not (and stays off for good) or with more than one cluster. */
  async listen(db: Database): Promise<boolean> {
    if (db.clusterIds.length > 1) return false;
    this.db = db;
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.setTrusted(false);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  private setTrusted(on: boolean) {
    if (this.trustedNow === on) return;
    this.trustedNow = on;
    this.opts.onTrust?.(on);
  }

  private async connect(): Promise<boolean> {
    const db = this.db;
    if (!db || this.closed) return false;
    const options = db.pool.options as pg.ClientConfig;
    const client = new pg.Client({ ...options, application_name: `${options.application_name ?? 'storeloom'}:${this.channel}` });
    this.client = client;
    const probePayload = `probe ${randomBytes(8).toString('hex')}`;
    let probed!: () => void;
    const probe = new Promise<boolean>((resolve) => {
      probed = () => resolve(true);
      setTimeout(() => resolve(false), this.probeTimeoutMs).unref();
    });
    client.on('notification', (m) => {
      if (m.channel !== this.channel || !m.payload) return;
      if (m.payload === probePayload) probed();
      else if (!m.payload.startsWith('probe ')) this.opts.onMessage(m.payload);
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.setTrusted(false);
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
      await client.query(`listen ${this.channel}`);
      await sql`select pg_notify(${this.channel}, ${probePayload})`.execute(db.kysely);
    } catch {
      lost();
      return false;
    }
    if (!(await probe)) {
      this.closed = true;
      this.client = null;
      await client.end().catch(() => {});
      return false;
    }
    if (this.client !== client || this.closed) return false;
    this.setTrusted(true);
    return true;
  }
}
