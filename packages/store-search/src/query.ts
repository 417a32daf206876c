/**
 * One search over a loaded store index: plan + BM25F/rerank from the search
 * core, then merchant pins and boosts, filters, disjunctive facet counts,
 * sort and offset cursors. Pure (no I/O), so both the storefront and the
 * merchant API use it and tests drive it directly.
 */
import { AppError, ErrorCode } from '@storeloom/errors';
import type { QueryPlan, ScoreParts } from '@storeloom/search';
import { DEFAULT_BM25F, DEFAULT_RERANK, scorePlan } from '@storeloom/search';
import { type LoadedIndex, normaliseQuery } from './cache.ts';
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
  /** Plan the last word as a prefix (autocomplete). */
  prefix?: boolean;
  facets?: boolean;
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
  explain?: ScoreParts & { matched: (string | null)[]; boost: number };
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

/** Price buckets in minor units: [min, max). */
export const PRICE_BUCKETS: readonly [number, number | null][] = [
  [0, 2500],
  [2500, 5000],
  [5000, 10000],
  [10000, 25000],
  [25000, null],
];

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

export function runSearch(index: LoadedIndex, req: SearchRequest): SearchOutcome {
  const q = (req.q ?? '').trim();
  const f = req.filters ?? {};
  const limit = Math.min(Math.max(req.limit ?? 24, 1), 100);
  const offset = req.cursor ? decodeOffsetCursor(req.cursor) : 0;
  const engine = index.engine;

  // Candidates with their relevance.
  let candidates: { id: string; score: number; parts?: ScoreParts; matched?: readonly (string | null)[] }[];
  let plan: QueryPlan | undefined;
  if (q) {
    plan = engine.plan(q, req.prefix ? { prefix: 'always' } : {});
    candidates = [];
    for (const s of scorePlan(engine.store, plan, { bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK })) {
      const rec = engine.store.doc(s.ordinal);
      if (rec) candidates.push({ id: rec.id, score: s.score, parts: s.parts, matched: s.matched });
    }
  } else {
    candidates = [...index.docs.keys()].map((id) => ({ id, score: 0 }));
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
  const rows: { id: string; doc: IndexedDoc; score: number; boost: number; pinned: number; parts?: ScoreParts; matched?: readonly (string | null)[] }[] = [];
  const facetCounts = req.facets === false ? null : newCounters();
  const pins = q ? (index.config.pins.get(normaliseQuery(q)) ?? []) : [];
  const pinnedIds = new Set(pins);
  for (const c of candidates) {
    const doc = index.docs.get(c.id);
    if (!doc) continue;
    const mask = unfiltered ? full : passMask(doc, f, optionFilters);
    if (facetCounts) for (let gi = 0; gi < GROUPS.length; gi++) if ((mask | (1 << gi)) === full) count(facetCounts, GROUPS[gi] as Group, doc);
    if (mask !== full) continue;
    const boost = doc.inStock ? index.config.inStockBoost : 0;
    rows.push({ id: c.id, doc, score: c.score + boost, boost, pinned: pinnedIds.has(c.id) ? pins.indexOf(c.id) : -1, parts: c.parts, matched: c.matched });
  }
  // Pinned products show for their query even when the text does not match them.
  for (const id of pins) {
    if (rows.some((r) => r.id === id)) continue;
    const doc = index.docs.get(id);
    if (!doc || passMask(doc, f, optionFilters) !== full) continue;
    rows.push({ id, doc, score: 0, boost: 0, pinned: pins.indexOf(id) });
  }

  const sort = req.sort ?? (q ? 'relevance' : 'newest');
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  // The scorer's order is already relevance order: re-sort only when something changes it.
  const reorder = sort !== 'relevance' || pins.length > 0 || index.config.inStockBoost !== 0 || !q;
  if (reorder)
    rows.sort((a, b) => {
      if (sort === 'price_asc') return a.doc.priceMin - b.doc.priceMin || b.score - a.score || byId(a, b);
      if (sort === 'price_desc') return b.doc.priceMin - a.doc.priceMin || b.score - a.score || byId(a, b);
      if (sort === 'newest') return (b.doc.createdAt > a.doc.createdAt ? 1 : b.doc.createdAt < a.doc.createdAt ? -1 : 0) || byId(b, a);
      const pa = a.pinned >= 0 ? a.pinned : Number.POSITIVE_INFINITY;
      const pb = b.pinned >= 0 ? b.pinned : Number.POSITIVE_INFINITY;
      return pa - pb || b.score - a.score || byId(a, b);
    });

  const page = rows.slice(offset, offset + limit);
  const hits: SearchHitView[] = page.map((r, i) => {
    const hit: SearchHitView = {
      productId: r.id,
      handle: r.doc.handle,
      title: r.doc.title,
      vendor: r.doc.vendor,
      priceMin: r.doc.priceMin,
      priceMax: r.doc.priceMax,
      inStock: r.doc.inStock,
      image: r.doc.image,
      position: offset + i + 1,
    };
    if (r.pinned >= 0) hit.pinned = true;
    if (req.explain) {
      hit.score = r.score;
      if (r.parts) hit.explain = { ...r.parts, matched: [...(r.matched ?? [])], boost: r.boost };
    }
    return hit;
  });
  const out: SearchOutcome = {
    query: q,
    total: rows.length,
    hits,
    facets: facetCounts ? toFacets(facetCounts, index) : null,
    didYouMean: plan ? didYouMean(index, plan) : null,
    nextCursor: offset + limit < rows.length ? encodeOffsetCursor(offset + limit) : null,
  };
  if (req.explain && plan) out.plan = plan;
  return out;
}

interface Counters {
  collection: Map<string, number>;
  vendor: Map<string, number>;
  productType: Map<string, number>;
  tag: Map<string, number>;
  option: Map<string, number>;
  price: number[];
  inStock: number;
}

const newCounters = (): Counters => ({
  collection: new Map(),
  vendor: new Map(),
  productType: new Map(),
  tag: new Map(),
  option: new Map(),
  price: PRICE_BUCKETS.map(() => 0),
  inStock: 0,
});

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function count(c: Counters, g: Group, d: IndexedDoc): void {
  switch (g) {
    case 'collection':
      for (const id of d.collectionIds) inc(c.collection, id);
      break;
    case 'vendor':
      if (d.vendor) inc(c.vendor, d.vendor);
      break;
    case 'productType':
      if (d.productType) inc(c.productType, d.productType);
      break;
    case 'tag':
      for (const t of d.tags) inc(c.tag, t);
      break;
    case 'option':
      for (const p of d.optionPairs) inc(c.option, p);
      break;
    case 'price': {
      let i = PRICE_BUCKETS.length - 1;
      while (i > 0 && d.priceMin < (PRICE_BUCKETS[i] as [number, number | null])[0]) i--;
      c.price[i] = (c.price[i] ?? 0) + 1;
      break;
    }
    case 'inStock':
      if (d.inStock) c.inStock++;
      break;
  }
}

const top = (m: Map<string, number>): FacetValue[] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, FACET_LIMIT)
    .map(([value, count]) => ({ value, count }));

function toFacets(c: Counters, index: LoadedIndex): Facets {
  const titles = new Map<string, string>();
  const collections = top(c.collection);
  for (const { value: id } of collections) {
    for (const d of index.docs.values()) {
      const i = d.collectionIds.indexOf(id);
      if (i >= 0) {
        titles.set(id, d.collections[i] ?? id);
        break;
      }
    }
  }
  const option: Record<string, FacetValue[]> = {};
  const byName = new Map<string, Map<string, number>>();
  for (const [pair, n] of c.option) {
    const i = pair.indexOf(':');
    const name = pair.slice(0, i);
    const m = byName.get(name) ?? new Map<string, number>();
    m.set(pair.slice(i + 1), n);
    byName.set(name, m);
  }
  for (const [name, m] of byName) option[name] = top(m);
  return {
    collection: collections.map((v) => ({ ...v, label: titles.get(v.value) ?? v.value })),
    vendor: top(c.vendor),
    productType: top(c.productType),
    tag: top(c.tag),
    option,
    price: PRICE_BUCKETS.map(([min, max], i) => ({ min, max, count: c.price[i] ?? 0 })).filter((p) => p.count > 0),
    inStock: c.inStock,
  };
}
