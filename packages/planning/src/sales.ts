/**
 * Daily sales per variant, the input of both the pricing policy and the
 * demand forecast. `recordSale` is called once an order is paid, once per
 * order line; the order line id is a unique key, so a retried or replayed
 * call counts the units once. `returnSoldUnits` takes refunded units back out.
 */
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';

export interface SaleInput {
  orderLineId: string;
  variantId: string;
  units: number;
  /** Unit price the shopper paid (the price shown), integer minor units. */
  unitPrice: number;
  at: Date;
}

/** UTC calendar day of an instant, YYYY-MM-DD. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

function checkSale(sale: SaleInput) {
  const { orderLineId, units, unitPrice, at } = sale;
  if (!orderLineId || orderLineId.length > 200) throw new AppError(ErrorCode.ValidationFailed, 'orderLineId: 1 to 200 characters');
  if (!Number.isSafeInteger(units) || units <= 0) throw new AppError(ErrorCode.ValidationFailed, 'units: must be a positive integer');
  if (!Number.isSafeInteger(unitPrice) || unitPrice < 0) throw new AppError(ErrorCode.ValidationFailed, 'unitPrice: must be a non-negative integer');
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new AppError(ErrorCode.ValidationFailed, 'at: must be a valid date');
}

/** Returns true when the line was new, false when it had been recorded already. */
export async function recordSale(t: Kysely<TenantDatabase>, sale: SaleInput): Promise<boolean> {
  checkSale(sale);
  return t.isTransaction ? recordSaleIn(t, sale) : t.transaction().execute((trx) => recordSaleIn(trx, sale));
}

async function recordSaleIn(trx: Kysely<TenantDatabase>, sale: SaleInput): Promise<boolean> {
  const { orderLineId, variantId, units, unitPrice, at } = sale;
  const inserted = await trx
    .insertInto('variant_sale_lines')
    .values({ order_line_id: orderLineId, variant_id: variantId, units, unit_price: unitPrice, sold_at: at, created_at: new Date() })
    .onConflict((oc) => oc.column('order_line_id').doNothing())
    .returning('order_line_id')
    .executeTakeFirst();
  if (!inserted) return false;
  const revenue = units * unitPrice;
  await trx
    .insertInto('variant_sales_daily')
    .values({ variant_id: variantId, day: utcDay(at), units, revenue, avg_price_shown: unitPrice })
    .onConflict((oc) =>
      oc.columns(['variant_id', 'day']).doUpdateSet({
        units: sql`variant_sales_daily.units + excluded.units`,
        revenue: sql`variant_sales_daily.revenue + excluded.revenue`,
        avg_price_shown: sql`round((variant_sales_daily.revenue + excluded.revenue)::numeric / (variant_sales_daily.units + excluded.units))::int`,
      }),
    )
    .execute();
  return true;
}

/**
 * Refunded units are not demand. Runs in the refund's transaction: the sale is
 * recorded first when the order-paid job has not done it yet (its insert then
 * finds the line and does nothing, so the units are never counted back in),
 * then `units` come off the sale line and off the daily sales of the day it was
 * sold, so forecasts and the pricing policy see net sales. Returns the units
 * taken off (0 when the line had nothing left to return).
 */
export async function returnSoldUnits(trx: Kysely<TenantDatabase>, sale: SaleInput, returned: number): Promise<number> {
  checkSale(sale);
  if (!Number.isSafeInteger(returned) || returned <= 0) throw new AppError(ErrorCode.ValidationFailed, 'returned: must be a positive integer');
  await recordSaleIn(trx, sale);
  const line = await trx
    .selectFrom('variant_sale_lines')
    .select(['variant_id', 'unit_price', 'sold_at', 'units', 'returned_units'])
    .where('order_line_id', '=', sale.orderLineId)
    .forUpdate()
    .executeTakeFirst();
  if (!line) return 0;
  const n = Math.min(returned, line.units - line.returned_units);
  if (n <= 0) return 0;
  await trx
    .updateTable('variant_sale_lines')
    .set({ returned_units: line.returned_units + n })
    .where('order_line_id', '=', sale.orderLineId)
    .execute();
  await trx
    .updateTable('variant_sales_daily')
    .set({ units: sql`greatest(units - ${n}, 0)`, revenue: sql`greatest(revenue - ${n * line.unit_price}, 0)` })
    .where('variant_id', '=', line.variant_id)
    .where('day', '=', utcDay(new Date(line.sold_at)))
    .execute();
  return n;
}

export interface DailySales {
  day: string;
  units: number;
  revenue: number;
  avgPriceShown: number;
}

/** Daily sales of some variants from `fromDay` (inclusive) to `toDay` (exclusive), oldest first. */
export async function dailySales(t: Kysely<TenantDatabase>, variantIds: string[], fromDay: string, toDay: string): Promise<Map<string, DailySales[]>> {
  const out = new Map<string, DailySales[]>();
  if (variantIds.length === 0) return out;
  const rows = await t
    .selectFrom('variant_sales_daily')
    .select(['variant_id', sql<string>`day::text`.as('day'), 'units', 'revenue', 'avg_price_shown'])
    .where('variant_id', 'in', variantIds)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .orderBy('day')
    .execute();
  for (const r of rows) {
    const list = out.get(r.variant_id) ?? [];
    list.push({ day: r.day, units: r.units, revenue: Number(r.revenue), avgPriceShown: r.avg_price_shown });
    out.set(r.variant_id, list);
  }
  return out;
}
