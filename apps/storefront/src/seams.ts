/**
 * The two seams later issues fill (contracts §4). The storefront only talks
 * to these interfaces; the fallbacks below are what ships until then.
 */
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { type CollectionRef, StorefrontCatalog, toCard } from './catalog.ts';
import type { Card } from './ui/types.ts';

export interface RecommendationSource {
  /** "Customers also bought" on a product page. */
  alsoBought(productId: string, limit: number): Promise<Card[]>;
  /** Add-ons on the cart page. */
  forCart(productIds: string[], limit: number): Promise<Card[]>;
  /** Home page picks; signals are what the session viewed or bought. */
  forHome(sessionSignals: { viewedProductIds: string[] }, limit: number): Promise<Card[]>;
}

export interface SearchFilters {
  collection?: CollectionRef | null;
  inStock?: boolean;
  sort?: 'relevance' | 'price-asc' | 'price-desc';
}

export interface SearchResult {
  items: Card[];
  total: number;
  facets: { collections: { handle: string; title: string; count: number }[] };
  nextCursor: string | null;
  /** The query the engine searched instead when it corrected a typo ("Showing results for …"); null when none. */
  corrected?: string | null;
}

export interface ProductSearch {
  /**
   * `record`: log the query for the store's search analytics (only with the shopper's analytics consent);
   * `locale`: the page language (its analysis and the products' translated text);
   * `exact`: the words as typed, no typo correction ("Search instead for …").
   */
  search(query: string, filters: SearchFilters, cursor: string | null, opts?: { record?: boolean; locale?: string; exact?: boolean }): Promise<SearchResult>;
}

/** Same-collection products, topped up with the newest ones. */
export class FallbackRecommendations implements RecommendationSource {
  private readonly catalog: StorefrontCatalog;
  constructor(t: Kysely<TenantDatabase>) {
    this.catalog = new StorefrontCatalog(t);
  }

  private async sameCollection(productIds: string[], limit: number): Promise<Card[]> {
    if (!productIds.length) return [];
    const rows = await this.catalog
      .cardsQuery()
      .where('products.id', 'not in', productIds)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('collection_products as mine')
            .innerJoin('collection_products as theirs', 'theirs.collection_id', 'mine.collection_id')
            .select('mine.product_id')
            .where('mine.product_id', 'in', productIds)
            .whereRef('theirs.product_id', '=', 'products.id'),
        ),
      )
      .orderBy('products.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toCard);
  }

  private async topUp(cards: Card[], exclude: string[], limit: number): Promise<Card[]> {
    if (cards.length >= limit) return cards;
    const more = await this.catalog.newest(limit - cards.length, [...exclude, ...cards.map((c) => c.id)]);
    return [...cards, ...more];
  }

  async alsoBought(productId: string, limit: number) {
    return this.topUp(await this.sameCollection([productId], limit), [productId], limit);
  }
  async forCart(productIds: string[], limit: number) {
    return this.topUp(await this.sameCollection(productIds, limit), productIds, limit);
  }
  async forHome(_signals: { viewedProductIds: string[] }, limit: number) {
    return this.catalog.newest(limit);
  }
}

const PAGE = 24;

/** Title / type / vendor / tag / SKU ILIKE; the search issue's engine replaces it. */
export class SimpleProductSearch implements ProductSearch {
  private readonly catalog: StorefrontCatalog;
  constructor(private readonly t: Kysely<TenantDatabase>) {
    this.catalog = new StorefrontCatalog(t);
  }

  async search(query: string, filters: SearchFilters, cursor: string | null): Promise<SearchResult> {
    const offset = cursor && /^\d{1,6}$/.test(cursor) ? Number(cursor) : 0;
    const words = query.trim().split(/\s+/).filter(Boolean).slice(0, 8);
    const base = () => {
      let q = this.catalog.cardsQuery();
      for (const w of words) {
        const like = `%${w.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
        q = q.where((eb) =>
          eb.or([
            eb('products.title', 'ilike', like),
            eb('products.product_type', 'ilike', like),
            eb('products.vendor', 'ilike', like),
            sql<boolean>`array_to_string(products.tags, ' ') ilike ${like}`,
            eb.exists(eb.selectFrom('variants').select('variants.id').whereRef('variants.product_id', '=', 'products.id').where('variants.sku', 'ilike', like)),
          ]),
        );
      }
      if (filters.inStock)
        q = q.where((eb) =>
          eb.exists(eb.selectFrom('variants').select('variants.id').whereRef('variants.product_id', '=', 'products.id').where('inventory_quantity', '>', 0)),
        );
      return q;
    };
    let q = base();
    if (filters.collection) {
      const cid = filters.collection.id;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('collection_products')
            .select('product_id')
            .whereRef('collection_products.product_id', '=', 'products.id')
            .where('collection_id', '=', cid),
        ),
      );
    }
    const ordered =
      filters.sort === 'price-asc'
        ? q.orderBy(sql`2`).orderBy('products.id', 'desc')
        : filters.sort === 'price-desc'
          ? q.orderBy(sql`2 desc`).orderBy('products.id', 'desc')
          : q.orderBy('products.id', 'desc');
    // Ordering by the card's price column: wrap so "price" is addressable.
    const [rows, facetRows] = await Promise.all([
      this.t
        .selectFrom(ordered.clearOrderBy().as('c'))
        .selectAll()
        .select(sql<number>`count(*) over ()`.as('total'))
        .$call((x) =>
          filters.sort === 'price-asc'
            ? x.orderBy('c.price').orderBy('c.id', 'desc')
            : filters.sort === 'price-desc'
              ? x.orderBy('c.price', 'desc').orderBy('c.id', 'desc')
              : x.orderBy('c.id', 'desc'),
        )
        .limit(PAGE + 1)
        .offset(offset)
        .execute(),
      this.t
        .selectFrom('collections as col')
        .innerJoin('collection_products as cp', 'cp.collection_id', 'col.id')
        .select(['col.handle', 'col.title', sql<number>`count(*)::int`.as('count')])
        .where('cp.product_id', 'in', base().clearSelect().select('products.id'))
        .groupBy(['col.handle', 'col.title'])
        .orderBy('col.title')
        .execute(),
    ]);
    const page = rows.slice(0, PAGE);
    return {
      items: page.map((r) => toCard(r as never)),
      total: Number((rows[0] as { total?: number } | undefined)?.total ?? 0),
      facets: { collections: facetRows },
      nextCursor: rows.length > PAGE ? String(offset + PAGE) : null,
    };
  }
}
