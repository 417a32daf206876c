/**
 * The merchant's view of a store's customer accounts (the console's customer picker and the customers API): search by
 * name or e-mail and one customer with their saved addresses. Shopper-facing account code is CustomerService.
 *
 * Search matches word prefixes, case-insensitively, of the name, the whole e-mail and the e-mail's parts split at its
 * punctuation ("jan doe", "example.com", "jane.doe@ex"), every word of the query having to match; it is answered by the
 * GIN index customers_search_idx (migration 20261207001000), whose expression CUSTOMER_SEARCH_VECTOR repeats exactly.
 * Pages are newest first with the last id seen as the cursor (ids are time-ordered UUIDv7), like every list route.
 */
import { AppError, ErrorCode } from '@storeloom/errors';
import { isUuid, type Kysely, type OrderAddress, sql, type TenantDatabase } from '@storeloom/db';

/** Must stay identical to the index expression of customers_search_idx. */
const CUSTOMER_SEARCH_VECTOR = sql`to_tsvector('simple'::regconfig, name || ' ' || email || ' ' || regexp_replace(email, '[^[:alnum:]]+', ' ', 'g'))`;
/** The search condition for a tsquery from customerSearchQuery (exported so a test can check the index answers it). */
export const customerSearchCondition = (tsquery: string) => sql<boolean>`${CUSTOMER_SEARCH_VECTOR} @@ to_tsquery('simple'::regconfig, ${tsquery})`;
/** At most this many words of a query are used (each one narrows the match). */
const MAX_QUERY_WORDS = 8;

export interface CustomerSummary {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  /** Orders placed while signed in to this account (or attached to it after the e-mail was verified). */
  ordersCount: number;
  lastOrderAt: string | null;
  /** The address the customer saved last (the one their latest order shipped to), or none. */
  defaultAddress: OrderAddress | null;
  createdAt: string;
}

export interface CustomerDetail extends CustomerSummary {
  /** Saved addresses, newest first (the first is the default). */
  addresses: (OrderAddress & { id: string })[];
}

export interface CustomerListQuery {
  query?: string;
  cursor?: string;
  limit: number;
}

/**
 * The words of a search as a prefix tsquery ('jane:* & doe:*'), or null for a query without any letter or digit.
 * Words keep only letters and digits, so nothing of the input reaches tsquery syntax.
 */
export function customerSearchQuery(text: string): string | null {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, MAX_QUERY_WORDS);
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : null;
}

type Row = { id: string; email: string; name: string; email_verified_at: Date | string | null; created_at: Date | string };
const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

export class CustomerDirectory {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async list(q: CustomerListQuery): Promise<{ items: CustomerSummary[]; nextCursor: string | null }> {
    let query = this.t.selectFrom('customers').select(['id', 'email', 'name', 'email_verified_at', 'created_at']);
    const text = q.query?.trim();
    if (text) {
      const ts = customerSearchQuery(text);
      // A query of punctuation only matches nobody rather than everybody.
      if (!ts) return { items: [], nextCursor: null };
      query = query.where(customerSearchCondition(ts));
    }
    if (q.cursor) {
      if (!isUuid(q.cursor)) throw new AppError(ErrorCode.ValidationFailed, 'cursor: invalid');
      query = query.where('id', '<', q.cursor);
    }
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    const items = await this.summaries(page);
    return { items, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  }

  async get(id: string): Promise<CustomerDetail | null> {
    if (!isUuid(id)) return null;
    const row = await this.t.selectFrom('customers').select(['id', 'email', 'name', 'email_verified_at', 'created_at']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const [summary] = await this.summaries([row]);
    const addresses = await this.t
      .selectFrom('addresses')
      .selectAll()
      .where('customer_id', '=', id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(50)
      .execute();
    return {
      ...(summary as CustomerSummary),
      addresses: addresses.map((a) => ({ id: a.id, ...toAddress(a) })),
    };
  }

  async getOrThrow(id: string): Promise<CustomerDetail> {
    const c = await this.get(id);
    if (!c) throw new AppError(ErrorCode.NotFound, 'Customer not found');
    return c;
  }

  /** Order counts and the newest address of a page of customers: two indexed statements, whatever the page size. */
  private async summaries(rows: Row[]): Promise<CustomerSummary[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [orders, addresses] = await Promise.all([
      this.t
        .selectFrom('orders')
        .select(['customer_id', sql<string>`count(*)`.as('n'), sql<Date | string | null>`max(created_at)`.as('last')])
        .where('customer_id', 'in', ids)
        .groupBy('customer_id')
        .execute(),
      this.t
        .selectFrom('addresses')
        .selectAll()
        .distinctOn('customer_id')
        .where('customer_id', 'in', ids)
        .orderBy('customer_id')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute(),
    ]);
    const orderOf = new Map(orders.map((o) => [o.customer_id as string, o]));
    const addressOf = new Map(addresses.map((a) => [a.customer_id, a]));
    return rows.map((r) => {
      const o = orderOf.get(r.id);
      const a = addressOf.get(r.id);
      return {
        id: r.id,
        email: r.email,
        name: r.name,
        emailVerified: r.email_verified_at !== null,
        ordersCount: o ? Number(o.n) : 0,
        lastOrderAt: o?.last ? iso(o.last) : null,
        defaultAddress: a ? toAddress(a) : null,
        createdAt: iso(r.created_at),
      };
    });
  }
}

function toAddress(a: {
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  region: string | null;
  country: string;
  phone: string | null;
}): OrderAddress {
  return { name: a.name, line1: a.line1, line2: a.line2, city: a.city, postalCode: a.postal_code, region: a.region, country: a.country, phone: a.phone };
}
