/**
 * One search over a loaded store index: plan + BM25F/rerank from the search
 * core, then merchant pins and boosts, filters, disjunctive facet counts,
 * sort and offset cursors. Pure (no I/O), so both the storefront and the
 * merchant API use it and tests drive it directly.
 */
import { AppError, ErrorCode } from '@storeloom/errors';
import type { PlanMatches, QueryPlan, ScoreParts } from '@storeloom/search';
import { topK } from '@storeloom/collections';
import { DEFAULT_BM25F, DEFAULT_RERANK, executePlan } from '@storeloom/search';
import { type Dictionary, DocTable, PRICE_BUCKETS } from './doc-table.ts';
import { type LoadedIndex, normaliseQuery } from './cache.ts';
import { pickTranslation } from './documents.ts';
import type { IndexedDoc } from './tables.ts';

export type SearchSort = 'relevance' | 'price_asc' | 'price_desc' | 'newest';

export interface SearchFilters {
  vendor?: string[];
  productType?: string[];
  tag?: string[];
  collection?: string[];
  /** "name:value", e.g. "size:M" (name case-insensitive). */
  option?: string[];
  priceMin?: number;
  priceMax?: number;
  inStock?: boolean;
}

export interface SearchRequest {
  q: string;
  filters?: SearchFilters;
  sort?: SearchSort;
  limit?: number;
  cursor?: string;
  explain?: boolean;
  /**
   * The shopper's locale ("de", "zh-CN"): the query runs on that locale's index (its language's analysis over the
   * translated text) when the store has translations in it; absent or untranslated: the default index.
   */
  locale?: string;
  /** Plan the last word as a prefix (autocomplete). */
  prefix?: boolean;
  /** The words as typed: no typo corrections or word splits ("Search instead for …" after a correction). */
  exact?: boolean;
  facets?: boolean;
  /** Second-stage features for at most this many stage-1 matches (default 1,000; autocomplete uses fewer). */
  rerankTopK?: number;
}

export interface FacetValue {
  value: string;
  label?: string;
  count: number;
}

export interface PriceRange {
  min: number;
  max: number | null;
  count: number;
}

export interface Facets {
  collection: FacetValue[];
  vendor: FacetValue[];
  productType: FacetValue[];
  tag: FacetValue[];
  option: Record<string, FacetValue[]>;
  price: PriceRange[];
  inStock: number;
}

export interface SearchHitView {
  productId: string;
  handle: string;
  title: string;
  vendor: string | null;
  priceMin: number;
  priceMax: number;
  inStock: boolean;
  image: string | null;
  position: number;
  pinned?: boolean;
  score?: number;
  explain?: ScoreParts & { matched: (string | null)[]; boost: number; reviews: number };
}

export interface Autocomplete {
  query: string;
  suggestions: string[];
  products: { productId: string; handle: string; title: string; priceMin: number; image: string | null }[];
}

export interface SearchOutcome {
  query: string;
  total: number;
  hits: SearchHitView[];
  facets: Facets | null;
  didYouMean: string | null;
  nextCursor: string | null;
  plan?: QueryPlan;
}

export { PRICE_BUCKETS };

/**
 * The review signal (issue 20; docs/design/search.md "Review signal"). Reviews move relevance ranking only through
 * this function of a product's published reviews: a Bayesian average that starts at the neutral 3 stars as if
 * `REVIEW_PRIOR_COUNT` such reviews existed, so one 5-star review barely moves a product and many do, mapped to
 * [-1, 1] and scaled by `REVIEW_WEIGHT`. The weight is half the default in-stock boost (0.1) and a tenth of a
 * title-match's share of the score (BM25F normalised to 1 per query), so it orders near-equal matches and cannot lift
 * a weak match over a strong one. Sorting by price or date ignores it; pins stay first.
 */
export const REVIEW_WEIGHT = 0.05;
export const REVIEW_PRIOR_COUNT = 5;
const REVIEW_PRIOR_MEAN = 3;

export function reviewBoost(rating: IndexedDoc['rating']): number {
  if (!rating || rating.count <= 0) return 0;
  const average = Math.min(5, Math.max(1, rating.average));
  const smoothed = (REVIEW_PRIOR_COUNT * REVIEW_PRIOR_MEAN + rating.count * average) / (REVIEW_PRIOR_COUNT + rating.count);
  return (REVIEW_WEIGHT * (smoothed - REVIEW_PRIOR_MEAN)) / 2;
}

const FACET_LIMIT = 30;
const GROUPS = ['collection', 'vendor', 'productType', 'tag', 'option', 'price', 'inStock'] as const;
type Group = (typeof GROUPS)[number];

