import { type Kysely, sql } from 'kysely';

/**
 * The console's customer search (GET /customers?query=, the draft order's customer picker) matches word prefixes of
 * the name and the e-mail, case-insensitively: "jan", "doe", "example.com" and "jane.doe@ex" all find Jane Doe
 * <jane.doe@example.com>. One GIN index over a 'simple' (no stemming, lower-cased) text-search vector of the name, the
 * whole e-mail and the e-mail split at its punctuation answers it without reading the table. The expression must stay
 * identical to CUSTOMER_SEARCH_VECTOR in packages/commerce/src/customer-directory.ts, or the planner cannot use it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('customers_search_idx')
    .on('customers')
    .using('gin')
    .expression(sql`to_tsvector('simple'::regconfig, name || ' ' || email || ' ' || regexp_replace(email, '[^[:alnum:]]+', ' ', 'g'))`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('customers_search_idx').execute();
}
