/**
 * Indices of the n highest scores among allowed items, ties broken by
 * `tiebreak` (higher first) then index. Items with score −Infinity or
 * `allowed[i] === 0` are never returned.
 */
export function topN(scores: ArrayLike<number>, n: number, allowed?: ArrayLike<number>, tiebreak?: ArrayLike<number>): number[] {
  const cand: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (allowed && allowed[i] === 0) continue;
    if ((scores[i] as number) === Number.NEGATIVE_INFINITY || Number.isNaN(scores[i] as number)) continue;
    cand.push(i);
  }
  cand.sort((a, b) => (scores[b] as number) - (scores[a] as number) || (tiebreak ? (tiebreak[b] as number) - (tiebreak[a] as number) : 0) || a - b);
  return cand.slice(0, n);
}