export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeOffsetCursor(cursor: string): number {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 && v.o <= 10_000) return v.o;
  } catch {
    // fall through
  }
  throw new AppError(ErrorCode.ValidationFailed, 'cursor: invalid', { details: [{ path: 'cursor', message: 'invalid' }] });
}

/** Which filter groups a document passes, one bit per group. */
function passMask(d: IndexedDoc, f: SearchFilters, optionFilters: Map<string, Set<string>>): number {
  let mask = 0;
  const ok = (g: Group, pass: boolean) => {
    if (pass) mask |= 1 << GROUPS.indexOf(g);
  };
  ok('collection', !f.collection?.length || d.collectionIds.some((c) => f.collection?.includes(c)));
  ok('vendor', !f.vendor?.length || (d.vendor !== null && f.vendor.includes(d.vendor)));
  ok('productType', !f.productType?.length || (d.productType !== null && f.productType.includes(d.productType)));
  ok('tag', !f.tag?.length || d.tags.some((t) => f.tag?.includes(t)));
  let optionPass = true;
  for (const [name, values] of optionFilters) {
    if (!d.optionPairs.some((p) => p.startsWith(`${name}:`) && values.has(p.slice(name.length + 1)))) optionPass = false;
  }
  ok('option', optionPass);
  ok('price', (f.priceMin === undefined || d.priceMin >= f.priceMin) && (f.priceMax === undefined || d.priceMin <= f.priceMax));
  ok('inStock', !f.inStock || d.inStock);
  return mask;
}

function didYouMean(index: LoadedIndex, plan: QueryPlan): string | null {
  let changed = false;
  const words = plan.clauses.map((c) => {
    if (index.engine.lexicon.surfaceDf(c.text) > 0) return c.text;
    const best = c.alternatives.filter((a) => a.source === 'typo' || a.source === 'split').sort((a, b) => b.weight - a.weight)[0];
    if (!best) return c.text;
    changed = true;
    return best.label;
  });
  return changed ? words.join(' ') : null;
}

const tables = new WeakMap<LoadedIndex, DocTable>();

/** The index's document table (kept by the cache; built once for an index assembled by hand). */
function tableOf(index: LoadedIndex): DocTable {
  if (index.table) return index.table;
  let t = tables.get(index);
  if (!t) {
    t = DocTable.build(index.engine, index.docs);
    tables.set(index, t);
  }
  return t;
}

