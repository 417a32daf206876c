import type { CatalogueItem } from './types.ts';

/** TF-IDF vectors of catalogue text, L2-normalised; cosine via an inverted index. */
export interface ContentIndex {
  /** Per item: sorted term ids and weights (unit length). */
  readonly terms: readonly Int32Array[];
  readonly weights: readonly Float64Array[];
  /** Term id -> items holding it, with weights. */
  readonly postings: readonly { items: number[]; weights: number[] }[];
}

const STOP = new Set(['of', 'and', 'the', 'in', 'with', 'for', 'set', 'a', 'to', 'on', 'an', 'or', 'de']);

export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length >= 2 && !STOP.has(t) && !/^\d+$/.test(t));
}

export function itemText(c: CatalogueItem): string {
  return [c.title, c.description ?? '', c.type ?? '', ...(c.tags ?? [])].join(' ');
}

/**
 * @param texts text per global item index ('' when unknown)
 */
export function buildContentIndex(texts: readonly string[]): ContentIndex {
  const vocab = new Map<string, number>();
  const tf: Map<number, number>[] = texts.map((t) => {
    const m = new Map<number, number>();
    for (const tok of tokenize(t)) {
      let id = vocab.get(tok);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(tok, id);
      }
      m.set(id, (m.get(id) ?? 0) + 1);
    }
    return m;
  });
  const df = new Float64Array(vocab.size);
  for (const m of tf) for (const id of m.keys()) df[id] = (df[id] as number) + 1;
  const n = texts.length;
  const postings = Array.from({ length: vocab.size }, () => ({ items: [] as number[], weights: [] as number[] }));
  const terms: Int32Array[] = [];
  const weights: Float64Array[] = [];
  tf.forEach((m, item) => {
    const ids = [...m.keys()].sort((a, b) => a - b);
    const w = new Float64Array(ids.length);
    let norm = 0;
    ids.forEach((id, k) => {
      const v = (1 + Math.log(m.get(id) as number)) * Math.log(1 + n / (df[id] as number));
      w[k] = v;
      norm += v * v;
    });
    norm = Math.sqrt(norm);
    ids.forEach((id, k) => {
      const v = norm > 0 ? (w[k] as number) / norm : 0;
      w[k] = v;
      postings[id]?.items.push(item);
      postings[id]?.weights.push(v);
    });
    terms.push(Int32Array.from(ids));
    weights.push(w);
  });
  return { terms, weights, postings };
}

/** Adds w·cos(q, ·) into `out` (excluding q itself). */
export function contentScores(index: ContentIndex, q: number, out: Float64Array, w = 1): Float64Array {
  const ids = index.terms[q];
  const ws = index.weights[q];
  if (!ids || !ws) return out;
  for (let k = 0; k < ids.length; k++) {
    const p = index.postings[ids[k] as number];
    if (!p) continue;
    const wq = (ws[k] as number) * w;
    for (let t = 0; t < p.items.length; t++) {
      const j = p.items[t] as number;
      if (j !== q) out[j] = (out[j] as number) + wq * (p.weights[t] as number);
    }
  }
  return out;
}
