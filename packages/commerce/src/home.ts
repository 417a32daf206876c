/**
 * The console home's numbers for one store: what is left of the setup guide,
 * today's sales, paid orders waiting to be fulfilled and the variants running
 * low. Four small statements in one read.
 */
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';

export interface StoreHomeSummary {
  setup: { product: boolean; logo: boolean; shipping: boolean; testOrder: boolean };
  today: { sales: number; orders: number; since: Date };
  ordersToFulfil: number;
  lowStock: { productId: string; title: string; variantTitle: string; sku: string | null; quantity: number }[];
}

/** A variant at or below this many units counts as low stock on the home page. */
export const LOW_STOCK_AT = 5;

/** `since`: the start of "today" (the caller picks the day boundary). */
export async function storeHomeSummary(t: Kysely<TenantDatabase>, since: Date): Promise<StoreHomeSummary> {
  const [counts, settings, today, low] = await Promise.all([
    t
      .selectNoFrom((eb) => [
        eb.exists(eb.selectFrom('products').select('id')).as('product'),
        eb.exists(eb.selectFrom('orders').select('id')).as('order'),
        eb
          .selectFrom('orders')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('payment_status', 'in', ['paid', 'partially_refunded'])
          .where('fulfillment_status', '=', 'unfulfilled')
          .where('status', '=', 'open')
          .as('to_fulfil'),
      ])
      .executeTakeFirstOrThrow(),
    t.selectFrom('store_settings').select(['key', 'value']).where('key', 'in', ['theme', 'shipping']).execute(),
    t
      .selectFrom('orders')
      .select([sql<number>`coalesce(sum(total), 0)::bigint`.as('sales'), sql<number>`count(*)::int`.as('orders')])
      .where('payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow(),
    t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .select(['products.id as productId', 'products.title', 'variants.title as variantTitle', 'variants.sku', 'variants.inventory_quantity as quantity'])
      .where('products.status', '=', 'active')
      .where('variants.inventory_quantity', '<=', LOW_STOCK_AT)
      .orderBy('variants.inventory_quantity')
      .orderBy('products.title')
      .limit(5)
      .execute(),
  ]);
  const theme = settings.find((s) => s.key === 'theme')?.value as { logoUrl?: string | null } | undefined;
  return {
    setup: {
      product: Boolean(counts.product),
      logo: Boolean(theme?.logoUrl),
      shipping: settings.some((s) => s.key === 'shipping'),
      testOrder: Boolean(counts.order),
    },
    today: { sales: Number(today.sales), orders: today.orders, since },
    ordersToFulfil: counts.to_fulfil ?? 0,
    lowStock: low,
  };
}
