/**
 * A Kysely dialect over the shared pg pool that runs every statement of one
 * store under that store's role: transactions begin with
 * `BEGIN; SET LOCAL ROLE <store role>`, and a statement issued outside a
 * transaction is wrapped in one (BEGIN+SET LOCAL ROLE, statement, COMMIT).
 * `SET LOCAL` dies with the transaction, so a pooled connection never carries
 * a role to its next user — and on the embedded PGlite server, which shares
 * one session between connections, a transaction holds the session
 * exclusively until it ends, so the role never leaks to another connection.
 *
 * A statement outside a transaction costs one round trip, not three: the
 * BEGIN + SET LOCAL ROLE, the statement and the COMMIT are written together
 * (pg's pipeline mode, switched on for that batch only) and answered in order.
 * Postgres runs them in sequence exactly as if they had been sent one by one,
 * so a failed SET LOCAL ROLE aborts the transaction and the statement behind it
 * is refused (25P02) rather than run under the login role.
 *
 * Such statements are also prepared (named after a hash of their text, at most
 * `preparedPerConnection` per connection, least recently used deallocated
 * first): parsing and planning a tenant read costs Postgres several times what
 * executing it does. Not on a server that shares one session between
 * connections (embedded PGlite), where names would collide across connections.
 */
import { createHash } from 'node:crypto';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { AppError, ErrorCode } from '@storeloom/errors';
import type pg from 'pg';
import { quoteIdent } from './ids.ts';

/** Postgres reports `SET ROLE` to a missing role as 22023 "role ... does not exist". */
export function isMissingRoleError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '22023' && /role .* does not exist/.test(err.message ?? '');
}

/** Where a store's statements go: the pool of the cluster holding it, and whether it is read-only (being moved). */
export interface TenantRoute {
  pool: pg.Pool;
  cluster: string;
  readOnly: boolean;
}

export interface RoleScopedOptions {
  /** Resolved at every connection checkout (placement is cached by the caller). */
  route: () => Promise<TenantRoute> | TenantRoute;
  /** The store role; undefined = schema qualification only (`TENANT_ISOLATION=schema`). */
  role?: string;
  /** Creates the role (on the route's cluster) when a transaction finds it missing; then retried once. */
  repairRole?: (cluster: string) => Promise<void>;
  /** How many prepared statements a connection keeps (0 = none; resolved once, e.g. after probing the server). */
  preparedPerConnection?: () => Promise<number>;
}

/** Prepared statement names by SQL text (the name is a hash of the text, so equal texts share a name everywhere). */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `sl_${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`;
    if (statementNames.size >= 10_000) statementNames.delete(statementNames.keys().next().value as string);
    statementNames.set(text, name);
  }
  return name;
}

/** Statements worth preparing: plain DML; DDL and utility statements are rare and cannot all be prepared. */
const PREPARABLE = /^\s*(select|with|insert|update|delete)\b/i;
/** 0A000 "cached plan must not change result type" (a migration changed a table) / 26000 (statement gone): re-prepare. */
const isStalePreparedStatement = (e: unknown) => {
  const code = (e as { code?: string })?.code;
  return code === '26000' || (code === '0A000' && /cached plan/.test((e as Error).message ?? ''));
};

/** The prepared statements of one pooled connection, least recently used first. */
const preparedOf = new WeakMap<pg.PoolClient, Map<string, true>>();

interface PipelineClient {
  pipeline: boolean;
  connection: { stream: { cork?(): void; uncork?(): void }; parsedStatements: Record<string, string> };
}

/** Sends the queries in one write and waits for all of them (pipeline mode only for this batch). */
async function pipelined(client: pg.PoolClient, queries: (string | pg.QueryConfig)[]): Promise<PromiseSettledResult<pg.QueryResult>[]> {
  const c = client as unknown as PipelineClient;
  c.pipeline = true;
  const stream = c.connection.stream;
  stream.cork?.();
  try {
    let pending: Promise<pg.QueryResult>[];
    try {
      pending = queries.map((q) => client.query(q));
    } finally {
      stream.uncork?.();
    }
    return await Promise.allSettled(pending);
  } finally {
    c.pipeline = false;
  }
}

/** Postgres refuses a write in a read-only transaction with 25006. */
const READ_ONLY_SQLSTATE = '25006';
export const storeReadOnlyError = (cause?: unknown) =>
  new AppError(ErrorCode.StoreReadOnly, 'This store is being moved and is read-only for a moment; please retry shortly', {
    headers: { 'Retry-After': '5' },
    cause,
  });

class RoleScopedConnection implements DatabaseConnection {
  inTransaction = false;
  discarded = false;
  constructor(
    readonly client: pg.PoolClient,
    private readonly opts: RoleScopedOptions,
    readonly route: TenantRoute,
    private readonly maxPrepared: number,
  ) {}

  /** Plain statements need a wrapping transaction only for a role or a read-only window. */
  get needsTransaction(): boolean {
    return this.opts.role !== undefined || this.route.readOnly;
  }

  private beginText(settings: TransactionSettings = {}): string {
    let begin = 'begin';
    if (settings.isolationLevel) begin += ` isolation level ${settings.isolationLevel}`;
    // A store being moved runs every transaction read-only: Postgres itself refuses writes (25006).
    if (this.route.readOnly) begin += ' read only';
    else if (settings.accessMode) begin += ` ${settings.accessMode}`;
    return this.opts.role === undefined ? begin : `${begin}; set local role ${quoteIdent(this.opts.role)}`;
  }

