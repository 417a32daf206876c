/**
 * Request-time recommendations: reads the active model's precomputed lists
 * and blends them with the shopper's recent session signals. No model work
 * happens here; a request is a handful of indexed reads.
 */
import { type Kysely, type RecoListEntry, sql, type TenantDatabase } from '@storeloom/db';
import { type RatingSignal, withReviewPrior } from '../quality.ts';
import { type Actor, RecoEventService } from './events.ts';

export type Slot = 'product' | 'cart' | 'home';

export interface RecommendRequest extends Actor {
  slot: Slot;
  productId?: string | null;
  productIds?: readonly string[];
  limit: number;
  /** Home slot: only products the shopper never bought ("discover"). */
  fresh?: boolean;
  now?: Date;
}

export interface Recommendation {
  productId: string;
  score: number;
  source: string;
}

export interface RecommendResult {
  modelVersion: number | null;
  items: Recommendation[];
}

/** Products bought within this many days are not shown again on "for you" unless they are repeat items. */
export const JUST_BOUGHT_DAYS = 30;

const versionCache = new Map<string, { version: number | null; at: number }>();
const VERSION_TTL_MS = 5000;

/** Forget cached active versions (tests, and right after a training switches one). */
export function clearActiveVersionCache(cacheKey?: string): void {
  if (cacheKey) versionCache.delete(cacheKey);
  else versionCache.clear();
}

export class RecommendationService {
  /** @param cacheKey identifies the store (its schema name) for the active-version cache. */
  constructor(
    private readonly db: Kysely<TenantDatabase>,
    private readonly cacheKey: string,
  ) {}

  /** Merchant preview: recommendation entries with the product's title, status and first image. */
  async describe(entries: readonly { p: string; s: number; src: string }[]) {
    const ids = entries.map((e) => e.p);
    const rows = ids.length
      ? await this.db
          .selectFrom('products')
          .select((eb) => [
            'id',
            'title',
            'status',
            eb.selectFrom('images').select('images.url').whereRef('images.product_id', '=', 'products.id').orderBy('images.position').limit(1).as('image'),
          ])
          .where('id', 'in', ids)
          .execute()
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return entries.map((e) => {
      const row = byId.get(e.p);
      return { productId: e.p, title: row?.title ?? null, status: row?.status ?? null, image: row?.image ?? null, score: e.s, source: e.src };
    });
  }

