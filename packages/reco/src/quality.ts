/**
 * The review signal of recommendations (issue 20; docs/design/reco.md "Reviews"): an item quality prior from a
 * product's published reviews, blended into ranking as a bounded multiplier. It is the only way reviews reach
 * recommendations.
 *
 * - Bayesian average: the published average pulled towards the neutral 3 stars as if `REVIEW_PRIOR_COUNT` 3-star
 *   reviews existed, `(C·m + n·avg) / (C + n)`. One 5-star review moves a product from 3 to 3.33; forty reviews
 *   averaging 4.6 move it to 4.42.
 * - Minimum count: below `REVIEW_MIN_COUNT` published reviews the prior is neutral (1), so a product's first review
 *   (often the merchant's friend, or one angry buyer) changes nothing.
 * - Blend: the score is multiplied by `1 + REVIEW_BLEND_WEIGHT · (smoothed − 3) / 2`, i.e. at most ±10 %: it orders
 *   near-equal candidates and cannot lift a weak candidate over one with clearly more evidence from purchases.
 *   Products without reviews (every product of a store that does not use reviews) keep their score exactly, so the
 *   blend changes nothing where there are no reviews.
 */
export const REVIEW_PRIOR_COUNT = 5;
export const REVIEW_PRIOR_MEAN = 3;
export const REVIEW_MIN_COUNT = 3;
export const REVIEW_BLEND_WEIGHT = 0.1;

export interface RatingSignal {
  /** Mean of the published ratings (1–5). */
  average: number;
  /** Published reviews. */
  count: number;
}

/** The smoothed rating, or null when the product has fewer than `REVIEW_MIN_COUNT` published reviews. */
export function bayesianRating(r: RatingSignal | undefined): number | null {
  if (!r || !(r.count >= REVIEW_MIN_COUNT) || !Number.isFinite(r.average)) return null;
  const average = Math.min(5, Math.max(1, r.average));
  return (REVIEW_PRIOR_COUNT * REVIEW_PRIOR_MEAN + r.count * average) / (REVIEW_PRIOR_COUNT + r.count);
}

/** The multiplier a product's score takes: 1 without enough reviews, within [0.9, 1.1] otherwise. */
export function reviewQualityFactor(r: RatingSignal | undefined): number {
  const smoothed = bayesianRating(r);
  return smoothed === null ? 1 : 1 + (REVIEW_BLEND_WEIGHT * (smoothed - REVIEW_PRIOR_MEAN)) / 2;
}

/**
 * Re-ranks scored candidates with the review prior (score × factor; ties by the earlier position). Candidates with a
 * zero score (position-only fallbacks) are ordered by `(n − rank) / n × factor`, so reviews order them as well.
 */
export function withReviewPrior<T extends { productId: string; score: number }>(items: readonly T[], ratings: ReadonlyMap<string, RatingSignal>): T[] {
  if (ratings.size === 0) return [...items];
  const n = items.length;
  return items
    .map((item, rank) => {
      const factor = reviewQualityFactor(ratings.get(item.productId));
      const base = item.score > 0 ? item.score : (n - rank) / n / 1e6;
      return { item: factor === 1 ? item : { ...item, score: Math.round(item.score * factor * 1e4) / 1e4 }, key: base * factor, rank };
    })
    .sort((a, b) => b.key - a.key || a.rank - b.rank)
    .map((x) => x.item);
}
