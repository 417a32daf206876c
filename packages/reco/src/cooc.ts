/**
 * Item–item co-occurrence over baskets (orders), normalised:
 * sim(q, j) = c(q,j) / (n(q)^(1−β) · n(j)^β). β = 0.5 is cosine; β = 0 is
 * the raw conditional P(j | q); larger β penalises popular candidates.
 */
export interface Cooccurrence {
  /** Per item: neighbour -> number of baskets shared. */
  readonly counts: readonly Map<number, number>[];
  /** Baskets containing each item. */
  readonly support: Float64Array;
}

export function buildCooccurrence(baskets: readonly ArrayLike<number>[], nItems: number, maxBasket = 200): Cooccurrence {
  const counts: Map<number, number>[] = Array.from({ length: nItems }, () => new Map());
  const support = new Float64Array(nItems);
  for (const b of baskets) {
    for (let t = 0; t < b.length; t++) support[b[t] as number] = (support[b[t] as number] as number) + 1;
    if (b.length > maxBasket) continue; // huge bulk orders carry little pairwise signal
    for (let x = 0; x < b.length; x++) {
      const i = b[x] as number;
      const mi = counts[i] as Map<number, number>;
      for (let y = 0; y < b.length; y++) {
        if (x === y) continue;
        const j = b[y] as number;
        mi.set(j, (mi.get(j) ?? 0) + 1);
      }
    }
  }
  return { counts, support };
}

/** Adds w·sim(q, ·) into `out` for the query item q. */
export function coocScores(model: Cooccurrence, q: number, beta: number, out: Float64Array, w = 1): Float64Array {
  const m = model.counts[q];
  if (!m) return out;
  const nq = model.support[q] as number;
  if (nq <= 0) return out;
  const qn = nq ** (1 - beta);
  for (const [j, c] of m) {
    const nj = model.support[j] as number;
    out[j] = (out[j] as number) + (w * c) / (qn * nj ** beta);
  }
  return out;
}
