/**
 * Backfill: every existing store schema gets its store role (new stores get
 * theirs when provisioning migrates the schema). Skipped when the login role
 * may not create roles — that database then runs with TENANT_ISOLATION=schema.
 */
import { type Kysely, sql } from 'kysely';
import { ensureTenantRole } from '../../packages/db/src/tenant-roles.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const can = await sql<{ ok: boolean }>`select rolsuper or rolcreaterole as ok from pg_catalog.pg_roles where rolname = current_user`.execute(db);
  if (!can.rows[0]?.ok) return;
  const { rows } = await sql<{ schema_name: string }>`
    select s.schema_name from control.stores s
     where s.status <> 'deleted' and exists (select 1 from pg_catalog.pg_namespace n where n.nspname = s.schema_name)
     order by s.id`.execute(db);
  for (const { schema_name } of rows) await ensureTenantRole(db, schema_name);
}
