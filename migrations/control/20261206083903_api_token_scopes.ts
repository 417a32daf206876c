/**
 * API token scopes (issue 15 / issue 21): each token carries the scopes it was created with; every route declares the
 * scope it needs. Tokens created before scopes existed could do everything their user can, so they keep every scope
 * that existed at this migration (their owners narrow them by creating new tokens); new tokens get only what is asked.
 */
import { type Kysely, sql } from 'kysely';

const ALL_AT_MIGRATION = [
  'read_products',
  'write_products',
  'read_inventory',
  'write_inventory',
  'read_orders',
  'write_orders',
  'read_customers',
  'write_customers',
  'read_discounts',
  'write_discounts',
  'read_pricing',
  'write_pricing',
  'read_stores',
  'write_stores',
  'read_team',
  'write_team',
  'read_billing',
  'write_billing',
  'read_backups',
  'write_backups',
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('api_tokens')
    .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await db
    .updateTable('api_tokens')
    .set({ scopes: sql`array[${sql.join(ALL_AT_MIGRATION.map((s) => sql.lit(s)))}]::text[]` })
    .execute();
}
