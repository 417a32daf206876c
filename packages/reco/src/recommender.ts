import { type ContentIndex, buildContentIndex, contentScores, itemText } from './content.ts';
import { type Cooccurrence, buildCooccurrence, coocScores } from './cooc.ts';
import { type Dataset, DAY_MS, buildDataset, decay, recentPopularity } from './dataset.ts';
import { type EaseModel, easeScores, trainEase } from './ease.ts';
import { lastBought, repurchaseScores } from './repurchase.ts';
import { topN } from './topn.ts';
import type { CatalogueItem, Interaction } from './types.ts';

export interface TrainConfig {
  /** EASE is fitted on the K most-bought items (K² doubles of memory). */
  readonly easeTopK: number;
  readonly easeLambda: number;
  /**
   * Which K items EASE keeps: Infinity = most customers all-time; a finite
   * half-life ranks by time-decayed order count so newly launched items get in.
   */
  readonly easeSelectionHalfLifeDays: number;
  /** Optional second EASE fitted on orders (baskets) for "also bought"; 0 = reuse the customer one. */
  readonly basketEaseLambda: number;
  /** Half-life of the trending-popularity signal. */
  readonly popularityHalfLifeDays: number;
  /** Customer rows enter the item model weighted by 0.5^(days since their last order / this); Infinity = unweighted. */
  readonly easeRowHalfLifeDays?: number;
}

export interface UserBlend {
  readonly repurchase: number;
  readonly cf: number;
  readonly popularity: number;
  /**
   * Repurchase enters un-normalised as repurchase·count^exponent (so the other
   * signals mostly re-rank items the customer bought equally often).
   */
  readonly repurchaseExponent: number;
  /** Bonus for history items times the item's global repeat rate. */
  readonly repeatRate: number;
  /** Half-life of order weights in the repurchase signal (Infinity = counts). */
  readonly repurchaseHalfLifeDays: number;
  /** Half-life of the history weights fed to the item model. */
  readonly profileHalfLifeDays: number;
  /** History weights fed to the item model are also multiplied by (orders containing the item)^exponent. */
  readonly profileCountExponent?: number;
  /** Weight of catalogue-text similarity to the customer's (time-decayed) history; 0/unset = off. */
  readonly content?: number;
}

export interface AlsoBlend {
  readonly ease: number;
  readonly cooc: number;
  readonly content: number;
  readonly popularity: number;
  /** Candidate-popularity exponent of the co-occurrence normaliser. */
  readonly coocBeta: number;
}

export interface ScoringConfig {
  readonly all: UserBlend;
  readonly new: UserBlend;
  readonly also: AlsoBlend;
  /** A repeat item (re-bought by at least this share of its customers) may be shown again right after purchase. */
  readonly repeatRateThreshold: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  easeTopK: 2000,
  easeLambda: 500,
  easeSelectionHalfLifeDays: Number.POSITIVE_INFINITY,
  basketEaseLambda: 0,
  popularityHalfLifeDays: 30,
  // Validation (TRAIN-only windows): new V2 0.1328 → 0.1333, V1 0.1478 → 0.1480; all +0.0001 on both; also HR@10 V2 +0.0024, V1 −0.0006.
  easeRowHalfLifeDays: 240,
};

