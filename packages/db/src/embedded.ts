/**
 * Embedded Postgres for the zero-config start: PGlite (Postgres compiled to
 * WASM) served over the wire protocol by pglite-socket, so the same pg/kysely
 * code runs unchanged. pglite-socket multiplexes all connections onto one
 * database session, which is why nothing in Storeloom relies on session state
 * such as `SET search_path`, and why LISTEN/NOTIFY needs the relay below.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** Statements run since the start (simple queries and Executes, every connection's): for benchmarks; null without the relay. */
  statements(): number | null;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory for the database files; undefined = in memory (tests). */
  dataDir?: string;
  port?: number;
  host?: string;
  /** Must exceed the sum of every process's pool size (plus queue listeners). */
  maxConnections?: number;
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const host = opts.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db: extendedQueryAware(db), host, port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 200 });
  const relay = relayNotifications(server);
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  let stopped = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
    port,
    statements: () => relay?.statements ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}

// Extended-protocol message types (Parse, Bind, Describe, Execute, Close, Flush) and Sync.
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);
const SYNC = 0x53;

/**
 * pglite-socket queues protocol messages from all connections one message at
 * a time, and keeps one connection's messages together only inside a
 * transaction. An extended query (Parse, Bind, Execute … Sync) from one
 * connection can then be interleaved with another's, and the second Parse
 * replaces the first's unnamed statement ("bind message supplies 9 parameters,
 * but prepared statement requires 3"). Reporting "in transaction" from the
 * first extended message until its Sync makes the queue keep each extended
 * query of a connection in one piece, exactly as it does for transactions.
 */
function extendedQueryAware(db: PGlite): PGlite {
  let midExtendedQuery = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'isInTransaction') return () => midExtendedQuery || target.isInTransaction();
      if (prop === 'execProtocolRawStream')
        return async (message: Uint8Array, opts: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const type = message[0] ?? 0;
          if (type === SYNC) {
            try {
              return await target.execProtocolRawStream(message, opts);
            } finally {
              midExtendedQuery = false;
            }
          }
          if (EXTENDED.has(type)) midExtendedQuery = true;
          return target.execProtocolRawStream(message, opts);
        };
      // The queue rolls back with exec() when a connection drops mid-transaction or mid-query.
      if (prop === 'exec')
        return (...args: Parameters<PGlite['exec']>) => {
          midExtendedQuery = false;
          return target.exec(...args);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The part of pglite-socket's (private) query queue the relay wraps: every protocol message of every connection passes here. */
interface SocketQueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
}

/**
 * LISTEN/NOTIFY across the server's connections (issue 23, round 13).
 *
 * All connections share PGlite's one session, so a LISTEN by any of them makes the session listen, and Postgres writes
 * each NotificationResponse into the output of whatever message the session was running when the notifying
 * transaction committed: to the connection that committed, not to the one that listened. Without this, every
 * cross-process cache in embedded mode (catalogue versions, principals, storefront pages) fails its self-test and
 * falls back to a statement per request.
 *
 * So every message goes through a wrapper of the socket server's query queue that (1) notes which connection ran
 * `LISTEN <channel>` / `UNLISTEN` successfully, with a way to write to it (its latest response writer), (2) takes the
 * NotificationResponse messages out of every response, and (3) once that message's response is written, sends each
 * of them to every connection listening on its channel: what a Postgres server does for separate sessions. Writes to a
 * listener happen only between two messages' responses (one message runs at a time), so they never split a message.
 * The session itself keeps listening after a listener leaves (PGlite cannot UNLISTEN outside the transaction another
 * connection may have open); notifications nobody listens to are dropped.
 *
 * If pglite-socket's queue ever changes shape the relay is not installed: listeners then fail their self-test and
 * stay on statements, which is correct, only slower.
 */
function relayNotifications(server: PGLiteSocketServer): { readonly statements: number } | null {
  const queue = (server as unknown as { queryQueue?: Partial<SocketQueryQueue> }).queryQueue;
  if (!queue || typeof queue.enqueue !== 'function' || typeof queue.clearQueueForHandler !== 'function') return null;
  const counts = { statements: 0 };
  const enqueue = queue.enqueue.bind(queue);
  const clear = queue.clearQueueForHandler.bind(queue);
  const listeners = new Map<number, { channels: Set<string>; write: (data: Uint8Array) => void }>();
  // Until the first LISTEN the session cannot produce a notification: responses pass untouched.
  let sessionListens = false;

  const deliver = (notifications: Uint8Array[]) => {
    for (const n of notifications) {
      const channel = notificationChannel(n);
      for (const l of listeners.values()) if (l.channels.has(channel)) l.write(n);
    }
  };

  queue.enqueue = (handlerId, message, onData) => {
    if (message[0] === QUERY || message[0] === EXECUTE) counts.statements++;
    const own = listeners.get(handlerId);
    if (own) own.write = onData;
    const command = listenCommand(message);
    if (command?.listen) sessionListens = true;
    if (!sessionListens) return enqueue(handlerId, message, onData);
    const splitter = new NotificationSplitter();
    const done = () => {
      if (command && !splitter.sawError) {
        const l = listeners.get(handlerId) ?? { channels: new Set<string>(), write: onData };
        if (command.listen) l.channels.add(command.channel);
        else if (command.channel === '*') l.channels.clear();
        else l.channels.delete(command.channel);
        if (l.channels.size > 0) listeners.set(handlerId, l);
        else listeners.delete(handlerId);
      }
      if (splitter.notifications.length > 0) deliver(splitter.notifications);
    };
    return enqueue(handlerId, message, (data) => {
      const kept = splitter.split(data);
      if (kept.length > 0) onData(kept);
    }).finally(done);
  };
  queue.clearQueueForHandler = (handlerId) => {
    listeners.delete(handlerId);
    clear(handlerId);
  };
  return counts;
}

const QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const EXECUTE = 0x45; // 'E' (from the client; from the server the same letter is an ErrorResponse)
const NOTIFICATION = 0x41; // 'A'
const ERROR = 0x45; // 'E'
const textDecoder = new TextDecoder();

/** `LISTEN x` / `UNLISTEN x|*` as a whole simple query or parsed statement, with the channel as Postgres names it. */
export function listenCommand(message: Uint8Array): { listen: boolean; channel: string } | null {
  const type = message[0];
  if (type !== QUERY && type !== PARSE) return null;
  // The statement text (after a Parse's statement name), tested on its first letter before anything is decoded:
  // every query of every connection passes here.
  let start = 5;
  if (type === PARSE) {
    const nameEnd = message.indexOf(0, 5);
    if (nameEnd < 0) return null;
    start = nameEnd + 1;
  }
  const blank = (b: number | undefined) => b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d);
  while (blank(message[start])) start++;
  const first = (message[start] ?? 0) | 0x20;
  if (first !== 0x6c && first !== 0x75) return null; // l, u
  const end = message.indexOf(0, start);
  const text = textDecoder.decode(message.subarray(start, end < 0 ? message.length : end));
  const m = /^\s*(listen|unlisten)\s+(\*|"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)\s*;?\s*$/i.exec(text);
  if (!m) return null;
  const listen = (m[1] as string).toLowerCase() === 'listen';
  const raw = m[2] as string;
  if (raw === '*') return listen ? null : { listen, channel: '*' };
  const channel = raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
  return { listen, channel };
}

/** The channel of a NotificationResponse ('A', length, sender pid, channel NUL, payload NUL). */
function notificationChannel(message: Uint8Array): string {
  const end = message.indexOf(0, 9);
  return textDecoder.decode(message.subarray(9, end < 0 ? message.length : end));
}

/**
 * Takes NotificationResponse messages out of one message's response, which PGlite may hand over in several chunks
 * split anywhere (its send buffer is flushed when full). A message header cut by a chunk's end is held back and sent
 * with the next chunk; a response always ends on a whole message.
 */
export class NotificationSplitter {
  readonly notifications: Uint8Array[] = [];
  sawError = false;
  private held: Uint8Array | null = null;
  /** Bytes of the current message still to come in later chunks. */
  private remaining = 0;
  /** The notification being collected across chunks, and how much of it has arrived. */
  private capturing: Uint8Array | null = null;
  private captured = 0;

  split(chunk: Uint8Array): Uint8Array {
    const data = this.held ? concat(this.held, chunk) : chunk;
    this.held = null;
    const kept: Uint8Array[] = [];
    let keptFrom = 0;
    let dropped = false;
    const drop = (from: number, to: number) => {
      if (from > keptFrom) kept.push(data.subarray(keptFrom, from));
      keptFrom = to;
      dropped = true;
    };
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length - i);
        if (this.capturing) {
          this.capturing.set(data.subarray(i, i + n), this.captured);
          this.captured += n;
          drop(i, i + n);
        }
        i += n;
        this.remaining -= n;
        if (this.remaining === 0 && this.capturing) {
          this.notifications.push(this.capturing);
          this.capturing = null;
        }
        continue;
      }
      if (data.length - i < 5) {
        // A header cut in two: held back until the next chunk.
        this.held = data.slice(i);
        drop(i, data.length);
        break;
      }
      const type = data[i] as number;
      const length = 1 + (((data[i + 1] as number) << 24) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 8) | (data[i + 4] as number));
      if (type === ERROR) this.sawError = true;
      if (type === NOTIFICATION) {
        this.capturing = new Uint8Array(length);
        this.captured = 0;
      }
      this.remaining = length;
    }
    if (!dropped) return data;
    if (keptFrom < data.length) kept.push(data.subarray(keptFrom));
    return kept.length === 1 ? (kept[0] as Uint8Array) : concat(...kept);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
