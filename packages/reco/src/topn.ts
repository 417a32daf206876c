import { topK } from '@storeloom/collections';

/**
 * Indices of the n highest scores among allowed items, ties broken by
 * `tiebreak` (higher first) then index. Items with score −Infinity or NaN, or
 * `allowed[i] === 0`, are never returned. The bounded heap of
 * `@storeloom/collections` keeps this O(N log n): per-customer lists are
 * computed thousands of times per training.
 */
export function topN(scores: ArrayLike<number>, n: number, allowed?: ArrayLike<number>, tiebreak?: ArrayLike<number>): number[] {
  // true when a ranks strictly before b
  const before = (a: number, b: number): boolean => {
    const d = (scores[a] as number) - (scores[b] as number);
    if (d !== 0) return d > 0;
    if (tiebreak) {
      const t = (tiebreak[a] as number) - (tiebreak[b] as number);
      if (t !== 0) return t > 0;
    }
    return a < b;
  };
  const keep = (i: number): boolean => {
    if (allowed && allowed[i] === 0) return false;
    const s = scores[i] as number;
    return s !== Number.NEGATIVE_INFINITY && !Number.isNaN(s);
  };
  return topK(scores.length, n, before, keep);
}
