import { type Kysely, sql } from 'kysely';

/**
 * Refund lines (issue 21): every refund records which order lines and how many
 * units it gives back, with the amount (the line's price after its discount
 * allocation, plus its tax when tax is added on top), the shipping it gives
 * back and any amount beyond lines (an adjustment). Order lines keep running
 * totals of what was refunded, bounded by checks, so two refunds racing for one
 * line can never give back more units or money than the line was paid.
 *
 * Backfill: refunds made before this migration had no lines. They were
 * whole-order refunds: each one's amount is spread over the order's lines and
 * shipping in proportion to what each was paid (largest remainder, sums
 * exactly); the refund that took the order to fully refunded also returns every
 * unit, so fully refunded orders no longer count as sales.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .alterTable('order_lines')
    .addColumn('refunded_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded_amount', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The backstop of the refund's per-line arithmetic: never more units than bought, never more money than the line cost.
  await db.schema
    .alterTable('order_lines')
    .addCheckConstraint('order_lines_refunded_quantity_check', sql`refunded_quantity >= 0 and refunded_quantity <= quantity`)
    .execute();
  await db.schema
    .alterTable('order_lines')
    .addCheckConstraint('order_lines_refunded_amount_check', sql`refunded_amount >= 0 and refunded_amount <= total - discount_total + tax`)
    .execute();
  await db.schema
    .alterTable('orders')
    .addColumn('shipping_refunded', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('orders')
    .addCheckConstraint('orders_shipping_refunded_check', sql`shipping_refunded >= 0 and shipping_refunded <= shipping + tax`)
    .execute();

  await db.schema
    .createTable('refund_lines')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // The refund is the `payments` row of kind 'refund' (its amount is the sum of its lines).
    .addColumn('refund_id', 'uuid', (c) => c.notNull().references('payments.id').onDelete('cascade'))
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('order_line_id', 'uuid', (c) => c.references('order_lines.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('tax', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('restock', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('refund_lines_kind_check', sql`kind in ('line','shipping','adjustment')`)
    .addCheckConstraint('refund_lines_amount_check', sql`amount >= 0 and tax >= 0 and quantity >= 0`)
    .addCheckConstraint('refund_lines_line_check', sql`(kind = 'line') = (order_line_id is not null)`)
    .execute();
  await db.schema.createIndex('refund_lines_refund_idx').on('refund_lines').column('refund_id').execute();
  await db.schema.createIndex('refund_lines_order_idx').on('refund_lines').column('order_id').execute();
  await db.schema.createIndex('refund_lines_line_idx').on('refund_lines').column('order_line_id').execute();
  // Recommendation training reads the refunded lines of the whole store: few rows among many.
  await db.schema.createIndex('order_lines_refunded_idx').on('order_lines').column('order_id').where(sql.ref('refunded_quantity'), '>', 0).execute();

  // Returned units are not demand: the planner's sale line keeps how many of its units came back.
  await db.schema
    .alterTable('variant_sale_lines')
    .addColumn('returned_units', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('variant_sale_lines')
    .addCheckConstraint('variant_sale_lines_returned_check', sql`returned_units >= 0 and returned_units <= units`)
    .execute();

  await fillLineTax(db);
  await backfill(db);
}

/**
 * Orders taxed at the store's flat rate kept their tax on the order only (lines had 0). That tax was computed on
 * goods after discounts plus shipping, so it is split over those same bases; refunds then give each line its tax.
 */
export async function fillLineTax(db: Kysely<any>) {
  const orders: { id: string; tax: number; shipping: number }[] = await db
    .selectFrom('orders as o')
    .select(['o.id', 'o.tax', 'o.shipping'])
    .where('o.tax', '>', 0)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('order_lines as l').select('l.id').whereRef('l.order_id', '=', 'o.id').where('l.tax', '>', 0))),
    )
    .execute();
  for (const o of orders) {
    const lines: { id: string; total: number; discount_total: number }[] = await db
      .selectFrom('order_lines')
      .select(['id', 'total', 'discount_total'])
      .where('order_id', '=', o.id)
      .orderBy('position')
      .execute();
    if (!lines.length) continue;
    const shippingDiscount = Number(
      (
        await db
          .selectFrom('order_discount_allocations')
          .select(sql<string>`coalesce(sum(amount), 0)`.as('s'))
          .where('order_id', '=', o.id)
          .where('order_line_id', 'is', null)
          .executeTakeFirst()
      )?.s ?? 0,
    );
    const shares = split(o.tax, [...lines.map((l) => Math.max(0, l.total - l.discount_total)), Math.max(0, o.shipping - shippingDiscount)]);
    for (const [i, l] of lines.entries())
      if ((shares[i] ?? 0) > 0)
        await db
          .updateTable('order_lines')
          .set({ tax: shares[i] ?? 0 })
          .where('id', '=', l.id)
          .execute();
  }
}

interface LegacyLine {
  id: string;
  quantity: number;
  net: number;
  tax: number;
}

/** Largest-remainder split of `amount` over `weights` (the same arithmetic as @storeloom/money's allocate). */
function split(amount: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const ws = sum > 0 ? weights : weights.map(() => 1);
  const total = ws.reduce((a, b) => a + b, 0);
  const shares = ws.map((w) => Math.floor((amount * w) / total));
  let left = amount - shares.reduce((a, b) => a + b, 0);
  const order = ws.map((w, i) => ({ i, r: (amount * w) % total })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left--;
  }
  return shares;
}

