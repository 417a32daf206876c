/**
 * The export document: everything one store holds on an e-mail address, in
 * one JSON object. Secrets (password and session hashes, cart tokens) are
 * withheld: they are credentials, not information about the person.
 */
import { type Database, type Kysely, type Store, sql, type TenantDatabase } from '@storeloom/db';
import type { StoreStorage } from '@storeloom/storage';
import { emailHash } from './email.ts';

/** What the privacy code needs of a store. */
export type StoreRef = Pick<Store, 'id' | 'name' | 'schema_name'>;

export const EXPORT_FORMAT = 'storeloom.privacy-export/1';

export interface PrivacyExport {
  format: typeof EXPORT_FORMAT;
  generatedAt: string;
  store: { id: string; name: string };
  email: string;
  customer: Record<string, unknown> | null;
  addresses: Record<string, unknown>[];
  sessions: Record<string, unknown>[];
  consents: Record<string, unknown>[];
  orders: Record<string, unknown>[];
  payments: Record<string, unknown>[];
  discountUsages: Record<string, unknown>[];
  giftCards: Record<string, unknown>[];
  carts: Record<string, unknown>[];
  reviews: Record<string, unknown>[];
  events: Record<string, unknown>[];
  recommendations: Record<string, unknown>[];
  marketing: Record<string, unknown>[];
  privacyRequests: Record<string, unknown>[];
  mails: Record<string, unknown>[];
  /** Draft orders the merchant keyed in for the person (issue 21). */
  draftOrders: Record<string, unknown>[];
}

/** The person's ids in one store: customer ids, orders, carts and browser sessions seen with them. */
export async function personOf(t: Kysely<TenantDatabase>, email: string) {
  const customers = await t.selectFrom('customers').select(['id', 'name']).where('email', '=', email).execute();
  const customerIds = customers.map((c) => c.id);
  const orders = await t
    .selectFrom('orders')
    .select(['id', 'cart_id', 'customer_name'])
    .where((eb) => (customerIds.length ? eb.or([eb('email', '=', email), eb('customer_id', 'in', customerIds)]) : eb('email', '=', email)))
    .execute();
  const orderIds = orders.map((o) => o.id);
  const cartIds = [...new Set(orders.map((o) => o.cart_id).filter((x): x is string => Boolean(x)))];
  const sessionRows = await t
    .selectFrom('reco_orders')
    .select('session_id')
    .where((eb) =>
      eb.or([
        ...(orderIds.length ? [eb('order_id', 'in', orderIds)] : []),
        ...(customerIds.length ? [eb('customer_id', 'in', customerIds)] : []),
        eb.val(false),
      ]),
    )
    .execute();
  const eventSessions = customerIds.length
    ? await t.selectFrom('reco_events').select('session_id').distinct().where('customer_id', 'in', customerIds).where('session_id', 'is not', null).execute()
    : [];
  const sessionIds = [...new Set([...sessionRows, ...eventSessions].map((r) => r.session_id).filter((x): x is string => Boolean(x)))];
  const names = new Set<string>();
  for (const c of customers) if (c.name) names.add(c.name);
  for (const o of orders) if (o.customer_name) names.add(o.customer_name);
  return { customerIds, orderIds, cartIds, sessionIds, names: [...names] };
}

const anyOf = <T>(xs: T[]) => (xs.length ? xs : (['00000000-0000-0000-0000-000000000000'] as T[]));

/**
 * The person's data as one document. With `storage`, the photos the person put
 * on reviews are inside it too (base64, as stored: re-encoded, no metadata);
 * without, each photo is listed by file name and size.
 */
