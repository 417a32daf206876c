/**
 * The first `k` of the items `0 … n-1` in a total order, without sorting all
 * of them: a bounded binary heap holding the worst kept item on top,
 * O(n log k). `before(a, b)` is true when item a ranks before item b; `keep`,
 * when given, leaves out the items it is false for. Search ranks its matches
 * and recommendations their candidates with it.
 */
export function topK(n: number, k: number, before: (a: number, b: number) => boolean, keep?: (i: number) => boolean): number[] {
  if (k <= 0 || n <= 0) return [];
  const heap: number[] = [];
  const worse = (a: number, b: number) => before(b, a); // heap order: the worst item at the root
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i] as number, heap[p] as number)) break;
      [heap[i], heap[p]] = [heap[p] as number, heap[i] as number];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && worse(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (keep && !keep(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (before(i, heap[0] as number)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}