export function runSearch(index: LoadedIndex, req: SearchRequest): SearchOutcome {
  const q = (req.q ?? '').trim();
  const f = req.filters ?? {};
  const limit = Math.min(Math.max(req.limit ?? 24, 1), 100);
  const offset = req.cursor ? decodeOffsetCursor(req.cursor) : 0;
  const engine = index.engine;
  const table = tableOf(index);

  // Candidates (engine ordinals) with their relevance.
  let count: number;
  let ordinals: ArrayLike<number>;
  let scores: ArrayLike<number> | null = null;
  let matches: PlanMatches | null = null;
  let plan: QueryPlan | undefined;
  if (q) {
    plan = engine.plan(q, { ...(req.prefix ? { prefix: 'always' as const } : {}), ...(req.exact ? { typo: false, decompound: false } : {}) });
    matches = executePlan(engine.store, plan, { bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK, ...(req.rerankTopK ? { rerankTopK: req.rerankTopK } : {}) });
    // Orders other than relevance break ties by score, and explain shows every score: both need every match scored.
    if ((req.sort !== undefined && req.sort !== 'relevance') || req.explain) matches.complete();
    count = matches.count;
    ordinals = matches.ordinals;
    scores = matches.scores;
  } else {
    const all = table.live();
    count = all.length;
    ordinals = all;
  }

  const optionFilters = new Map<string, Set<string>>();
  for (const raw of f.option ?? []) {
    const i = raw.indexOf(':');
    if (i <= 0) continue;
    const name = raw.slice(0, i).trim().toLowerCase();
    const set = optionFilters.get(name) ?? new Set<string>();
    set.add(raw.slice(i + 1).trim());
    optionFilters.set(name, set);
  }
  const full = (1 << GROUPS.length) - 1;
  const unfiltered =
    !f.collection?.length &&
    !f.vendor?.length &&
    !f.productType?.length &&
    !f.tag?.length &&
    !optionFilters.size &&
    f.priceMin === undefined &&
    f.priceMax === undefined &&
    !f.inStock;
  // Rows that pass the filters: engine ordinal, position in the matches (-1 for a pinned non-match), score.
  const counters = req.facets === false ? null : newCounters(table);
  const pins = q ? (index.config.pins.get(normaliseQuery(q)) ?? []) : [];
  const pinnedOrd = new Map<number, number>();
  pins.forEach((id, i) => {
    const o = engine.store.ordinalOf(id);
    if (o !== undefined && !pinnedOrd.has(o)) pinnedOrd.set(o, i);
  });
  const boostBy = index.config.inStockBoost;
  let rowOrd: Int32Array;
  let rowMatch: Int32Array;
  let rowScore: Float64Array;
  let rows = 0;
  // Whether a row's score carries a review signal: then the scorer's own order is not relevance order.
  let reviewed = false;
  // Every match is a row with its own score (no filter, boost or pin): the match arrays are the rows, no copy.
  let direct = unfiltered && boostBy === 0 && pinnedOrd.size === 0 && matches !== null;
  if (direct && matches) {
    for (let i = 0; i < count; i++) {
      const ord = ordinals[i] as number;
      // A reviewed product's row score differs from its match score (the review signal): rows of their own.
      if (table.ids[ord] === undefined || table.ratedOf[ord]) {
        direct = false;
        break;
      }
      if (counters) countAll(counters, table, ord);
    }
    if (!direct && counters) counters.reset();
  }
  if (direct && matches) {
    rowOrd = matches.ordinals;
    rowScore = matches.scores;
    rowMatch = identity(count);
    rows = count;
  } else {
    rowOrd = new Int32Array(count + pinnedOrd.size);
    rowMatch = new Int32Array(count + pinnedOrd.size);
    rowScore = new Float64Array(count + pinnedOrd.size);
    const inRows = pinnedOrd.size ? new Set<number>() : null;
    for (let i = 0; i < count; i++) {
      const ord = ordinals[i] as number;
      if (table.ids[ord] === undefined) continue;
      // columns for every match; the document itself only when a filter needs it or the product has reviews
      const mask = unfiltered ? full : passMask(table.doc(ord) as IndexedDoc, f, optionFilters);
      if (counters) {
        if (mask === full) countAll(counters, table, ord);
        else for (let gi = 0; gi < GROUPS.length; gi++) if ((mask | (1 << gi)) === full) countGroup(counters, GROUPS[gi] as Group, table, ord);
      }
      if (mask !== full) continue;
      rowOrd[rows] = ord;
      rowMatch[rows] = i;
      const review = reviewOf(table, ord);
      if (review !== 0) reviewed = true;
      rowScore[rows] = (scores ? (scores[i] as number) : 0) + (table.inStockOf[ord] ? boostBy : 0) + review;
      rows++;
      inRows?.add(ord);
    }
    // Pinned products show for their query even when the text does not match them.
    for (const [ord] of pinnedOrd) {
      if (inRows?.has(ord)) continue;
      const doc = table.doc(ord);
      if (!doc || passMask(doc, f, optionFilters) !== full) continue;
      rowOrd[rows] = ord;
      rowMatch[rows] = -1;
      rowScore[rows] = 0;
      rows++;
    }
  }

  const sort = req.sort ?? (q ? 'relevance' : 'newest');
  const idOf = (r: number) => table.ids[rowOrd[r] as number] as string;
  const docOf = (r: number) => table.doc(rowOrd[r] as number) as IndexedDoc;
  const priceOf = (r: number) => table.priceOf[rowOrd[r] as number] as number;
  const pinRank = (r: number) => pinnedOrd.get(rowOrd[r] as number) ?? Number.POSITIVE_INFINITY;
  // The scorer's order (score, then ordinal) is relevance order unless something changes it.
  const reorder = sort !== 'relevance' || pins.length > 0 || boostBy !== 0 || reviewed || !q;
  const cmp = (a: number, b: number): number => {
    const sa = rowScore[a] as number;
    const sb = rowScore[b] as number;
    if (!reorder) return sb - sa || (rowOrd[a] as number) - (rowOrd[b] as number);
    const ia = idOf(a);
    const ib = idOf(b);
    const byId = ia < ib ? -1 : ia > ib ? 1 : 0;
    if (sort === 'price_asc') return priceOf(a) - priceOf(b) || sb - sa || byId;
    if (sort === 'price_desc') return priceOf(b) - priceOf(a) || sb - sa || byId;
    if (sort === 'newest') {
      const ca = table.createdAtOf[rowOrd[a] as number] as string;
      const cb = table.createdAtOf[rowOrd[b] as number] as string;
      return (cb > ca ? 1 : cb < ca ? -1 : 0) || -byId;
    }
    return pinRank(a) - pinRank(b) || sb - sa || byId;
  };
  let order = topK(rows, offset + limit, (a, b) => cmp(a, b) < 0);
  if (matches && matches.pruned > 0) {
    // The top-k stage left some matches unscored (a placeholder below every real score). If the page's
    // worst ranked-by-score row could be beaten by one of them, score them all and select again.
    let worst = Number.POSITIVE_INFINITY;
    for (const r of order) if (!pinnedOrd.has(rowOrd[r] as number)) worst = Math.min(worst, rowScore[r] as number);
    if (order.length < offset + limit || worst <= matches.pruneBound + Math.max(0, boostBy) + REVIEW_WEIGHT) {
      matches.complete();
      const all = matches.scores;
      if (rowScore !== all)
        for (let r = 0; r < rows; r++) {
          const mi = rowMatch[r] as number;
          const ord = rowOrd[r] as number;
          if (mi >= 0) rowScore[r] = (all[mi] as number) + (table.inStockOf[ord] ? boostBy : 0) + reviewOf(table, ord);
        }
      order = topK(rows, offset + limit, (a, b) => cmp(a, b) < 0);
    }
  }
  order = order.slice(offset);

  const hits: SearchHitView[] = order.map((r, i) => {
    const doc = docOf(r);
    const id = idOf(r);
    const hit: SearchHitView = {
      productId: id,
      handle: doc.handle,
      // in the shopper's locale where the merchant translated the title
      title: (req.locale && pickTranslation(doc, req.locale)?.title) || doc.title,
      vendor: doc.vendor,
      priceMin: doc.priceMin,
      priceMax: doc.priceMax,
      inStock: doc.inStock,
      image: doc.image,
      position: offset + i + 1,
    };
    if (pinnedOrd.has(rowOrd[r] as number)) hit.pinned = true;
    if (req.explain) {
      hit.score = rowScore[r] as number;
      const mi = rowMatch[r] as number;
      if (matches && mi >= 0) {
        const d = matches.detail(mi);
        hit.explain = { ...d.parts, matched: [...d.matched], boost: doc.inStock ? boostBy : 0, reviews: reviewBoost(doc.rating) };
      }
    }
    return hit;
  });
  const total = rows;
  const out: SearchOutcome = {
    query: q,
    total,
    hits,
    facets: counters ? toFacets(counters, table) : null,
    didYouMean: plan ? didYouMean(index, plan) : null,
    nextCursor: offset + limit < total ? encodeOffsetCursor(offset + limit) : null,
  };
  if (req.explain && plan) out.plan = plan;
  return out;
}