export async function collectExport(db: Database, store: StoreRef, email: string, storage: StoreStorage | null = null): Promise<PrivacyExport> {
  const t = db.tenant(store.schema_name);
  const p = await personOf(t, email);
  const customer = await t.selectFrom('customers').select(['id', 'email', 'name', 'created_at']).where('email', '=', email).executeTakeFirst();
  const cids = anyOf(p.customerIds);
  const oids = anyOf(p.orderIds);
  const [addresses, sessions, consents, orders, lines, events, allocations, payments, usages, cards, carts, recoEvents, recoOrders, recs, unsub, requests] =
    await Promise.all([
      t.selectFrom('addresses').selectAll().where('customer_id', 'in', cids).execute(),
      t.selectFrom('customer_sessions').select(['customer_id', 'created_at', 'expires_at']).where('customer_id', 'in', cids).execute(),
      // The account's decisions and the same browsers' decisions made while signed out (same consent id).
      t
        .selectFrom('consents')
        .select(['choices', 'version', 'signal', 'email', 'source', 'created_at'])
        .where((eb) =>
          eb.or([
            eb('customer_id', 'in', cids),
            eb('subject', 'in', eb.selectFrom('consents as own').select('own.subject').where('own.customer_id', 'in', cids)),
            // Marketing mail given or withdrawn for the address (checkout, registration, API, account, unsubscribe).
            eb('email', '=', email),
          ]),
        )
        .orderBy('created_at')
        .execute(),
      t.selectFrom('orders').selectAll().where('id', 'in', oids).orderBy('created_at').execute(),
      t.selectFrom('order_lines').selectAll().where('order_id', 'in', oids).orderBy('position').execute(),
      t.selectFrom('order_events').selectAll().where('order_id', 'in', oids).orderBy('created_at').execute(),
      t.selectFrom('order_discount_allocations').selectAll().where('order_id', 'in', oids).execute(),
      t
        .selectFrom('payments')
        .select(['id', 'order_id', 'kind', 'provider', 'amount', 'status', 'reference', 'reason', 'created_at'])
        .where('order_id', 'in', oids)
        .execute(),
      t
        .selectFrom('discount_usages')
        .selectAll()
        .where((eb) => eb.or([eb('email', '=', email), eb('order_id', 'in', oids)]))
        .execute(),
      t
        .selectFrom('gift_cards')
        .select(['id', 'last4', 'initial_value', 'balance', 'currency', 'expires_at', 'note', 'source_order_id', 'created_at'])
        .where('source_order_id', 'in', oids)
        .execute(),
      t
        .selectFrom('carts')
        .select([
          'id',
          'created_at',
          'updated_at',
          'email',
          'vat_id',
          'country',
          'locale',
          'discount_codes',
          'recovery_sent_count',
          'recovery_sent_at',
          'recovered_at',
        ])
        .where((eb) => eb.or([eb('email', '=', email), eb('id', 'in', anyOf(p.cartIds))]))
        .execute(),
      t
        .selectFrom('reco_events')
        .select(['kind', 'product_id', 'variant_id', 'order_id', 'quantity', 'slot', 'occurred_at'])
        .where((eb) => eb.or([eb('customer_id', 'in', cids), eb('order_id', 'in', oids), eb('session_id', 'in', anyOf(p.sessionIds))]))
        .orderBy('occurred_at')
        .execute(),
      t
        .selectFrom('reco_orders')
        .select(['order_id', 'occurred_at'])
        .where((eb) => eb.or([eb('customer_id', 'in', cids), eb('order_id', 'in', oids)]))
        .execute(),
      t.selectFrom('reco_customer_recs').select(['version', 'items']).where('customer_id', 'in', cids).execute(),
      t.selectFrom('marketing_unsubscribes').selectAll().where('email', '=', email).execute(),
      t
        .selectFrom('privacy_requests')
        .select(['id', 'kind', 'status', 'source', 'created_at', 'due_at', 'completed_at'])
        .where('email_hash', '=', emailHash(email))
        .execute(),
    ]);
  const cartLines = carts.length
    ? await t
        .selectFrom('cart_lines')
        .selectAll()
        .where(
          'cart_id',
          'in',
          carts.map((c) => c.id),
        )
        .execute()
    : [];
  // Reviews live in the content package's table (typed there): read by SQL, same store role.
  const reviewRows = (
    await sql<Record<string, unknown> & { id: string }>`select id, product_id, order_id, email, author, rating, title, body, status, reply, verified, created_at
      from ${sql.table(`${store.schema_name}.reviews`)} where email = ${email} or order_id = any(${oids}::uuid[]) order by created_at`.execute(t)
  ).rows;
  // Photos on those reviews (review_photos; the files themselves when storage is at hand).
  const photoRows = reviewRows.length
    ? await t
        .selectFrom('review_photos')
        .select(['id', 'review_id', 'storage_key', 'content_type', 'width', 'height', 'bytes', 'created_at'])
        .where(
          'review_id',
          'in',
          reviewRows.map((r) => r.id),
        )
        .orderBy('position')
        .execute()
    : [];
  const photos = await Promise.all(
    photoRows.map(async (ph) => {
      const obj = storage ? await storage.get(ph.storage_key).catch(() => null) : null;
      return {
        reviewId: ph.review_id,
        id: ph.id,
        file: ph.storage_key.slice(ph.storage_key.indexOf('/') + 1),
        contentType: ph.content_type,
        width: ph.width,
        height: ph.height,
        bytes: ph.bytes,
        createdAt: ph.created_at,
        ...(obj ? { base64: Buffer.from(obj.body).toString('base64') } : {}),
      };
    }),
  );
  const reviews = reviewRows.map((r) => ({ ...r, photos: photos.filter((ph) => ph.reviewId === r.id).map(({ reviewId: _r, ...ph }) => ph) }));
  const mails = await db.control
    .selectFrom('mail_outbox')
    .select(['kind', 'to_address', 'subject', 'text_body', 'status', 'created_at', 'sent_at'])
    .where('store_id', '=', store.id)
    .where('to_address', '=', email)
    .orderBy('created_at')
    .execute();
  const draftOrders = await t
    .selectFrom('draft_orders')
    .selectAll()
    .where((eb) => eb.or([eb('email', '=', email), eb('customer_id', 'in', cids)]))
    .orderBy('created_at')
    .execute();
  const draftRows = draftOrders.map(({ invoice_token_hash: _hash, ...d }) => d);
  const byOrder = <R extends { order_id: string | null }>(rows: R[], id: string) => rows.filter((r) => r.order_id === id);
  // Returns of the person's orders (reason, note, photo keys, condition notes).
  const returnRows = await t.selectFrom('returns').selectAll().where('order_id', 'in', oids).orderBy('requested_at').execute();
  const returnLines = returnRows.length
    ? await t
        .selectFrom('return_lines')
        .selectAll()
        .where(
          'return_id',
          'in',
          returnRows.map((r) => r.id),
        )
        .execute()
    : [];
  const returnsOf = (id: string) => byOrder(returnRows, id).map((r) => ({ ...r, lines: returnLines.filter((l) => l.return_id === r.id) }));
  return {
    format: EXPORT_FORMAT,
    generatedAt: new Date().toISOString(),
    store: { id: store.id, name: store.name },
    email,
    customer: customer ?? null,
    addresses,
    sessions,
    consents,
    orders: orders.map((o) => ({
      ...o,
      lines: byOrder(lines, o.id),
      events: byOrder(events, o.id),
      discounts: byOrder(allocations, o.id),
      returns: returnsOf(o.id),
    })),
    payments,
    discountUsages: usages,
    giftCards: cards,
    carts: carts.map((c) => ({ ...c, lines: cartLines.filter((l) => l.cart_id === c.id) })),
    reviews,
    events: [...recoEvents.map((e) => ({ source: 'recommendations', ...e })), ...recoOrders.map((o) => ({ source: 'purchase', kind: 'purchase', ...o }))],
    recommendations: recs,
    marketing: unsub.map((u) => ({ unsubscribed: true, at: u.created_at })),
    privacyRequests: requests,
    mails,
    draftOrders: draftRows,
  };
}