  async begin(settings: TransactionSettings = {}): Promise<void> {
    const text = this.beginText(settings);
    try {
      await this.client.query(text);
    } catch (e) {
      await this.client.query('rollback').catch(() => {
        this.discarded = true;
      });
      if (!isMissingRoleError(e) || !this.opts.repairRole) throw e;
      await this.opts.repairRole(this.route.cluster);
      await this.client.query(text);
    }
    this.inTransaction = true;
  }

  async end(command: 'commit' | 'rollback'): Promise<{ command: string | null }> {
    this.inTransaction = false;
    const res = await this.client.query(command);
    return { command: res.command };
  }

  private toResult<R>(res: pg.QueryResult): QueryResult<R> {
    const { command, rowCount, rows } = res;
    return {
      numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
      rows: (rows ?? []) as R[],
    };
  }

  private mapError(e: unknown): unknown {
    if (this.route.readOnly && (e as { code?: string })?.code === READ_ONLY_SQLSTATE) return storeReadOnlyError(e);
    return e;
  }

  private async run<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return this.toResult<R>(await this.client.query(q.sql, [...q.parameters]));
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /** The statement as a named (prepared) query when this connection prepares statements, and what to deallocate first. */
  private statementFor(q: CompiledQuery): { query: pg.QueryConfig; evict: string[] } {
    const values = [...q.parameters];
    if (this.maxPrepared <= 0 || !PREPARABLE.test(q.sql)) return { query: { text: q.sql, values }, evict: [] };
    let prepared = preparedOf.get(this.client);
    if (!prepared) {
      prepared = new Map();
      preparedOf.set(this.client, prepared);
    }
    const name = statementName(q.sql);
    const evict: string[] = [];
    if (prepared.has(name)) prepared.delete(name);
    else
      while (prepared.size >= this.maxPrepared) {
        const oldest = prepared.keys().next().value as string;
        prepared.delete(oldest);
        evict.push(oldest);
      }
    prepared.set(name, true);
    return { query: { name, text: q.sql, values }, evict };
  }

  /** Forgets a prepared statement on this connection (pg's record of it and the server's). */
  private unprepare(names: string[]): string[] {
    const parsed = (this.client as unknown as PipelineClient).connection.parsedStatements;
    for (const n of names) {
      delete parsed[n];
      preparedOf.get(this.client)?.delete(n);
    }
    return names.map((n) => `deallocate ${quoteIdent(n)}`);
  }

  /** One statement in its own transaction (role, read-only window), in one round trip. */
  private async runInOwnTransaction<R>(q: CompiledQuery, retry = true): Promise<QueryResult<R>> {
    const begin = this.beginText();
    const { query, evict } = this.statementFor(q);
    const results = await pipelined(this.client, [...this.unprepare(evict), begin, query, 'commit']);
    const [b, stmt, end] = results.slice(evict.length) as [
      PromiseSettledResult<pg.QueryResult>,
      PromiseSettledResult<pg.QueryResult>,
      PromiseSettledResult<pg.QueryResult>,
    ];
    if (end.status === 'rejected') {
      // The transaction's end is unknown: this connection must not be reused.
      this.discarded = true;
      throw end.reason;
    }
    if (b.status === 'rejected') {
      // The statement behind a failed BEGIN / SET LOCAL ROLE was refused (25P02); nothing ran.
      if (retry && isMissingRoleError(b.reason) && this.opts.repairRole) {
        await this.opts.repairRole(this.route.cluster);
        return this.runInOwnTransaction(q, false);
      }
      throw b.reason;
    }
    if (stmt.status === 'rejected') {
      if (retry && query.name && isStalePreparedStatement(stmt.reason)) {
        await this.client.query(this.unprepare([query.name])[0] as string).catch(() => {});
        return this.runInOwnTransaction(q, false);
      }
      throw this.mapError(stmt.reason);
    }
    if (end.value.command === 'ROLLBACK') throw new Error('transaction was rolled back');
    return this.toResult<R>(stmt.value);
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.discarded) throw new Error('Postgres connection has been discarded');
    if (this.inTransaction || !this.needsTransaction) return this.run<R>(q);
    return this.runInOwnTransaction<R>(q);
  }

  // biome-ignore lint/correctness/useYield: streaming is not configured on this pool (as with the plain dialect)
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on tenant handles');
  }
}

class RoleScopedDriver implements Driver {
  constructor(private readonly opts: RoleScopedOptions) {}
  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const route = await this.opts.route();
    const maxPrepared = (await this.opts.preparedPerConnection?.()) ?? 0;
    return new RoleScopedConnection(await route.pool.connect(), this.opts, route, maxPrepared);
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (conn as RoleScopedConnection).begin(settings);
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    const { command } = await (conn as RoleScopedConnection).end('commit');
    // Postgres completes COMMIT with a ROLLBACK tag when an earlier error aborted the transaction.
    if (command === 'ROLLBACK') throw new Error('transaction was aborted by an earlier error and rolled back');
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as RoleScopedConnection;
    try {
      await c.end('rollback');
    } catch (e) {
      c.discarded = true;
      throw e;
    }
  }

  async savepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }
  async rollbackToSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }
  async releaseSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const c = conn as RoleScopedConnection;
    // A connection released mid-transaction (or whose rollback failed) must not return to the pool with a role set.
    c.client.release(c.discarded || c.inTransaction);
  }

  /** The pool belongs to the Database; destroying one tenant handle must not end it. */
  async destroy(): Promise<void> {}
}

export class RoleScopedDialect implements Dialect {
  constructor(private readonly opts: RoleScopedOptions) {}
  createDriver(): Driver {
    return new RoleScopedDriver(this.opts);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
