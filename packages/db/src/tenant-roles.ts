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
import { assertTenantSchema, quoteIdent } from './ids.ts';

export const TENANT_ROLE_PREFIX = 'storeloom_';
const ROLE_COMMENT_PREFIX = 'storeloom tenant role; database=';

/** The store role of a tenant schema: `storeloom_t_<store id hex>` (fits the 63-byte identifier limit). */
export function tenantRoleName(schema: string): string {
  return `${TENANT_ROLE_PREFIX}${assertTenantSchema(schema)}`;
}

/**
 * `grant all on all tables / sequences in schema` and `grant execute on all functions in schema`, without
 * their cost. Postgres finds "all tables in schema" by scanning the whole of pg_class once per relation kind
 * (pg_class has no index on the namespace), so on a cluster with thousands of stores every provisioning and
 * every migration of a store read millions of catalogue rows: the fleet bench's per-store migration time grew
 * with the number of stores already there (100 stores per 35 s at the start of a 1,000-store run, per 103 s at
 * its end; the `grant all on all tables` alone took 2.3 s at 1,000 stores). Every object in a schema has a
 * dependency on the schema in pg_depend, which is indexed by what is depended on, so the same objects are
 * listed in time proportional to the store's own schema and granted in one statement per kind: the same
 * relation kinds as ALL TABLES (tables, views, materialised views, foreign and partitioned tables), sequences,
 * and functions, aggregates and window functions but not procedures (as ALL FUNCTIONS). `offset 0` keeps each
 * dependency's fetch a probe of pg_class's / pg_proc's oid index (as the move's lookups in move.ts): without it
 * the planner may flatten the lateral subquery into a join and read the catalogue whole instead, by a sequential
 * scan or a full index scan, when it prices that below the probes (a catalogue it thinks small; with nested loops
 * priced out it does so on Postgres 15 and PGlite, packages/db/test/catalog-scans.test.ts).
 */
function grantOnSchemaObjectsSql(schema: string, role: string): string {
  const s = quoteIdent(schema).replaceAll("'", "''");
  return `do $$
     declare
       ns oid := pg_catalog.to_regnamespace('${schema}');
       tabs text; seqs text; fns text;
     begin
       select pg_catalog.string_agg('${s}.' || pg_catalog.quote_ident(c.relname), ', ')
                filter (where c.relkind in ('r', 'v', 'm', 'f', 'p')),
              pg_catalog.string_agg('${s}.' || pg_catalog.quote_ident(c.relname), ', ')
                filter (where c.relkind = 'S')
         into tabs, seqs
         from pg_catalog.pg_depend d
         cross join lateral (select k.relname, k.relkind from pg_catalog.pg_class k
                              where k.oid = d.objid and k.relnamespace = ns offset 0) c
        where d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass and d.refobjid = ns
          and d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass;
       select pg_catalog.string_agg('${s}.' || pg_catalog.quote_ident(f.proname)
                                    || '(' || pg_catalog.pg_get_function_identity_arguments(d.objid) || ')', ', ')
         into fns
         from pg_catalog.pg_depend d
         cross join lateral (select p.proname from pg_catalog.pg_proc p
                              where p.oid = d.objid and p.pronamespace = ns and p.prokind <> 'p' offset 0) f
        where d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass and d.refobjid = ns
          and d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass;
       if tabs is not null then execute 'grant all on table ' || tabs || ' to ${role}'; end if;
       if seqs is not null then execute 'grant all on sequence ' || seqs || ' to ${role}'; end if;
       if fns is not null then execute 'grant execute on function ' || fns || ' to ${role}'; end if;
     end $$`;
}

/**
 * SQL (one simple-protocol string, no parameters) that creates the role when
 * missing, lets the current login role `SET ROLE` to it, and grants it
 * everything in its own schema now and for objects created later by the
 * current role. Idempotent; callers serialise it per schema (the migration
 * advisory lock) because concurrent GRANTs on one schema row can conflict.
 */
export function ensureTenantRoleSql(schema: string): string {
  const role = tenantRoleName(schema);
  const r = quoteIdent(role);
  const s = quoteIdent(schema);
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
    grantOnSchemaObjectsSql(schema, r),
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
 * the schema is gone (purge). A role still holding privileges or owning objects
 * in another database of the cluster (a copy of the store elsewhere in it) is
 * left in place: the drop throws (SQLSTATE 2BP01) and changes nothing.
 */
export async function dropTenantRole(db: Kysely<any>, schema: string): Promise<boolean> {
  const role = tenantRoleName(schema);
  const exists = await sql<{ n: number }>`select count(*)::int as n from pg_catalog.pg_roles where rolname = ${role}`.execute(db);
  if (!exists.rows[0]?.n) return false;
  await sql.raw(`drop owned by ${quoteIdent(role)}; drop role ${quoteIdent(role)}`).execute(db);
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
      await admin.query(`drop role if exists ${quoteIdent(rolname)}`);
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
      await admin.query(`drop role if exists ${quoteIdent(rolname)}`);
      dropped++;
    } catch {
      // Another session is using it or it holds privileges somewhere: leave it.
    }
  }
  return dropped;
}