  async productExists(productId: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('products').select('id').where('id', '=', productId).executeTakeFirst());
  }

  /** Merchant preview: some customers the model version has lists for. */
  async customersWithLists(version: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('reco_customer_recs')
      .select('customer_id')
      .where('version', '=', version)
      .orderBy('customer_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.customer_id);
  }

  async trainingInProgress(): Promise<boolean> {
    return Boolean(await this.db.selectFrom('reco_models').select('version').where('status', '=', 'running').executeTakeFirst());
  }

  async activeVersion(): Promise<number | null> {
    const hit = versionCache.get(this.cacheKey);
    if (hit && Date.now() - hit.at < VERSION_TTL_MS) return hit.version;
    const row = await this.db.selectFrom('reco_active_model').select('version').executeTakeFirst();
    const version = row?.version ?? null;
    if (versionCache.size > 10_000) versionCache.clear();
    versionCache.set(this.cacheKey, { version, at: Date.now() });
    return version;
  }

  async recommend(req: RecommendRequest): Promise<RecommendResult> {
    const limit = Math.max(1, Math.min(req.limit, 50));
    const version = await this.activeVersion();
    const anchors =
      req.slot === 'product' ? (req.productId ? [req.productId] : []) : req.slot === 'cart' ? [...new Set(req.productIds ?? [])].slice(0, 20) : [];
    const signals =
      req.customerId || req.sessionId
        ? await new RecoEventService(this.db).recentSignals(req, { limit: 5, purchaseDays: JUST_BOUGHT_DAYS, ...(req.now ? { now: req.now } : {}) })
        : { recent: [], bought: new Map<string, Date>() };
    const exclude = new Set<string>(anchors);
    if (req.slot === 'cart' || req.slot === 'home') for (const r of signals.recent) if (r.kind === 'add_to_cart') exclude.add(r.productId);

    if (version === null) return { modelVersion: null, items: await this.untrainedFallback(anchors, exclude, limit) };

    // Weighted lists: the anchors' also-bought lists, the shopper's own list, and lists of what they looked at lately.
    const recentIds = signals.recent.map((r) => r.productId).filter((p) => !anchors.includes(p));
    const wanted = [...new Set([...anchors, ...recentIds])];
    const itemRows = wanted.length
      ? await this.db
          .selectFrom('reco_item_recs')
          .select(['product_id', 'items', 'repeat'])
          .where('version', '=', version)
          .where('product_id', 'in', wanted)
          .execute()
      : [];
    const itemLists = new Map(itemRows.map((r) => [r.product_id, r.items]));
    const lists: { w: number; items: RecoListEntry[] }[] = [];
    for (const a of anchors) {
      const l = itemLists.get(a);
      if (l) lists.push({ w: 1, items: l });
    }
    let customerList: RecoListEntry[] | null = null;
    if (req.slot === 'home' && req.customerId) {
      const row = await this.db
        .selectFrom('reco_customer_recs')
        .select(['items', 'fresh'])
        .where('version', '=', version)
        .where('customer_id', '=', req.customerId)
        .executeTakeFirst();
      if (row) {
        customerList = req.fresh ? row.fresh : row.items;
        lists.push({ w: 1, items: customerList });
      }
    }
    const sessionWeight = req.slot === 'home' ? (customerList ? 0.3 : 1) : 0.2;
    recentIds.forEach((p, k) => {
      const l = itemLists.get(p);
      if (l) lists.push({ w: sessionWeight / (1 + k), items: l });
    });

    if (req.slot === 'home') {
      // "Just bought" is judged now, not at training time: hide recent buys unless the product is re-bought often.
      const bought = [...signals.bought.keys()];
      if (req.fresh) for (const p of bought) exclude.add(p);
      else if (bought.length) {
        const repeat = new Set(
          (
            await this.db
              .selectFrom('reco_item_recs')
              .select('product_id')
              .where('version', '=', version)
              .where('product_id', 'in', bought)
              .where('repeat', '=', true)
              .execute()
          ).map((r) => r.product_id),
        );
        for (const p of bought) if (!repeat.has(p)) exclude.add(p);
      }
    }

    const blended = blend(lists, exclude);
    // Fill with what sells in the anchor's collections, then overall.
    const popular = await this.popularLists(version, anchors);
    const fill: Recommendation[] = [];
    const seen = new Set(blended.map((r) => r.productId));
    for (const l of popular)
      for (const e of l)
        if (!seen.has(e.p) && !exclude.has(e.p)) {
          seen.add(e.p);
          fill.push({ productId: e.p, score: 0, source: 'popular' });
        }
    // Reviews order the model's candidates and, separately, the popularity fill (never one into the other).
    const ratings = await this.ratingSignals([...seen]);
    const ranked = [...withReviewPrior(blended, ratings), ...withReviewPrior(fill, ratings)];
    return { modelVersion: version, items: await this.available(ranked, limit) };
  }

  /**
   * Published reviews' average and count of the candidates (the definition of content's `ReviewService.ratingSignals`,
   * read here for the candidates only): the input of the review prior (quality.ts). Pending and hidden reviews count
   * for nothing.
   */
  async ratingSignals(productIds: readonly string[]): Promise<Map<string, RatingSignal>> {
    if (productIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('reviews')
      .select(['product_id', sql<string>`avg(rating)`.as('avg'), sql<string>`count(*)`.as('n')])
      .where('status', '=', 'published')
      .where('product_id', 'in', [...productIds])
      .groupBy('product_id')
      .execute();
    return new Map(rows.map((r) => [r.product_id, { average: Number(r.avg), count: Number(r.n) }]));
  }

  private async popularLists(version: number, anchors: readonly string[]): Promise<RecoListEntry[][]> {
    const rows = await this.db
      .selectFrom('reco_popular')
      .select(['scope', 'items'])
      .where('version', '=', version)
      .where((eb) =>
        anchors.length
          ? eb.or([
              eb('scope', '=', 'all'),
              eb(
                'scope',
                'in',
                eb
                  .selectFrom('collection_products')
                  .select(sql<string>`collection_id::text`.as('c'))
                  .where('product_id', 'in', [...anchors]),
              ),
            ])
          : eb('scope', '=', 'all'),
      )
      .execute();
    return rows.sort((a, b) => (a.scope === 'all' ? 1 : 0) - (b.scope === 'all' ? 1 : 0)).map((r) => r.items);
  }

  /** Keeps, in order, products that are active and in stock now (the model may be a day old). */
  private async available(ranked: readonly Recommendation[], limit: number): Promise<Recommendation[]> {
    const out: Recommendation[] = [];
    for (let k = 0; k < ranked.length && out.length < limit; k += limit * 3) {
      const chunk = ranked.slice(k, k + limit * 3);
      const ok = new Set(
        (
          await this.db
            .selectFrom('products as p')
            .select('p.id')
            .where(
              'p.id',
              'in',
              chunk.map((r) => r.productId),
            )
            .where('p.status', '=', 'active')
            .where((eb) => eb.exists(eb.selectFrom('variants as v').select('v.id').whereRef('v.product_id', '=', 'p.id').where('v.inventory_quantity', '>', 0)))
            .execute()
        ).map((r) => r.id),
      );
      for (const r of chunk) if (ok.has(r.productId) && out.length < limit) out.push(r);
    }
    return out;
  }

  /** No model yet (new store): products from the anchors' collections, then the newest products. */
  private async untrainedFallback(anchors: readonly string[], exclude: ReadonlySet<string>, limit: number): Promise<Recommendation[]> {
    const ranked: Recommendation[] = [];
    if (anchors.length) {
      const same = await this.db
        .selectFrom('collection_products as cp')
        .innerJoin('products as p', 'p.id', 'cp.product_id')
        .select('p.id')
        .where('cp.collection_id', 'in', (eb) =>
          eb
            .selectFrom('collection_products')
            .select('collection_id')
            .where('product_id', 'in', [...anchors]),
        )
        .where('p.status', '=', 'active')
        .orderBy('p.created_at', 'desc')
        .limit(limit * 3)
        .execute();
      for (const r of same) ranked.push({ productId: r.id, score: 0, source: 'collection' });
    }
    const newest = await this.db
      .selectFrom('products')
      .select('id')
      .where('status', '=', 'active')
      .orderBy('created_at', 'desc')
      .limit(limit * 3)
      .execute();
    for (const r of newest) ranked.push({ productId: r.id, score: 0, source: 'newest' });
    const seen = new Set<string>();
    const unique = ranked.filter((r) => {
      if (exclude.has(r.productId) || seen.has(r.productId)) return false;
      seen.add(r.productId);
      return true;
    });
    // Reviews order the collection's products and, separately, the newest (never one into the other).
    const ratings = await this.ratingSignals([...seen]);
    const bySource = (src: string) =>
      withReviewPrior(
        unique.filter((r) => r.source === src),
        ratings,
      );
    return this.available([...bySource('collection'), ...bySource('newest')], limit);
  }

  /** Merchant preview: the product's stored also-bought list (unfiltered) under the active model. */
  async itemList(productId: string): Promise<{ modelVersion: number | null; items: RecoListEntry[] }> {
    const version = await this.activeVersion();
    if (version === null) return { modelVersion: null, items: [] };
    const row = await this.db
      .selectFrom('reco_item_recs')
      .select('items')
      .where('version', '=', version)
      .where('product_id', '=', productId)
      .executeTakeFirst();
    return { modelVersion: version, items: row?.items ?? [] };
  }

  async customerLists(customerId: string): Promise<{ modelVersion: number | null; items: RecoListEntry[]; fresh: RecoListEntry[] }> {
    const version = await this.activeVersion();
    if (version === null) return { modelVersion: null, items: [], fresh: [] };
    const row = await this.db
      .selectFrom('reco_customer_recs')
      .select(['items', 'fresh'])
      .where('version', '=', version)
      .where('customer_id', '=', customerId)
      .executeTakeFirst();
    return { modelVersion: version, items: row?.items ?? [], fresh: row?.fresh ?? [] };
  }

  async runs(limit = 20) {
    const rows = await this.db.selectFrom('reco_models').selectAll().orderBy('version', 'desc').limit(limit).execute();
    const active = await this.db.selectFrom('reco_active_model').select('version').executeTakeFirst();
    return rows.map((r) => ({ ...r, active: r.version === active?.version }));
  }
}

/** Sum of max-normalised, weighted lists; each product keeps the source of its largest contribution. */
export function blend(lists: readonly { w: number; items: readonly RecoListEntry[] }[], exclude: ReadonlySet<string>): Recommendation[] {
  const acc = new Map<string, { score: number; best: number; source: string }>();
  for (const l of lists) {
    const top = l.items.reduce((m, e) => Math.max(m, e.s), 0);
    const n = l.items.length;
    l.items.forEach((e, rank) => {
      if (exclude.has(e.p)) return;
      // Lists with zero scores (pure fallbacks) still carry their order.
      const v = l.w * (top > 0 ? Math.max(0, e.s) / top : (n - rank) / n);
      const cur = acc.get(e.p);
      if (!cur) acc.set(e.p, { score: v, best: v, source: e.src });
      else {
        cur.score += v;
        if (v > cur.best) {
          cur.best = v;
          cur.source = e.src;
        }
      }
    });
  }
  return [...acc.entries()]
    .map(([productId, a]) => ({ productId, score: Math.round(a.score * 1e4) / 1e4, source: a.source }))
    .sort((a, b) => b.score - a.score || (a.productId < b.productId ? -1 : 1));
}