/** Exported for its test (the migration runs it once, right after the columns exist). */
export async function backfill(db: Kysely<any>) {
  const refunds: { id: string; order_id: string; amount: number; created_at: Date }[] = await db
    .selectFrom('payments')
    .select(['id', 'order_id', 'amount', 'created_at'])
    .where('kind', '=', 'refund')
    .where('status', '=', 'succeeded')
    // Idempotent: a refund that has its lines is left alone.
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('refund_lines as rl').select('rl.id').whereRef('rl.refund_id', '=', 'payments.id'))))
    .orderBy('order_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const byOrder = new Map<string, typeof refunds>();
  for (const r of refunds) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), r]);
  for (const [orderId, list] of byOrder) {
    const o = await db
      .selectFrom('orders')
      .select(['total', 'shipping', 'tax', 'tax_included', 'shipping_refunded'])
      .where('id', '=', orderId)
      .executeTakeFirst();
    if (!o) continue;
    const shippingDiscount = Number(
      (
        await db
          .selectFrom('order_discount_allocations')
          .select(sql<string>`coalesce(sum(amount), 0)`.as('s'))
          .where('order_id', '=', orderId)
          .where('order_line_id', 'is', null)
          .executeTakeFirst()
      )?.s ?? 0,
    );
    const rows: { id: string; quantity: number; total: number; discount_total: number; tax: number; refunded_quantity: number; refunded_amount: number }[] =
      await db
        .selectFrom('order_lines')
        .select(['id', 'quantity', 'total', 'discount_total', 'tax', 'refunded_quantity', 'refunded_amount'])
        .where('order_id', '=', orderId)
        .orderBy('position')
        .execute();
    const lines: LegacyLine[] = rows.map((l) => ({
      id: l.id,
      quantity: l.quantity,
      net: l.total - l.discount_total + (o.tax_included ? 0 : l.tax),
      tax: l.tax,
    }));
    // Shipping as paid: less its discounts, plus its tax when tax is added on top (the order's tax beyond its lines').
    const shippingTax = o.tax_included ? 0 : Math.max(0, o.tax - rows.reduce((n, l) => n + l.tax, 0));
    const shippingNet = Math.max(0, o.shipping - shippingDiscount + shippingTax);
    // What is still refundable per part, so a part never gets more than it was paid.
    const leftOf = [...rows.map((l, i) => Math.max(0, (lines[i]?.net ?? 0) - l.refunded_amount)), Math.max(0, shippingNet - o.shipping_refunded)];
    const qtyLeft = rows.map((l) => l.quantity - l.refunded_quantity);
    let refundedSoFar = 0;
    for (const r of list) {
      refundedSoFar += r.amount;
      const fits = Math.min(
        r.amount,
        leftOf.reduce((a, b) => a + b, 0),
      );
      const shares = split(fits, leftOf);
      const full = refundedSoFar >= o.total;
      const values: Record<string, unknown>[] = [];
      lines.forEach((l, i) => {
        const amount = shares[i] ?? 0;
        const quantity = full ? (qtyLeft[i] ?? 0) : 0;
        if (amount === 0 && quantity === 0) return;
        leftOf[i] = (leftOf[i] ?? 0) - amount;
        qtyLeft[i] = (qtyLeft[i] ?? 0) - quantity;
        values.push({
          id: crypto.randomUUID(),
          refund_id: r.id,
          order_id: orderId,
          order_line_id: l.id,
          kind: 'line',
          quantity,
          amount,
          tax: l.net > 0 ? Math.floor((l.tax * amount) / l.net) : 0,
          created_at: r.created_at,
        });
      });
      const shipping = shares[lines.length] ?? 0;
      leftOf[lines.length] = (leftOf[lines.length] ?? 0) - shipping;
      if (shipping > 0)
        values.push({
          id: crypto.randomUUID(),
          refund_id: r.id,
          order_id: orderId,
          order_line_id: null,
          kind: 'shipping',
          amount: shipping,
          created_at: r.created_at,
        });
      // Anything beyond what lines and shipping were paid (a manual overpayment refund) is an adjustment.
      if (r.amount > fits)
        values.push({
          id: crypto.randomUUID(),
          refund_id: r.id,
          order_id: orderId,
          order_line_id: null,
          kind: 'adjustment',
          amount: r.amount - fits,
          created_at: r.created_at,
        });
      if (values.length) await db.insertInto('refund_lines').values(values).execute();
    }
    for (const [i, l] of lines.entries()) {
      const returned = l.quantity - (qtyLeft[i] ?? 0) - (rows[i]?.refunded_quantity ?? 0);
      if (returned > 0) {
        // The planner already counted these units as sold: take them back out of its daily sales.
        const sale = await db
          .updateTable('variant_sale_lines')
          .set({ returned_units: sql`returned_units + ${returned}` })
          .where('order_line_id', '=', l.id)
          .where(sql<boolean>`returned_units + ${returned} <= units`)
          .returning(['variant_id', 'unit_price', sql<string>`(sold_at at time zone 'UTC')::date::text`.as('day')])
          .executeTakeFirst();
        if (sale)
          await db
            .updateTable('variant_sales_daily')
            .set({ units: sql`greatest(units - ${returned}, 0)`, revenue: sql`greatest(revenue - ${returned * sale.unit_price}, 0)` })
            .where('variant_id', '=', sale.variant_id)
            .where('day', '=', sale.day)
            .execute();
      }
    }
    for (const [i, l] of lines.entries())
      await db
        .updateTable('order_lines')
        .set({ refunded_quantity: l.quantity - (qtyLeft[i] ?? 0), refunded_amount: l.net - (leftOf[i] ?? 0) })
        .where('id', '=', l.id)
        .execute();
    await db
      .updateTable('orders')
      .set({ shipping_refunded: shippingNet - (leftOf[lines.length] ?? 0) })
      .where('id', '=', orderId)
      .execute();
  }
}