/** Tuned on a validation split of the benchmark's TRAIN period (see README). */
export const DEFAULT_SCORING: ScoringConfig = {
  all: {
    repurchase: 1,
    repurchaseExponent: 1,
    repeatRate: 0.5,
    cf: 0.3,
    popularity: 0.3,
    repurchaseHalfLifeDays: Number.POSITIVE_INFINITY,
    profileHalfLifeDays: 90,
  },
  new: {
    repurchase: 0,
    repurchaseExponent: 1,
    repeatRate: 0,
    cf: 1,
    // V2 0.1333 → 0.1339, V1 0.1480 → 0.1483 (0: 0.1336 / 0.1480; 0.1: 0.1321 / 0.1479).
    popularity: 0.02,
    repurchaseHalfLifeDays: Number.POSITIVE_INFINITY,
    profileHalfLifeDays: 90,
    // Damps items the customer bought over and over (they say little about what else they want): V2 0.1317 → 0.1328, V1 0.1477 → 0.1478.
    profileCountExponent: -0.5,
    // Text similarity to the (90-day-decayed) history reaches items outside the item model and unsold ones:
    // V2 0.1339 → 0.1366, V1 0.1483 → 0.1528 (0.1: 0.1354 / 0.1510; 0.2: 0.1360 / 0.1528; 0.5: 0.1353 / 0.1498).
    content: 0.3,
  },
  also: { ease: 1, cooc: 1, content: 0.2, popularity: 0.05, coocBeta: 0.2 },
  repeatRateThreshold: 0.3,
};

export interface RecoModel {
  readonly ds: Dataset;
  readonly ease: EaseModel;
  readonly basketEase: EaseModel | null;
  readonly cooc: Cooccurrence;
  readonly content: ContentIndex;
  /** 1 if the item may be recommended (catalogue status active/unset), else 0. */
  readonly allowed: Uint8Array;
  readonly popularity: Float64Array;
  readonly trending: Float64Array;
  readonly train: TrainConfig;
}

/** Trains every component from a store's orders and catalogue. */
export function trainRecommender(interactions: readonly Interaction[], catalogue: readonly CatalogueItem[], train: Partial<TrainConfig> = {}): RecoModel {
  const cfg: TrainConfig = { ...DEFAULT_TRAIN, ...train };
  const ds = buildDataset(interactions, catalogue);
  const n = ds.itemIds.length;

  // Customer rows: distinct items each customer bought.
  const userRows = ds.userOrders.map((list) => {
    const s = new Set<number>();
    for (const o of list) for (const i of ds.orders[o] as Int32Array) s.add(i);
    return Int32Array.from(s);
  });
  const rank = Number.isFinite(cfg.easeSelectionHalfLifeDays) ? recentPopularity(ds, cfg.easeSelectionHalfLifeDays) : ds.itemUserCount;
  const byPopularity = Array.from({ length: n }, (_, i) => i)
    .filter((i) => (ds.itemUserCount[i] as number) > 0)
    .sort((a, b) => (rank[b] as number) - (rank[a] as number) || a - b);
  const kept = byPopularity.slice(0, cfg.easeTopK);
  const rowHl = cfg.easeRowHalfLifeDays ?? Number.POSITIVE_INFINITY;
  const rowWeights = Number.isFinite(rowHl)
    ? Float64Array.from(ds.userOrders, (list) => {
        const last = list[list.length - 1];
        return last === undefined ? 0 : decay(ds.refTime - (ds.orderTime[last] as number), rowHl);
      })
    : undefined;
  const ease = trainEase(userRows, kept, n, cfg.easeLambda, rowWeights);
  const basketEase = cfg.basketEaseLambda > 0 ? trainEase(ds.orders, kept, n, cfg.basketEaseLambda) : null;
  const cooc = buildCooccurrence(ds.orders, n);

  const texts: string[] = new Array<string>(n).fill('');
  const allowed = new Uint8Array(n).fill(1);
  for (const c of catalogue) {
    const i = ds.itemIndex.get(c.itemId);
    if (i === undefined) continue;
    texts[i] = itemText(c);
    if (c.status !== undefined && c.status !== 'active') allowed[i] = 0;
  }
  const content = buildContentIndex(texts);
  const trending = recentPopularity(ds, cfg.popularityHalfLifeDays);
  return { ds, ease, basketEase, cooc, content, allowed, popularity: ds.itemOrderCount, trending, train: cfg };
}

export interface UserRequest {
  /** 'all': anything incl. re-buys; 'new': never items the customer already bought. */
  readonly mode: 'all' | 'new';
  readonly n: number;
  /** Reference time (epoch ms); defaults to the last training interaction. */
  readonly now?: number;
  /**
   * In 'all' mode, hide items bought in the last `justBoughtDays` unless they
   * are repeat items (item repeat rate >= threshold, or the customer has
   * already bought them in 2+ orders). 0 disables the rule.
   */
  readonly justBoughtDays?: number;
}

