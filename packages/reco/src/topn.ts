/**
 * Indices of the n highest scores among allowed items, ties broken by
 * `tiebreak` (higher first) then index. Items with score −Infinity or
 * `allowed[i] === 0` are never returned. A bounded heap keeps this
 * O(N log n): per-customer lists are computed thousands of times per training.
 */
export function topN(scores: ArrayLike<number>, n: number, allowed?: ArrayLike<number>, tiebreak?: ArrayLike<number>): number[] {
  if (n <= 0) return [];
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
  // Min-heap on rank: the root is the worst item kept so far.
  const heap: number[] = [];
  const siftUp = (k: number) => {
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!before(heap[p] as number, heap[k] as number)) break;
      [heap[p], heap[k]] = [heap[k] as number, heap[p] as number];
      k = p;
    }
  };
  const siftDown = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let w = k;
      if (l < heap.length && before(heap[w] as number, heap[l] as number)) w = l;
      if (r < heap.length && before(heap[w] as number, heap[r] as number)) w = r;
      if (w === k) return;
      [heap[w], heap[k]] = [heap[k] as number, heap[w] as number];
      k = w;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (allowed && allowed[i] === 0) continue;
    const s = scores[i] as number;
    if (s === Number.NEGATIVE_INFINITY || Number.isNaN(s)) continue;
    if (heap.length < n) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (before(i, heap[0] as number)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (before(a, b) ? -1 : 1));
}
