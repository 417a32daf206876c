/**
 * Tenant placement: which database cluster holds each store. `database_clusters`
 * registers clusters by id (their URLs come from the environment — the primary
 * `main` is DATABASE_URL, others DATABASE_CLUSTERS — never stored here);
 * `stores.cluster_id` places each store (default `main`); `store_count` is kept
 * by a trigger; `placement_version` is bumped on every move so every process's
 * placement cache drops what it knows; `store_moves` records moves and their
 * progress. `stores.read_only` refuses a store's writes during a move.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('database_clusters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('store_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('database_clusters_id_check', sql`id ~ '^[a-z][a-z0-9_]{0,31}$'`)
    .addCheckConstraint('database_clusters_status_check', sql`status in ('open','draining','closed')`)
    .addCheckConstraint('database_clusters_weight_check', sql`weight >= 0`)
    .execute();
  await db.insertInto('database_clusters').values({ id: 'main', name: 'Primary (DATABASE_URL)' }).execute();
  await db.schema
    .alterTable('stores')
    .addColumn('cluster_id', 'text', (c) => c.notNull().defaultTo('main').references('database_clusters.id'))
    .execute();
  await db.schema
    .alterTable('stores')
    .addColumn('read_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('stores_cluster_idx').on('stores').column('cluster_id').execute();
  await sql`update control.database_clusters set store_count = (select count(*) from control.stores where status <> 'deleted') where id = 'main'`.execute(db);

  await db.schema
    .createTable('placement_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addCheckConstraint('placement_version_single_row', sql`id = 1`)
    .execute();
  await db.insertInto('placement_version').values({ id: 1, version: 1 }).execute();

  await db.schema
    .createTable('store_moves')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('store_id', 'uuid', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('source_cluster', 'text', (c) => c.notNull())
    .addColumn('target_cluster', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('step', 'text')
    .addColumn('progress', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('source_dropped_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addCheckConstraint('store_moves_status_check', sql`status in ('pending','running','done','failed')`)
    .execute();
  // One unfinished move per store.
  await sql`create unique index store_moves_active on control.store_moves (store_id) where status in ('pending','running')`.execute(db);

  // store_count follows inserts, deletes, moves and soft deletes of stores.
  // The trigger function lives in the control schema and names its tables with it.
  await sql
    .raw(`create or replace function control.storeloom_cluster_store_count() returns trigger language plpgsql as $fn$
begin
  if tg_op in ('UPDATE','DELETE') and old.status <> 'deleted' then
    update control.database_clusters set store_count = store_count - 1 where id = old.cluster_id;
  end if;
  if tg_op in ('INSERT','UPDATE') and new.status <> 'deleted' then
    update control.database_clusters set store_count = store_count + 1 where id = new.cluster_id;
  end if;
  return null;
end $fn$`)
    .execute(db);
  await sql
    .raw(`create trigger stores_cluster_store_count after insert or delete or update of cluster_id, status on control.stores
  for each row execute function control.storeloom_cluster_store_count()`)
    .execute(db);
}