/** A ranked recommendation with its score and the signal that contributed most. */
export interface Scored {
  readonly id: string;
  readonly score: number;
  readonly source: RecoSource;
}
export type RecoSource = 'history' | 'cf' | 'content' | 'popular';

interface UserScores {
  readonly score: Float64Array;
  readonly allowed: Uint8Array;
  /** Per item, the weighted contribution of each signal (for `source`). */
  readonly parts: Record<RecoSource, Float64Array | null>;
}

function addNormalisedInto(out: Float64Array, part: Float64Array | null, src: Float64Array, w: number): void {
  if (w === 0) return;
  let max = 0;
  for (let i = 0; i < src.length; i++) if ((src[i] as number) > max) max = src[i] as number;
  if (max <= 0) return;
  const f = w / max;
  for (let i = 0; i < src.length; i++) {
    const v = f * (src[i] as number);
    out[i] = (out[i] as number) + v;
    if (part) part[i] = (part[i] as number) + v;
  }
}

function userScores(
  model: RecoModel,
  u: number | undefined,
  req: UserRequest,
  blend: UserBlend,
  scoring: ScoringConfig,
  cfCache: Map<number, Float64Array>,
  withParts: boolean,
): UserScores {
  const { ds } = model;
  const n = ds.itemIds.length;
  const now = req.now ?? ds.refTime;
  const allowed = Uint8Array.from(model.allowed);
  const score = new Float64Array(n);
  const mk = () => (withParts ? new Float64Array(n) : null);
  const parts: Record<RecoSource, Float64Array | null> = { history: mk(), cf: mk(), content: null, popular: mk() };
  if (u !== undefined) {
    const last = lastBought(ds, u);
    if (blend.repurchase !== 0 || blend.repeatRate !== 0) {
      const rep = repurchaseScores(ds, u, blend.repurchaseHalfLifeDays, now);
      for (const [i, v] of rep) {
        const x = blend.repurchase * v ** blend.repurchaseExponent + blend.repeatRate * (ds.itemRepeatRate[i] as number);
        score[i] = (score[i] as number) + x;
        if (parts.history) parts.history[i] = (parts.history[i] as number) + x;
      }
    }
    if (blend.cf !== 0) {
      const cacheKey = blend.profileHalfLifeDays * 1000 + (blend.profileCountExponent ?? 0);
      let cf = cfCache.get(cacheKey);
      if (!cf) {
        const profile = new Map<number, number>();
        const e = blend.profileCountExponent ?? 0;
        const counts = e !== 0 ? repurchaseScores(ds, u, Number.POSITIVE_INFINITY, now) : null;
        for (const [i, t] of last) profile.set(i, decay(now - t, blend.profileHalfLifeDays) * (counts ? (counts.get(i) ?? 1) ** e : 1));
        cf = easeScores(model.ease, profile, new Float64Array(n));
        cfCache.set(cacheKey, cf);
      }
      addNormalisedInto(score, parts.cf, cf, blend.cf);
    }
    if (blend.content) {
      const sim = new Float64Array(n);
      for (const [i, t] of last) contentScores(model.content, i, sim, decay(now - t, blend.profileHalfLifeDays));
      parts.content = mk();
      addNormalisedInto(score, parts.content, sim, blend.content);
    }
    if (req.mode === 'new') {
      for (const i of last.keys()) allowed[i] = 0;
    } else if (req.justBoughtDays && req.justBoughtDays > 0) {
      const orderCount = repurchaseScores(ds, u, Number.POSITIVE_INFINITY, now);
      for (const [i, t] of last) {
        const repeat = (ds.itemRepeatRate[i] as number) >= scoring.repeatRateThreshold || (orderCount.get(i) ?? 0) >= 2;
        if (!repeat && now - t < req.justBoughtDays * DAY_MS) allowed[i] = 0;
      }
    }
  }
  addNormalisedInto(score, parts.popular, model.trending, u === undefined ? 1 : blend.popularity);
  return { score, allowed, parts };
}

