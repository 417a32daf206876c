/**
 * The fair scheduler's staging table (packages/jobs/src/fair.ts) was created at run time, one per queue namespace, in
 * the queue's schema (`bullmq_<prefix>.storeloom_fair_jobs`). It is now one control table keyed by namespace (`ns`,
 * which every row already carried). Rows staged in the old tables are moved over, so no queued job is lost, and the
 * old tables are dropped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fair_jobs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ns', 'text', (c) => c.notNull())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('opts', 'jsonb', (c) => c.notNull())
    .addColumn('bull_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dispatched_at', 'timestamptz')
    .addCheckConstraint('fair_jobs_state_check', sql`state in ('pending', 'dispatched')`)
    .execute();
  await db.schema.createIndex('fair_jobs_bull_id_key').on('fair_jobs').columns(['ns', 'queue', 'bull_id']).unique().execute();
  await db.schema.createIndex('fair_jobs_store_idx').on('fair_jobs').columns(['ns', 'queue', 'store_id', 'state', 'id']).execute();

  const old = await sql<{ schema: string }>`
    select table_schema as schema from information_schema.tables where table_name = 'storeloom_fair_jobs' order by 1`.execute(db);
  for (const { schema } of old.rows) {
    const table = sql`${sql.id(schema)}.storeloom_fair_jobs`;
    await sql`insert into control.fair_jobs (ns, queue, store_id, name, data, opts, bull_id, state, created_at, dispatched_at)
      select ns, queue, store_id, name, data, opts, bull_id, state, created_at, dispatched_at from ${table} order by id
      on conflict (ns, queue, bull_id) do nothing`.execute(db);
    await sql`drop table ${table}`.execute(db);
  }
}