interface Counters {
  collection: Int32Array;
  vendor: Int32Array;
  productType: Int32Array;
  tag: Int32Array;
  option: Int32Array;
  price: Int32Array;
  inStock: number;
  reset(): void;
}

/** 0, 1, … n-1 (shared; read only). */
let identityRows = new Int32Array(0);
function identity(n: number): Int32Array {
  if (identityRows.length < n) identityRows = Int32Array.from({ length: Math.max(n, 2 * identityRows.length) }, (_, i) => i);
  return identityRows;
}

const newCounters = (t: DocTable): Counters => ({
  collection: new Int32Array(t.collection.values.length),
  vendor: new Int32Array(t.vendor.values.length),
  productType: new Int32Array(t.productType.values.length),
  tag: new Int32Array(t.tag.values.length),
  option: new Int32Array(t.option.values.length),
  price: new Int32Array(PRICE_BUCKETS.length),
  inStock: 0,
  reset() {
    for (const a of [this.collection, this.vendor, this.productType, this.tag, this.option, this.price]) a.fill(0);
    this.inStock = 0;
  },
});

function bumpAll(c: Int32Array, ids: readonly number[] | undefined): void {
  if (ids) for (const id of ids) c[id] = (c[id] as number) + 1;
}

/** The review signal of a document (0 without reviews: no need to read the document). */
const reviewOf = (t: DocTable, ord: number) => (t.ratedOf[ord] ? reviewBoost((t.doc(ord) as IndexedDoc).rating) : 0);

