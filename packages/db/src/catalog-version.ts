/**
 * A store's catalogue version (issue 23): the `catalog_version` row of its schema, bumped by triggers in the same
 * transaction as every write to a catalogue table (migrations/tenant/20261206180800_catalog_version.ts). Read it
 * BEFORE reading what a cache will keep under it: a write that commits during the read then can only make the kept
 * copy newer than its version says, never older.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { precompiled } from './precompiled.ts';
import type { TenantDatabase } from './types.ts';

const readVersion = precompiled((t: Kysely<TenantDatabase>) => t.selectFrom('catalog_version').select(sql<string>`version::text`.as('version')));

/** The store's current catalogue version (one statement under the store's role; '0' if the row is missing). */
export async function catalogVersion(tenant: Kysely<TenantDatabase>): Promise<string> {
  const [row] = await readVersion(tenant);
  return row?.version ?? '0';
}

/**
 * Where the response caches get a store's catalogue version. Without a listener every call is one statement (the
 * database is the authority, so a copy is never served after the write that outdates it has committed).
 */
export class CatalogVersions {
  /** `schema` names the store; `tenant` is its handle (the statement runs under the store's role). */
  current(_schema: string, tenant: Kysely<TenantDatabase>): Promise<string> {
    return catalogVersion(tenant);
  }

  /** This process wrote to the store: never trust a version learned before now. */
  forget(_schema: string): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}
