/**
 * Embedded Postgres for the zero-config start: PGlite (Postgres compiled to
 * WASM) served over the wire protocol by pglite-socket, so the same pg/kysely
 * code runs unchanged. pglite-socket multiplexes all connections onto one
 * database session, which is why nothing in Storeloom relies on session state
 * such as `SET search_path`.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  port: number;
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
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  let stopped = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
    port,
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
