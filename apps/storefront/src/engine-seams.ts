/**
 * The storefront seams (`ProductSearch`, `RecommendationSource`) answered by
 * the real engines: the store's search index and its trained recommender.
 * Both engines return product ids; the cards are loaded in one query so the
 * page always shows current prices, stock and images.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { createRecommendationSource, type RecommendationSource as ModelSource, RecommendationService } from '@storeloom/reco/store';
import type { SearchSort, StoreSearchService } from '@storeloom/store-search';
import { StorefrontCatalog, toCard } from './catalog.ts';
import { FallbackRecommendations, type ProductSearch, SimpleProductSearch, type RecommendationSource, type SearchFilters, type SearchResult } from './seams.ts';
import type { Tenant } from './tenant.ts';
import type { Card } from './ui/types.ts';

const PAGE = 24;
const SORTS: Record<NonNullable<SearchFilters['sort']>, SearchSort> = { relevance: 'relevance', 'price-asc': 'price_asc', 'price-desc': 'price_desc' };

/** Active products' cards in the order of `ids` (unknown or unpublished ids drop out). */
async function cardsInOrder(catalog: StorefrontCatalog, ids: readonly string[]): Promise<Card[]> {
  if (!ids.length) return [];
  const rows = await catalog
    .cardsQuery()
    .where('products.id', 'in', [...new Set(ids)])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, toCard(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export class EngineProductSearch implements ProductSearch {
  private readonly catalog: StorefrontCatalog;
  constructor(
    private readonly tenant: Tenant,
    private readonly engine: StoreSearchService,
  ) {
    this.catalog = new StorefrontCatalog(tenant.t);
  }

  async search(
    query: string,
    filters: SearchFilters,
    cursor: string | null,
    opts: { record?: boolean; locale?: string; exact?: boolean } = {},
  ): Promise<SearchResult> {
    // A store whose index the worker has not built yet (new store, no worker running) still gets answers.
    if ((await this.engine.cache.get(this.tenant.store.schema_name)).docs.size === 0)
      return new SimpleProductSearch(this.tenant.t).search(query, filters, cursor);
    const out = await this.engine.search(
      { id: this.tenant.store.id, schema: this.tenant.store.schema_name },
      {
        q: query,
        filters: {
          ...(filters.collection ? { collection: [filters.collection.id] } : {}),
          ...(filters.inStock ? { inStock: true } : {}),
        },
        sort: SORTS[filters.sort ?? 'relevance'],
        limit: PAGE,
        facets: true,
        ...(cursor ? { cursor } : {}),
        ...(opts.locale ? { locale: opts.locale } : {}),
        ...(opts.exact ? { exact: true } : {}),
      },
      { record: opts.record ?? false },
    );
    // The page links collections by handle; the engine counts them by id.
    const known = new Map(this.tenant.collections.map((c) => [c.id, c]));
    const collections = (out.facets?.collection ?? []).flatMap((f) => {
      const c = known.get(f.value);
      return c ? [{ handle: c.handle, title: c.title, count: f.count }] : [];
    });
    collections.sort((a, b) => a.title.localeCompare(b.title));
    return {
      items: await cardsInOrder(
        this.catalog,
        out.hits.map((h) => h.productId),
      ),
      total: out.total,
      facets: { collections },
      nextCursor: out.nextCursor,
      // Only a correction that found something is "showing results for" it.
      corrected: !opts.exact && out.total > 0 ? out.didYouMean : null,
    };
  }
}

/**
 * The trained model's picks as cards; a slot is topped up with the newest
 * products when some picks are no longer active. A store without a model gets
 * the same picks the model source would fall back to (same collection, then
 * newest), built as cards directly, which saves a product page a statement.
 */
export class ModelRecommendations implements RecommendationSource {
  private readonly catalog: StorefrontCatalog;
  private readonly model: ModelSource;
  private readonly serving: RecommendationService;
  private readonly untrained: FallbackRecommendations;
  constructor(t: Kysely<TenantDatabase>, schemaName: string) {
    this.catalog = new StorefrontCatalog(t);
    this.model = createRecommendationSource(t, schemaName);
    // Same cache key as the model source, so the active-version lookup is shared (and cached).
    this.serving = new RecommendationService(t, schemaName);
    this.untrained = new FallbackRecommendations(t);
  }

  private async trained(): Promise<boolean> {
    return (await this.serving.activeVersion()) !== null;
  }

  private async cards(ids: string[], exclude: string[], limit: number): Promise<Card[]> {
    const cards = (await cardsInOrder(this.catalog, ids)).slice(0, limit);
    if (cards.length >= limit) return cards;
    return [...cards, ...(await this.catalog.newest(limit - cards.length, [...exclude, ...cards.map((c) => c.id)]))];
  }

  async alsoBought(productId: string, limit: number) {
    if (!(await this.trained())) return this.untrained.alsoBought(productId, limit);
    return this.cards(await this.model.alsoBought(productId, limit), [productId], limit);
  }
  async forCart(productIds: string[], limit: number) {
    if (!(await this.trained())) return this.untrained.forCart(productIds, limit);
    return this.cards(await this.model.forCart(productIds, limit), productIds, limit);
  }
  /** Server-rendered home pages are shared (page cache), so they get the store-wide picks, not a shopper's. */
  async forHome(signals: { viewedProductIds: string[] }, limit: number) {
    if (!(await this.trained())) return this.untrained.forHome(signals, limit);
    return this.cards(await this.model.forHome({}, limit), [], limit);
  }
}
