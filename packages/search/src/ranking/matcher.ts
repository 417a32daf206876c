/**
 * Resolves one alternative (a term or a phrase of terms) to per-document,
 * per-field match counts and positions. A phrase matches where its terms
 * sit on consecutive positions of the same field; its tf is the number of
 * such occurrences and its df the number of documents with one.
 */

import type { InvertedIndex, Posting } from '../index/inverted-index.ts';

export interface AltMatch {
  readonly postings: readonly Posting[];
  readonly df: number;
}

const EMPTY: AltMatch = { postings: [], df: 0 };

export function matchTerms(index: InvertedIndex, terms: readonly string[]): AltMatch {
  if (terms.length === 0) return EMPTY;
  const first = index.postings.get(terms[0] as string);
  if (!first) return EMPTY;
  if (terms.length === 1) return { postings: first, df: index.df(terms[0] as string) };
  const rest: Map<number, readonly number[]>[] = [];
  for (let i = 1; i < terms.length; i++) {
    const list = index.postings.get(terms[i] as string);
    if (!list) return EMPTY;
    const m = new Map<number, readonly number[]>();
    for (const p of list) m.set(p.doc * 16 + p.field, p.positions);
    rest.push(m);
  }
  const out: Posting[] = [];
  const docs = new Set<number>();
  for (const p of first) {
    const key = p.doc * 16 + p.field;
    const others = rest.map((m) => m.get(key));
    if (others.some((o) => o === undefined)) continue;
    const starts: number[] = [];
    for (const s of p.positions) {
      let ok = true;
      for (let i = 0; i < others.length && ok; i++) ok = (others[i] as readonly number[]).includes(s + i + 1);
      if (ok) starts.push(s);
    }
    if (starts.length > 0) {
      out.push({ doc: p.doc, field: p.field, tf: starts.length, positions: starts });
      docs.add(p.doc);
    }
  }
  return { postings: out, df: docs.size };
}
