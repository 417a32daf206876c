/**
 * Read side of the storefront: product cards in one statement each, only
 * active products. Kept here (not in packages/catalog) because it is shaped
 * for pages: a card is a product's cheapest variant, first image and stock.
 */
import { descriptionToHtml, ProductService } from '@storeloom/catalog';
import { ProductMediaService } from '@storeloom/content';
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Card, ProductData } from './ui/types.ts';

type Eb = ExpressionBuilder<TenantDatabase, 'products'>;

export interface CollectionRef {
  id: string;
  handle: string;
  title: string;
  description: string;
}

export function cardColumns(eb: Eb) {
  return [
    'products.id',
    'products.handle',
    'products.title',
    'products.product_type',
    eb.selectFrom('variants').select(sql<number>`min(price)`.as('m')).whereRef('variants.product_id', '=', 'products.id').as('price'),
    eb
      .selectFrom('variants')
      .select('compare_at_price')
      .whereRef('variants.product_id', '=', 'products.id')
      .orderBy('price')
      .orderBy('position')
      .limit(1)
      .as('compare_at_price'),
    eb
      .selectFrom('variants')
      .select(sql<number>`coalesce(sum(inventory_quantity), 0)::int`.as('s'))
      .whereRef('variants.product_id', '=', 'products.id')
      .as('available'),
    eb.selectFrom('images').select('url').whereRef('images.product_id', '=', 'products.id').orderBy('position').limit(1).as('image_url'),
    eb.selectFrom('images').select('alt').whereRef('images.product_id', '=', 'products.id').orderBy('position').limit(1).as('image_alt'),
  ] as const;
}

type CardRow = {
  id: string;
  handle: string;
  title: string;
  product_type: string | null;
  price: number | null;
  compare_at_price: number | null;
  available: number | null;
  image_url: string | null;
  image_alt: string | null;
};

export const toCard = (r: CardRow): Card => ({
  id: r.id,
  handle: r.handle,
  title: r.title,
  price: r.price ?? 0,
  compareAtPrice: r.compare_at_price,
  imageUrl: r.image_url,
  imageAlt: r.image_alt,
  available: r.available ?? 0,
  productType: r.product_type,
});

export class StorefrontCatalog {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  cardsQuery(): SelectQueryBuilder<TenantDatabase, 'products', CardRow> {
    return this.t
      .selectFrom('products')
      .select((eb) => cardColumns(eb) as never)
      .where('products.status', '=', 'active') as never;
  }

  async newest(limit: number, excludeIds: string[] = []): Promise<Card[]> {
    let q = this.cardsQuery();
    if (excludeIds.length) q = q.where('products.id', 'not in', excludeIds);
    return (await q.orderBy('products.id', 'desc').limit(limit).execute()).map(toCard);
  }

  async inCollection(collectionId: string, limit: number, offset = 0): Promise<Card[]> {
    const rows = await this.cardsQuery()
      .innerJoin('collection_products as cp', 'cp.product_id', 'products.id')
      .where('cp.collection_id', '=', collectionId)
      .orderBy('cp.position')
      .orderBy('products.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toCard);
  }

  /** Cards of the given products that are active, in the given order. */
  async byIds(ids: string[]): Promise<Card[]> {
    if (!ids.length) return [];
    const rows = (await this.cardsQuery().where('products.id', 'in', ids).execute()).map(toCard);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Featured collections' first products, all in one statement. */
  async featured(collections: CollectionRef[], perCollection: number): Promise<Map<string, Card[]>> {
    const out = new Map<string, Card[]>(collections.map((c) => [c.id, []]));
    if (!collections.length) return out;
    const rows = await this.t
      .selectFrom((db) =>
        db
          .selectFrom('products')
          .innerJoin('collection_products as cp', 'cp.product_id', 'products.id')
          .select((eb) => [
            ...(cardColumns(eb as never) as never as []),
            'cp.collection_id',
            sql<number>`row_number() over (partition by cp.collection_id order by cp.position, products.id desc)`.as('rn'),
          ])
          .where('products.status', '=', 'active')
          .where(
            'cp.collection_id',
            'in',
            collections.map((c) => c.id),
          )
          .as('x'),
      )
      .selectAll()
      .where('x.rn', '<=', perCollection)
      .execute();
    for (const r of rows as unknown as (CardRow & { collection_id: string })[]) out.get(r.collection_id)?.push(toCard(r));
    return out;
  }

  async collections(limit = 200): Promise<CollectionRef[]> {
    return this.t.selectFrom('collections').select(['id', 'handle', 'title', 'description']).orderBy('created_at').limit(limit).execute();
  }

  async product(
    handle: string,
    opts: { mayHaveModels?: (productId: string) => boolean } = {},
  ): Promise<(ProductData & { description: string; collectionIds: string[]; seoTitle: string | null; seoDescription: string | null; updatedAt: Date }) | null> {
    const p = await new ProductService(this.t).getByHandle(handle);
    if (p?.status !== 'active') return null;
    // Only products known to have a model (the tenant cache's list) cost the lookup.
    const models = opts.mayHaveModels?.(p.id) === false ? [] : await new ProductMediaService(this.t).forProductPage(p.id);
    return {
      id: p.id,
      handle: p.handle,
      title: p.title,
      description: p.description,
      descriptionHtml: descriptionToHtml(p.description),
      vendor: p.vendor,
      productType: p.productType,
      options: p.options,
      variants: p.variants.map((v) => ({
        id: v.id,
        title: v.title,
        options: v.options,
        price: v.price,
        compareAtPrice: v.compareAtPrice,
        available: v.inventoryQuantity,
        sku: v.sku,
        imageUrl: v.imageUrl,
      })),
      images: p.images.map((i) => ({ url: i.url, alt: i.alt })),
      models,
      ...(p.giftCard ? { giftCard: true } : {}),
      collectionIds: p.collectionIds,
      seoTitle: p.seoTitle,
      seoDescription: p.seoDescription,
      updatedAt: p.updatedAt,
    };
  }

  async sitemapEntries(): Promise<{ products: { handle: string; updated_at: Date }[]; collections: { handle: string; updated_at: Date }[] }> {
    const [products, collections] = await Promise.all([
      this.t.selectFrom('products').select(['handle', 'updated_at']).where('status', '=', 'active').orderBy('id').limit(50_000).execute(),
      this.t.selectFrom('collections').select(['handle', 'updated_at']).orderBy('id').limit(5_000).execute(),
    ]);
    return { products, collections };
  }
}