function sourceOf(parts: Record<RecoSource, Float64Array | null>, i: number): RecoSource {
  let best: RecoSource = 'popular';
  let bestV = 0;
  for (const k of ['history', 'cf', 'content', 'popular'] as const) {
    const v = parts[k]?.[i] ?? 0;
    if (v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}

/** Ranked item ids for one customer. Unknown customers get trending items. */
export function recommendForUser(model: RecoModel, customerId: string, req: UserRequest, scoring: ScoringConfig = DEFAULT_SCORING): string[] {
  const blend = req.mode === 'all' ? scoring.all : scoring.new;
  const r = userScores(model, model.ds.userIndex.get(customerId), req, blend, scoring, new Map(), false);
  return topN(r.score, req.n, r.allowed, model.popularity).map((i) => model.ds.itemIds[i] as string);
}

/**
 * Both per-customer lists at once, sharing the item-model scores: `all`
 * (re-buys allowed) and `fresh` (never bought before), with scores and sources.
 */
export function recommendForCustomer(
  model: RecoModel,
  customerId: string,
  n: number,
  scoring: ScoringConfig = DEFAULT_SCORING,
): { all: Scored[]; fresh: Scored[] } {
  const u = model.ds.userIndex.get(customerId);
  const cache = new Map<number, Float64Array>();
  const list = (mode: 'all' | 'new'): Scored[] => {
    const r = userScores(model, u, { mode, n }, mode === 'all' ? scoring.all : scoring.new, scoring, cache, true);
    return topN(r.score, n, r.allowed, model.popularity).map((i) => ({
      id: model.ds.itemIds[i] as string,
      score: r.score[i] as number,
      source: sourceOf(r.parts, i),
    }));
  };
  return { all: list('all'), fresh: list('new') };
}

/** "Customers also bought" top-N for one item (never the item itself). */
export function alsoBought(model: RecoModel, itemId: string, n: number, scoring: ScoringConfig = DEFAULT_SCORING): string[] {
  return alsoBoughtScored(model, itemId, n, scoring).map((r) => r.id);
}

/** As `alsoBought`, with scores and the signal that contributed most to each entry. */
export function alsoBoughtScored(model: RecoModel, itemId: string, n: number, scoring: ScoringConfig = DEFAULT_SCORING): Scored[] {
  const { ds } = model;
  const q = ds.itemIndex.get(itemId);
  const size = ds.itemIds.length;
  const score = new Float64Array(size);
  const parts: Record<RecoSource, Float64Array | null> = {
    history: null,
    cf: new Float64Array(size),
    content: new Float64Array(size),
    popular: new Float64Array(size),
  };
  const b = scoring.also;
  if (q !== undefined) {
    const ease = model.basketEase ?? model.ease;
    if ((ease.local[q] ?? -1) >= 0 && b.ease !== 0) {
      addNormalisedInto(score, parts.cf, easeScores(ease, new Map([[q, 1]]), new Float64Array(size)), b.ease);
    }
    addNormalisedInto(score, parts.cf, coocScores(model.cooc, q, b.coocBeta, new Float64Array(size)), b.cooc);
    // Content similarity: the only signal for items nobody bought yet.
    const noSales = (ds.itemOrderCount[q] as number) === 0;
    addNormalisedInto(score, parts.content, contentScores(model.content, q, new Float64Array(size)), noSales ? 1 : b.content);
  }
  addNormalisedInto(score, parts.popular, model.trending, b.popularity);
  const allowed = Uint8Array.from(model.allowed);
  if (q !== undefined) allowed[q] = 0;
  return topN(score, n, allowed, model.popularity).map((i) => ({ id: ds.itemIds[i] as string, score: score[i] as number, source: sourceOf(parts, i) }));
}
