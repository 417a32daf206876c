/**
 * A Kysely dialect over the shared pg pool that runs every statement of one
 * store under that store's role: transactions begin with
 * `BEGIN; SET LOCAL ROLE <store role>`, and a statement issued outside a
 * transaction is wrapped in one (BEGIN+SET LOCAL ROLE, statement, COMMIT).
 * `SET LOCAL` dies with the transaction, so a pooled connection never carries
 * a role to its next user — and on the embedded PGlite server, which shares
 * one session between connections, a transaction holds the session
 * exclusively until it ends, so the role never leaks to another connection.
 */
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

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

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
  ) {}

  /** Plain statements need a wrapping transaction only for a role or a read-only window. */
  get needsTransaction(): boolean {
    return this.opts.role !== undefined || this.route.readOnly;
  }

  async begin(settings: TransactionSettings = {}): Promise<void> {
    let begin = 'begin';
    if (settings.isolationLevel) begin += ` isolation level ${settings.isolationLevel}`;
    // A store being moved runs every transaction read-only: Postgres itself refuses writes (25006).
    if (this.route.readOnly) begin += ' read only';
    else if (settings.accessMode) begin += ` ${settings.accessMode}`;
    const text = this.opts.role === undefined ? begin : `${begin}; set local role ${ident(this.opts.role)}`;
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

  private async run<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    let res: pg.QueryResult;
    try {
      res = await this.client.query(q.sql, [...q.parameters]);
    } catch (e) {
      if (this.route.readOnly && (e as { code?: string })?.code === READ_ONLY_SQLSTATE) throw storeReadOnlyError(e);
      throw e;
    }
    const { command, rowCount, rows } = res;
    return {
      numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
      rows: (rows ?? []) as R[],
    };
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.discarded) throw new Error('Postgres connection has been discarded');
    if (this.inTransaction || !this.needsTransaction) return this.run<R>(q);
    await this.begin();
    let result: QueryResult<R>;
    try {
      result = await this.run<R>(q);
    } catch (e) {
      await this.end('rollback').catch(() => {
        this.discarded = true;
      });
      throw e;
    }
    const { command } = await this.end('commit');
    if (command === 'ROLLBACK') throw new Error('transaction was rolled back');
    return result;
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
    return new RoleScopedConnection(await route.pool.connect(), this.opts, route);
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
    await conn.executeQuery(CompiledQuery.raw(`savepoint ${ident(name)}`));
  }
  async rollbackToSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`rollback to savepoint ${ident(name)}`));
  }
  async releaseSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw(`release savepoint ${ident(name)}`));
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
