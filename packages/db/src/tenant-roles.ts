/**
 * Database-enforced tenant isolation: every store schema has a NOLOGIN role
 * that can reach only that schema. Tenant queries run under it through
 * `SET LOCAL ROLE` (see role-scoped-driver.ts), so a query that forgets
 * `withSchema` or names another store's schema is refused by Postgres itself.
 *
 * Roles are cluster-wide while schemas live in one database: each role carries
 * a comment naming its database, so roles left behind by a dropped database
 * (test and bench databases) can be found and dropped.
 */
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { assertTenantSchema } from './ids.ts';

export const TENANT_ROLE_PREFIX = 'storeloom_';
const ROLE_COMMENT_PREFIX = 'storeloom tenant role; database=';

/** The store role of a tenant schema: `storeloom_t_<store id hex>` (fits the 63-byte identifier limit). */
export function tenantRoleName(schema: string): string {
  return `${TENANT_ROLE_PREFIX}${assertTenantSchema(schema)}`;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * SQL (one simple-protocol string, no parameters) that creates the role when
 * missing, lets the current login role `SET ROLE` to it, and grants it
 * everything in its own schema now and for objects created later by the
 * current role. Idempotent; callers serialise it per schema (the migration
 * advisory lock) because concurrent GRANTs on one schema row can conflict.
 */
export function ensureTenantRoleSql(schema: string): string {
  const role = tenantRoleName(schema);
  const r = ident(role);
  const s = ident(schema);
  return [
    `do $$ begin
       if not exists (select 1 from pg_catalog.pg_roles where rolname = '${role}') then
         create role ${r} nologin noinherit;
       end if;
     exception when duplicate_object or unique_violation then null;
     end $$`,
    `do $$ begin
       if not pg_catalog.pg_has_role(current_user, '${role}', 'MEMBER') then
         execute 'grant ${r} to ' || pg_catalog.quote_ident(current_user);
       end if;
     end $$`,
    `do $$ begin execute 'comment on role ${r} is ' || pg_catalog.quote_literal('${ROLE_COMMENT_PREFIX}' || current_database()); end $$`,
    `grant usage on schema ${s} to ${r}`,
    `grant all on all tables in schema ${s} to ${r}`,
    `grant all on all sequences in schema ${s} to ${r}`,
    `grant execute on all functions in schema ${s} to ${r}`,
    `alter default privileges in schema ${s} grant all on tables to ${r}`,
    `alter default privileges in schema ${s} grant all on sequences to ${r}`,
    `alter default privileges in schema ${s} grant execute on functions to ${r}`,
  ].join(';\n');
}

/** Creates/refreshes the store role of an existing schema (inside the caller's transaction when given one). */
export async function ensureTenantRole(db: Kysely<any>, schema: string): Promise<void> {
  await sql.raw(ensureTenantRoleSql(schema)).execute(db);
}

/**
 * Revokes what the store role holds in this database and drops it. Run after
 * the schema is gone (purge). A role still holding privileges in another
 * database (a copy of the store elsewhere in the cluster) is left in place.
 */
export async function dropTenantRole(db: Kysely<any>, schema: string): Promise<boolean> {
  const role = tenantRoleName(schema);
  const exists = await sql<{ n: number }>`select count(*)::int as n from pg_catalog.pg_roles where rolname = ${role}`.execute(db);
  if (!exists.rows[0]?.n) return false;
  await sql.raw(`drop owned by ${ident(role)}; drop role ${ident(role)}`).execute(db);
  return true;
}

/** Drops the store roles created in `database` (call after dropping that database). Returns how many. */
export async function dropTenantRolesOfDatabase(admin: pg.Client | pg.Pool, database: string): Promise<number> {
  const { rows } = await admin.query<{ rolname: string }>(
    `select r.rolname from pg_catalog.pg_roles r
      where r.rolname like 'storeloom\\_t\\_%' and pg_catalog.shobj_description(r.oid, 'pg_authid') = $1`,
    [`${ROLE_COMMENT_PREFIX}${database}`],
  );
  let dropped = 0;
  for (const { rolname } of rows) {
    try {
      await admin.query(`drop role if exists ${ident(rolname)}`);
      dropped++;
    } catch {
      // Still referenced from a database that exists: not an orphan.
    }
  }
  return dropped;
}

/** Drops store roles whose database no longer exists (crashed test runs). Returns how many. */
export async function dropOrphanTenantRoles(admin: pg.Client | pg.Pool): Promise<number> {
  const { rows } = await admin.query<{ rolname: string }>(
    `select r.rolname from pg_catalog.pg_roles r
      where r.rolname like 'storeloom\\_t\\_%'
        and pg_catalog.shobj_description(r.oid, 'pg_authid') like $1
        and not exists (select 1 from pg_catalog.pg_database d
                         where '${ROLE_COMMENT_PREFIX}' || d.datname = pg_catalog.shobj_description(r.oid, 'pg_authid'))`,
    [`${ROLE_COMMENT_PREFIX}%`],
  );
  let dropped = 0;
  for (const { rolname } of rows) {
    try {
      await admin.query(`drop role if exists ${ident(rolname)}`);
      dropped++;
    } catch {
      // Another session is using it or it holds privileges somewhere: leave it.
    }
  }
  return dropped;
}
