/**
 * Erasure of one person from one store, and from the platform's copies
 * (control schema, queued jobs, stored files). Orders stay for accounting
 * with the person replaced by an anonymous token; everything else about the
 * person is deleted. docs/design/privacy.md lists every place.
 */
import { type Database, sql } from '@storeloom/db';
import type { StoreStorage } from '@storeloom/storage';
import { archiveKey, withVariantKeys } from '@storeloom/storage';
import { emailHash } from './email.ts';
import { personOf, type StoreRef } from './export.ts';

const NONE = '00000000-0000-0000-0000-000000000000';
const anyOf = (xs: string[]) => (xs.length ? xs : [NONE]);
/** A needle as a case-insensitive regular expression matching it literally. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Names shorter than this are too likely to be ordinary words to rewrite free text by. */
const MIN_NAME = 4;

export interface StoreErasure {
  counts: Record<string, number>;
  /** Export archives of the person's earlier requests and the photos of their returns and reviews, to delete from storage. */
  archiveKeys: string[];
  /** Names the person used (to scrub free text outside the store's schema). */
  names: string[];
  /** The person's orders (now anonymised): copies of them elsewhere are rewritten the same way. */
  orderIds: string[];
}

export async function eraseInStore(db: Database, store: StoreRef, email: string, token: string, requestId: string): Promise<StoreErasure> {
  return db.tenantTransaction(store.schema_name, async (t) => {
    const p = await personOf(t, email);
    const names = p.names.filter((n) => n.trim().length >= MIN_NAME);
    const oids = anyOf(p.orderIds);
    const cids = anyOf(p.customerIds);
    const counts: Record<string, number> = {};
    const n = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint }[] | { numDeletedRows?: bigint; numUpdatedRows?: bigint }) => {
      const rows = Array.isArray(r) ? r : [r];
      return rows.reduce((a, x) => a + Number(x.numDeletedRows ?? x.numUpdatedRows ?? 0n), 0);
    };

    counts.recoEvents = n(
      await t
        .deleteFrom('reco_events')
        .where((eb) => eb.or([eb('customer_id', 'in', cids), eb('order_id', 'in', oids), eb('session_id', 'in', anyOf(p.sessionIds))]))
        .execute(),
    );
    counts.recoOrders = n(
      await t
        .deleteFrom('reco_orders')
        .where((eb) => eb.or([eb('customer_id', 'in', cids), eb('order_id', 'in', oids)]))
        .execute(),
    );
    counts.recoCustomerLists = n(await t.deleteFrom('reco_customer_recs').where('customer_id', 'in', cids).execute());

    // Free text of the person's orders: the address and names become the token.
    for (const needle of [email, ...names]) {
      await t
        .updateTable('order_events')
        .set({ message: sql`regexp_replace(message, ${literal(needle)}, ${token}, 'gi')` })
        .where('order_id', 'in', oids)
        .where(sql<boolean>`message ~* ${literal(needle)}`)
        .execute();
      // The event's data says the same (a refund or return reason); the token is plain ASCII, so the JSON stays valid.
      await t
        .updateTable('order_events')
        .set({ data: sql`regexp_replace(data::text, ${literal(needle)}, ${token}, 'gi')::jsonb` })
        .where('order_id', 'in', oids)
        .where(sql<boolean>`data::text ~* ${literal(needle)}`)
        .execute();
    }
    // Returns stay (accounting, stock) without the shopper's reason, note and photos (their files go with the archives).
    const photoRows = await t.selectFrom('returns').select('photos').where('order_id', 'in', oids).execute();
    const photoKeys = photoRows.flatMap((r) => (typeof r.photos === 'string' ? (JSON.parse(r.photos) as string[]) : r.photos));
    counts.returns = n(
      await t
        .updateTable('returns')
        .set({ reason: '', customer_note: null, merchant_note: null, photos: '[]', updated_at: new Date() })
        .where('order_id', 'in', oids)
        .execute(),
    );
    await t
      .updateTable('return_lines')
      .set({ condition_note: null })
      .where('return_id', 'in', t.selectFrom('returns').select('id').where('order_id', 'in', oids))
      .execute();
    // Refund reasons are the merchant's free text about this person's order.
    await t.updateTable('payments').set({ reason: null }).where('order_id', 'in', oids).where('reason', 'is not', null).execute();
    counts.orders = n(
      await t
        .updateTable('orders')
        .set({
          email: token,
          customer_id: null,
          customer_name: null,
          tracking_number: null,
          // The country stays (tax and accounting); nothing else of the address.
          shipping_address: sql`case when shipping_address is null or jsonb_typeof(shipping_address) <> 'object' then shipping_address else jsonb_build_object('name', '', 'line1', '', 'line2', null, 'city', '', 'postalCode', '', 'region', null, 'country', shipping_address->>'country', 'phone', null) end`,
          updated_at: new Date(),
        })
        .where('id', 'in', oids)
        .execute(),
    );
    counts.discountUsages = n(
      await t
        .updateTable('discount_usages')
        .set({ email: token })
        .where((eb) => eb.or([eb('email', '=', email), eb('order_id', 'in', oids)]))
        .execute(),
    );
    counts.carts = n(
      await t
        .updateTable('carts')
        .set({ email: null, vat_id: null })
        .where((eb) => eb.or([eb('email', '=', email), eb('id', 'in', anyOf(p.cartIds))]))
        .execute(),
    );
    // A gift card bought for someone: the recipient and the message on the person's order and cart lines.
    counts.giftCardRecipients =
      n(
        await t
          .updateTable('order_lines')
          .set({ gift_card_recipient: null })
          .where('order_id', 'in', oids)
          .where('gift_card_recipient', 'is not', null)
          .execute(),
      ) +
      n(
        await t
          .updateTable('cart_lines')
          .set({ gift_card_recipient: null })
          .where('cart_id', 'in', anyOf(p.cartIds))
          .where('gift_card_recipient', 'is not', null)
          .execute(),
      );
    counts.giftCardNotes = n(
      await t
        .updateTable('gift_cards')
        .set({ note: null })
        .where((eb) => eb.or([eb('source_order_id', 'in', oids), sql<boolean>`note ~* ${literal(email)}`]))
        .where('note', 'is not', null)
        .execute(),
    );
    // Draft orders the merchant keyed in for the person are not accounting records: they go (an order made from one
    // keeps its own anonymised copy); a merchant's note on an edit of the person's order is cleared.
    counts.draftOrders = n(
      await t
        .deleteFrom('draft_orders')
        .where((eb) => eb.or([eb('email', '=', email), eb('customer_id', 'in', cids), eb('order_id', 'in', oids)]))
        .execute(),
    );
    await t.updateTable('order_edits').set({ note: null }).where('order_id', 'in', oids).where('note', 'is not', null).execute();
    // Sessions, addresses and consents go with the account (ON DELETE CASCADE); said explicitly for the counts.
    counts.sessions = n(await t.deleteFrom('customer_sessions').where('customer_id', 'in', cids).execute());
    counts.customerTokens = n(await t.deleteFrom('customer_tokens').where('customer_id', 'in', cids).execute());
    counts.addresses = n(await t.deleteFrom('addresses').where('customer_id', 'in', cids).execute());
    // With the account's decisions go the same browsers' signed-out ones (same consent id).
    counts.consents = n(
      await t
        .deleteFrom('consents')
        .where((eb) =>
          eb.or([
            eb('customer_id', 'in', cids),
            eb('subject', 'in', eb.selectFrom('consents as own').select('own.subject').where('own.customer_id', 'in', cids)),
            eb('email', '=', email),
          ]),
        )
        .execute(),
    );
    counts.customers = n(await t.deleteFrom('customers').where('id', 'in', cids).execute());

    // Keep an unsubscribe as a one-way hash: the address is gone, but it still may not be mailed.
    const unsub = await t.deleteFrom('marketing_unsubscribes').where('email', '=', email).executeTakeFirst();
    if (Number(unsub.numDeletedRows) > 0) {
      await t
        .insertInto('marketing_unsubscribes')
        .values({ email: `sha256:${emailHash(email)}`, created_at: new Date() })
        .onConflict((oc) => oc.column('email').doNothing())
        .execute();
      counts.unsubscribesHashed = 1;
    }
    // Photos on the person's reviews are deleted, rows and files (with the storefront's resized copies): a photo
    // may show the person or their home, and anonymising cannot take that out of it.
    const reviewPhotos = (
      await sql<{ storage_key: string }>`delete from ${sql.table(`${store.schema_name}.review_photos`)}
        where review_id in (select id from ${sql.table(`${store.schema_name}.reviews`)} where email = ${email} or order_id = any(${oids}::uuid[]))
        returning storage_key`.execute(t)
    ).rows;
    counts.reviewPhotos = reviewPhotos.length;
    const reviewPhotoKeys = reviewPhotos.flatMap((r) => withVariantKeys(r.storage_key));
    // Reviews the person wrote stay with the product, anonymous: no address, name or order behind them.
    counts.reviews = Number(
      (
        await sql`update ${sql.table(`${store.schema_name}.reviews`)} set email = null, author = '', order_id = null, updated_at = now()
          where email = ${email} or order_id = any(${oids}::uuid[])`.execute(t)
      ).numAffectedRows ?? 0n,
    );
    // Webhook events (outbox and delivery log) carrying the person's order or account: deleted, attempts cascade.
    const needles = [email, ...p.orderIds];
    let webhookEvents = 0;
    for (const needle of needles) {
      const r = await sql`delete from ${sql.table(`${store.schema_name}.webhook_events`)} where data::text ~* ${literal(needle)}`.execute(t);
      webhookEvents += Number(r.numAffectedRows ?? 0n);
    }
    counts.webhookEvents = webhookEvents;
    // Search logs (typed in store-search's own table types): a query containing the address is deleted.
    const sq = await sql`delete from ${sql.table(`${store.schema_name}.search_queries`)} where query ~* ${literal(email)}`.execute(t);
    await sql`delete from ${sql.table(`${store.schema_name}.search_query_stats`)} where query ~* ${literal(email)}`.execute(t);
    counts.searchQueries = Number(sq.numAffectedRows ?? 0n);

    // Earlier requests of the address keep their record with the hash only; their archives are deleted.
    const earlier = await t
      .selectFrom('privacy_requests')
      .select(['archive_key'])
      .where('email_hash', '=', emailHash(email))
      .where('archive_key', 'is not', null)
      .execute();
    await t
      .updateTable('privacy_requests')
      .set({ email: null, archive_key: null, archive_expires_at: null, updated_at: new Date() })
      .where('email_hash', '=', emailHash(email))
      .where('id', '<>', requestId)
      .execute();
    await t.updateTable('privacy_requests').set({ archive_key: null }).where('id', '=', requestId).execute();
    return { counts, archiveKeys: [...earlier.map((r) => r.archive_key as string), ...photoKeys, ...reviewPhotoKeys], names, orderIds: p.orderIds };
  });
}

