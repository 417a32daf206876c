/** The inventory page: variants with stock, low-stock threshold and product title; search and a low-stock filter. */
import { isUuid, type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { notFound } from '@storeloom/errors';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.ts';
import type { Page } from './types.ts';

export interface StockRow {
  variantId: string;
  productId: string;
  productTitle: string;
  productStatus: string;
  variantTitle: string;
  sku: string | null;
  inventoryQuantity: number;
  lowStockThreshold: number | null;
  lowStock: boolean;
  imageUrl: string | null;
}

export class StockService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** Ordered by product title, then variant position; keyset cursor. */
  async list(q: { lowStock?: boolean; q?: string; cursor?: string; limit: number }): Promise<Page<StockRow>> {
    let query = this.t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .select([
        'variants.id as variant_id',
        'variants.product_id',
        'products.title as product_title',
        'products.status as product_status',
        'variants.title as variant_title',
        'variants.sku',
        'variants.inventory_quantity',
        'variants.low_stock_threshold',
        'variants.position',
        (eb) =>
          eb.selectFrom('images').select('images.url').whereRef('images.product_id', '=', 'products.id').orderBy('images.position').limit(1).as('image_url'),
      ]);
    if (q.lowStock)
      query = query.where('variants.low_stock_threshold', 'is not', null).whereRef('variants.inventory_quantity', '<=', 'variants.low_stock_threshold');
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) => eb.or([eb('products.title', 'ilike', like), eb('variants.sku', 'ilike', like), eb('variants.title', 'ilike', like)]));
    }
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      let key: unknown;
      try {
        key = typeof c.v === 'string' ? JSON.parse(c.v) : null;
      } catch {
        throw invalidCursor();
      }
      if (!Array.isArray(key) || typeof key[0] !== 'string' || typeof key[1] !== 'string' || !isUuid(key[1]) || typeof key[2] !== 'number')
        throw invalidCursor();
      const [title, productId, position] = key as [string, string, number];
      query = query.where((eb) =>
        eb(eb.refTuple('products.title', 'variants.product_id', 'variants.position', 'variants.id'), '>', eb.tuple(title, productId, position, c.id)),
      );
    }
    const rows = await query
      .orderBy('products.title')
      .orderBy('variants.product_id')
      .orderBy('variants.position')
      .orderBy('variants.id')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => ({
        variantId: r.variant_id,
        productId: r.product_id,
        productTitle: r.product_title,
        productStatus: r.product_status,
        variantTitle: r.variant_title,
        sku: r.sku,
        inventoryQuantity: r.inventory_quantity,
        lowStockThreshold: r.low_stock_threshold,
        lowStock: r.low_stock_threshold !== null && r.inventory_quantity <= r.low_stock_threshold,
        imageUrl: (r.image_url as string | null) ?? null,
      })),
      nextCursor:
        rows.length > q.limit && last ? encodeCursor({ v: JSON.stringify([last.product_title, last.product_id, last.position]), id: last.variant_id }) : null,
    };
  }

  async setThreshold(variantId: string, threshold: number | null): Promise<StockRow> {
    const r = await this.t
      .updateTable('variants')
      .set({ low_stock_threshold: threshold, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', variantId)
      .returning('id')
      .executeTakeFirst();
    if (!r) throw notFound('Variant');
    return (await this.one(variantId)) as StockRow;
  }

  async one(variantId: string): Promise<StockRow | null> {
    const v = await this.t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .select([
        'variants.id',
        'variants.product_id',
        'products.title as product_title',
        'products.status',
        'variants.title',
        'variants.sku',
        'variants.inventory_quantity',
        'variants.low_stock_threshold',
      ])
      .where('variants.id', '=', variantId)
      .executeTakeFirst();
    if (!v) return null;
    const img = await this.t.selectFrom('images').select('url').where('product_id', '=', v.product_id).orderBy('position').limit(1).executeTakeFirst();
    return {
      variantId: v.id,
      productId: v.product_id,
      productTitle: v.product_title,
      productStatus: v.status,
      variantTitle: v.title,
      sku: v.sku,
      inventoryQuantity: v.inventory_quantity,
      lowStockThreshold: v.low_stock_threshold,
      lowStock: v.low_stock_threshold !== null && v.inventory_quantity <= v.low_stock_threshold,
      imageUrl: img?.url ?? null,
    };
  }
}
