import { type Kysely, sql } from 'kysely';

/**
 * The store's catalogue version (issue 23): one row, bumped in the same transaction as every catalogue write, so a
 * response cache keyed by it can never serve a page built before a committed write. Database triggers rather than
 * the service layer, so no write path (API, imports, the worker, the storefront's stock updates, a migration) can
 * forget it.
 *
 * - The triggers are DEFERRED constraint triggers: the version row is locked at commit, after every other lock the
 *   transaction takes, so two writers cannot deadlock on it (they only queue for the last step). A transaction bumps
 *   once whatever it wrote (a transaction-local setting remembers it), and a TRUNCATE bumps at once.
 * - The new value is max(old + 1, microseconds since the epoch): it only grows, and a schema that is dropped and
 *   created again (restore) does not restart at a value an old cache entry was built under.
 * - `pg_notify('storeloom_catalog', '<schema> <version>')` tells listening processes; it is delivered at commit.
 * - The function lives in the store's schema and runs as the caller (the store role may write its own table).
 */
export const CATALOG_TABLES = [
  'products',
  'variants',
  'images',
  'collections',
  'collection_products',
  'product_translations',
  'collection_translations',
  'product_media',
  'market_prices',
  'inventory_policies',
] as const;

/** The schema a tenant migration runs in (it is handed a `withSchema` handle and never names the schema itself). */
function schemaOf(db: Kysely<any>): string {
  const m = /from "([^"]+)"\."catalog_version"/.exec(db.selectFrom('catalog_version').selectAll().compile().sql);
  if (!m?.[1]) throw new Error('catalog_version migration: not run on a schema handle');
  return m[1];
}

export async function up(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db);
  const s = `"${schema.replaceAll('"', '""')}"`;
  await db.schema
    .createTable('catalog_version')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('catalog_version').values({ id: true, version: sql`(extract(epoch from clock_timestamp()) * 1000000)::bigint` }).execute();
  await sql
    .raw(
      `create or replace function ${s}.storeloom_bump_catalog_version() returns trigger language plpgsql as $fn$
declare
  v bigint;
begin
  if tg_level = 'ROW' and pg_catalog.current_setting('storeloom_catalog.${schema}', true) = pg_catalog.txid_current()::text then
    return null;
  end if;
  update ${s}.catalog_version
     set version = greatest(version + 1, (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000000)::bigint)
   returning version into v;
  perform pg_catalog.set_config('storeloom_catalog.${schema}', pg_catalog.txid_current()::text, true);
  perform pg_catalog.pg_notify('storeloom_catalog', '${schema} ' || v::text);
  return null;
end
$fn$`,
    )
    .execute(db);
  for (const table of CATALOG_TABLES) {
    await sql
      .raw(
        `create constraint trigger storeloom_catalog_version after insert or update or delete on ${s}."${table}"
           deferrable initially deferred for each row execute function ${s}.storeloom_bump_catalog_version()`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger storeloom_catalog_version_truncate after truncate on ${s}."${table}"
           for each statement execute function ${s}.storeloom_bump_catalog_version()`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db);
  const s = `"${schema.replaceAll('"', '""')}"`;
  for (const table of CATALOG_TABLES) {
    await sql.raw(`drop trigger if exists storeloom_catalog_version on ${s}."${table}"`).execute(db);
    await sql.raw(`drop trigger if exists storeloom_catalog_version_truncate on ${s}."${table}"`).execute(db);
  }
  await sql.raw(`drop function if exists ${s}.storeloom_bump_catalog_version()`).execute(db);
  await db.schema.dropTable('catalog_version').ifExists().execute();
}