/** Counts a document that passes every filter, in every group. */
function countAll(c: Counters, t: DocTable, ord: number): void {
  bumpAll(c.collection, t.collectionsOf[ord]);
  const v = t.vendorOf[ord] as number;
  if (v >= 0) c.vendor[v] = (c.vendor[v] as number) + 1;
  const p = t.typeOf[ord] as number;
  if (p >= 0) c.productType[p] = (c.productType[p] as number) + 1;
  bumpAll(c.tag, t.tagsOf[ord]);
  bumpAll(c.option, t.optionsOf[ord]);
  const b = t.bucketOf[ord] as number;
  c.price[b] = (c.price[b] as number) + 1;
  if (t.inStockOf[ord]) c.inStock++;
}

function countGroup(c: Counters, g: Group, t: DocTable, ord: number): void {
  switch (g) {
    case 'collection':
      bumpAll(c.collection, t.collectionsOf[ord]);
      break;
    case 'vendor': {
      const v = t.vendorOf[ord] as number;
      if (v >= 0) c.vendor[v] = (c.vendor[v] as number) + 1;
      break;
    }
    case 'productType': {
      const p = t.typeOf[ord] as number;
      if (p >= 0) c.productType[p] = (c.productType[p] as number) + 1;
      break;
    }
    case 'tag':
      bumpAll(c.tag, t.tagsOf[ord]);
      break;
    case 'option':
      bumpAll(c.option, t.optionsOf[ord]);
      break;
    case 'price': {
      const b = t.bucketOf[ord] as number;
      c.price[b] = (c.price[b] as number) + 1;
      break;
    }
    case 'inStock':
      if (t.inStockOf[ord]) c.inStock++;
      break;
  }
}

/** The values with a count, most frequent first (ties by value), at most FACET_LIMIT. */
function top(counts: Int32Array, dict: Dictionary, keep?: (id: number) => boolean): FacetValue[] {
  const ids: number[] = [];
  for (let id = 0; id < counts.length; id++) if ((counts[id] as number) > 0 && (!keep || keep(id))) ids.push(id);
  const value = (id: number) => dict.values[id] as string;
  return topK(ids.length, FACET_LIMIT, (a, b) => {
    const ca = counts[ids[a] as number] as number;
    const cb = counts[ids[b] as number] as number;
    return ca > cb || (ca === cb && value(ids[a] as number) < value(ids[b] as number));
  }).map((i) => ({ value: value(ids[i] as number), count: counts[ids[i] as number] as number }));
}

function toFacets(c: Counters, t: DocTable): Facets {
  const option: Record<string, FacetValue[]> = {};
  const names = new Map<string, number[]>();
  for (let id = 0; id < c.option.length; id++) {
    if ((c.option[id] as number) === 0) continue;
    const pair = t.option.values[id] as string;
    const name = pair.slice(0, pair.indexOf(':'));
    const list = names.get(name);
    if (list) list.push(id);
    else names.set(name, [id]);
  }
  for (const [name, ids] of names) {
    const keep = new Set(ids);
    option[name] = top(c.option, t.option, (id) => keep.has(id)).map((v) => ({ value: v.value.slice(name.length + 1), count: v.count }));
  }
  return {
    collection: top(c.collection, t.collection).map((v) => ({ ...v, label: t.collectionTitles.get(v.value) ?? v.value })),
    vendor: top(c.vendor, t.vendor),
    productType: top(c.productType, t.productType),
    tag: top(c.tag, t.tag),
    option,
    price: PRICE_BUCKETS.map(([min, max], i) => ({ min, max, count: c.price[i] ?? 0 })).filter((p) => p.count > 0),
    inStock: c.inStock,
  };
}

const AUTOCOMPLETE_RERANK = 100;

/**
 * Autocomplete over a loaded index (no I/O): products for the query with its
 * last word as a prefix, and suggestions: `popular` past queries first, then
 * the last word completed from the store's vocabulary.
 */
export function autocompleteIndex(index: LoadedIndex, query: string, popular: readonly string[], limit = 5, locale?: string): Autocomplete {
  // A handful of products: rerank the best 100 stage-1 matches rather than 1,000.
  const res = runSearch(index, { q: query, prefix: true, limit, facets: false, rerankTopK: AUTOCOMPLETE_RERANK, ...(locale ? { locale } : {}) });
  const suggestions = [...popular];
  const words = query.split(' ');
  const last = words.pop() ?? '';
  if (last.length >= 2) {
    for (const c of index.engine.lexicon.completions(last, 8)) {
      if (suggestions.length >= 8) break;
      const s = [...words, c.surface].join(' ');
      if (!suggestions.includes(s)) suggestions.push(s);
    }
  }
  return {
    query,
    suggestions,
    products: res.hits.map((h) => ({ productId: h.productId, handle: h.handle, title: h.title, priceMin: h.priceMin, image: h.image })),
  };
}
