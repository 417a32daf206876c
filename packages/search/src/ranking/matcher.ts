/**
 * Resolves one alternative (a term or a phrase of terms) to per-document,
 * per-field match counts and positions. A phrase matches where its terms
 * sit on consecutive positions of the same field; its tf is the number of
 * such occurrences and its df the number of documents with one.
 */

import { type InvertedIndex, PostingList } from '../index/inverted-index.ts';

export interface AltMatch {
  readonly postings: PostingList;
  readonly df: number;
}

const EMPTY: AltMatch = { postings: new PostingList(0, 1), df: 0 };

/** Whether a sorted Int32Array slice contains v. */
function containsSorted(a: Int32Array, v: number): boolean {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid] as number;
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

export function matchTerms(index: InvertedIndex, terms: readonly string[]): AltMatch {
  if (terms.length === 0) return EMPTY;
  const first = index.postings.get(terms[0] as string);
  if (!first) return EMPTY;
  if (terms.length === 1) return { postings: first, df: index.df(terms[0] as string) };
  const rest: PostingList[] = [];
  for (let i = 1; i < terms.length; i++) {
    const list = index.postings.get(terms[i] as string);
    if (!list) return EMPTY;
    rest.push(list);
  }
  const out = new PostingList();
  const cursors = rest.map(() => 0);
  let docs = 0;
  let lastDoc = -1;
  const starts: number[] = [];
  for (let i = 0; i < first.n; i++) {
    const doc = first.doc(i);
    const field = first.field(i);
    // the same (doc, field) posting in every other term's list
    const others: Int32Array[] = [];
    for (let t = 0; t < rest.length; t++) {
      const list = rest[t] as PostingList;
      let c = list.seek(doc, cursors[t] as number);
      cursors[t] = c;
      while (c < list.n && list.doc(c) === doc && list.field(c) < field) c++;
      if (c >= list.n || list.doc(c) !== doc || list.field(c) !== field) break;
      others.push(list.positionsOf(c));
    }
    if (others.length !== rest.length) continue;
    starts.length = 0;
    for (const s of first.positionsOf(i)) {
      let ok = true;
      for (let t = 0; t < others.length && ok; t++) ok = containsSorted(others[t] as Int32Array, s + t + 1);
      if (ok) starts.push(s);
    }
    if (starts.length > 0) {
      out.push(doc, field, starts);
      if (doc !== lastDoc) {
        docs++;
        lastDoc = doc;
      }
    }
  }
  return { postings: out, df: docs };
}