/**
 * The platform's copies outside the store's schema: the store's mail, audit
 * entries, job rows and stored idempotent responses in the control schema, and
 * the store's export archives that have not expired (a whole-store copy that
 * contains the person; they are deleted rather than rewritten).
 */
export async function scrubPlatform(db: Database, store: StoreRef, needles: string[], token: string, storage: StoreStorage | null, orderIds: string[] = []) {
  const c = db.control;
  const counts: Record<string, number> = {};
  const [email, ...names] = needles as [string, ...string[]];
  const re = literal(email);
  const mails = await c
    .deleteFrom('mail_outbox')
    .where('store_id', '=', store.id)
    .where((eb) => eb.or([eb('to_address', '=', email), sql<boolean>`text_body ~* ${re}`, sql<boolean>`coalesce(html_body, '') ~* ${re}`]))
    .executeTakeFirst();
  counts.mails = Number(mails.numDeletedRows);
  const rewrite = async (needle: string) => {
    const r = literal(needle);
    const audit = await c
      .updateTable('audit_log')
      .set({ data: sql`regexp_replace(data::text, ${r}, ${token}, 'gi')::jsonb` })
      .where('store_id', '=', store.id)
      .where(sql<boolean>`data::text ~* ${r}`)
      .executeTakeFirst();
    const jobs = await c
      .updateTable('store_jobs')
      .set({
        data: sql`regexp_replace(data::text, ${r}, ${token}, 'gi')::jsonb`,
        result: sql`case when result is null then null else regexp_replace(result::text, ${r}, ${token}, 'gi')::jsonb end`,
        error: sql`regexp_replace(error, ${r}, ${token}, 'gi')`,
      })
      .where('store_id', '=', store.id)
      .where(sql<boolean>`(data::text || coalesce(result::text, '') || coalesce(error, '')) ~* ${r}`)
      .executeTakeFirst();
    await sql`update control.fair_jobs set data = regexp_replace(data::text, ${r}, ${token}, 'gi')::jsonb where store_id = ${store.id} and data::text ~* ${r}`.execute(
      db.kysely,
    );
    await c
      .updateTable('idempotency_keys')
      .set({ response_body: sql`regexp_replace(response_body::text, ${r}, ${token}, 'gi')::jsonb` })
      .where('scope', 'like', `%/stores/${store.id}/%`)
      .where(sql<boolean>`response_body::text ~* ${r}`)
      .execute();
    return { audit: Number(audit.numUpdatedRows), jobs: Number(jobs.numUpdatedRows) };
  };
  const first = await rewrite(email);
  counts.auditEntries = first.audit;
  counts.jobRows = first.jobs;
  // Names only inside the store's job and audit rows that already concerned the person's orders would be ideal;
  // a name long enough not to be a common word is rewritten wherever the store's rows carry it.
  for (const name of names) await rewrite(name);

  // Stored API responses that are one of the person's orders (a refund's answer, kept for replays): the order's
  // person fields are rewritten like the order itself, so a replay still answers the same order, anonymised.
  for (const orderId of orderIds) {
    await sql`
      update control.idempotency_keys
      set response_body = response_body || jsonb_build_object(
        'email', ${token}::text, 'customerName', null, 'customerId', null,
        'shippingAddress', case when jsonb_typeof(response_body->'shippingAddress') = 'object'
          then jsonb_build_object('name', '', 'line1', '', 'line2', null, 'city', '', 'postalCode', '', 'region', null,
                                  'country', response_body->'shippingAddress'->>'country', 'phone', null)
          else response_body->'shippingAddress' end)
      where scope like ${`%/stores/${store.id}/%`} and jsonb_typeof(response_body) = 'object' and response_body->>'id' = ${orderId}`.execute(db.kysely);
  }

  // Whole-store export archives written by `stores.export` that are still in storage.
  let storeArchivesDeleted = 0;
  if (storage) {
    const exports = await c.selectFrom('store_jobs').select(['data']).where('store_id', '=', store.id).where('name', '=', 'stores.export').execute();
    for (const e of exports) {
      const exportId = (e.data as { payload?: { exportId?: string }; exportId?: string })?.payload?.exportId ?? (e.data as { exportId?: string })?.exportId;
      if (!exportId) continue;
      const key = archiveKey(store.id, exportId);
      if (await storage.get(key)) {
        await storage.delete(key);
        storeArchivesDeleted++;
      }
    }
  }
  counts.storeArchivesDeleted = storeArchivesDeleted;
  return { counts, storeArchivesDeleted };
}
