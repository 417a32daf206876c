/**
 * Synthetic typo queries for the search CV harness (`--typos synthetic:N[:seed]`, issue 23 target 6).
 *
 * The shared typo file (`../shared/bench/search/queries-typo.jsonl`) has one typo per dev query, and the spelling
 * path's choices were checked on those same 131 typos, so its typo loss can be optimistic for unseen queries. This
 * generator draws N more typos per dev query by the process the shared file documents (checked against its 131 lines,
 * docs/design/search.md round 19):
 *
 * - the typo'd word is a whitespace-separated word of the query made of at least 5 letters (sizes and model numbers
 *   untouched), chosen uniformly among those; a query without one is left unchanged;
 * - the edit is deletion, substitution or transposition of two adjacent letters, each with probability 1/3;
 * - the position is uniform over the word, the first letter included; a substitution puts a uniformly random other
 *   letter a–z (not keyboard-biased); a transposition swaps two different letters (the file has no swap of a doubled
 *   letter, which would leave the word unchanged).
 *
 * Every variant is drawn from its own PRNG stream, seeded from (seed, query id, variant number), so a variant does
 * not depend on the other queries or on N, and the output is the same on every machine.
 */

export type TypoEdit = 'deletion' | 'substitution' | 'transposition';

export interface TypoQuery {
  /** The clean query's id: a variant sits in its query's fold and is scored against its judgements. */
  readonly id: string;
  readonly text: string;
  readonly original: string;
  /** null when the query has no word of 5 letters or more (the text is unchanged). */
  readonly edit: TypoEdit | null;
  readonly word: string | null;
  readonly typo: string | null;
  /** Index of the changed word among the query's whitespace-separated words (-1 when unchanged). */
  readonly wordIndex: number;
  /** Position of the edit in the word (the first of the two letters for a transposition; -1 when unchanged). */
  readonly position: number;
}

/** mulberry32: a small seeded PRNG, so folds and synthetic typos are the same on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the string's UTF-16 code units, folded into the running hash `h`. */
function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const EDITS: readonly TypoEdit[] = ['deletion', 'substitution', 'transposition'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ELIGIBLE = /^\p{L}{5,}$/u;

/** Whether a query word can carry the typo: letters only, at least 5 of them. */
export const typoEligible = (word: string): boolean => ELIGIBLE.test(word);

/** One typo variant of `query`, drawn from `rnd`. */
export function typoVariant(query: { id: string; text: string }, rnd: () => number): TypoQuery {
  // keep the separators, so only the changed word differs from the clean text
  const parts = query.text.split(/(\s+)/);
  const words = parts.map((p, i) => ({ p, i })).filter(({ p }, k) => k % 2 === 0 && p.length > 0);
  const eligible = words.map((w, wi) => ({ ...w, wi })).filter(({ p }) => typoEligible(p));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  if (eligible.length === 0) return { id: query.id, text: query.text, original: query.text, edit: null, word: null, typo: null, wordIndex: -1, position: -1 };
  const chosen = pick(eligible);
  const w = chosen.p;
  let edit = pick(EDITS);
  const swaps = [...Array(w.length - 1).keys()].filter((i) => w[i] !== w[i + 1]);
  // a word of one repeated letter has no swap that changes it ("aaaaa"): substitute instead
  if (edit === 'transposition' && swaps.length === 0) edit = 'substitution';
  let typo: string;
  let position: number;
  if (edit === 'deletion') {
    position = Math.floor(rnd() * w.length);
    typo = w.slice(0, position) + w.slice(position + 1);
  } else if (edit === 'substitution') {
    position = Math.floor(rnd() * w.length);
    const others = [...LETTERS].filter((c) => c !== w[position]);
    typo = w.slice(0, position) + pick(others) + w.slice(position + 1);
  } else {
    position = pick(swaps);
    typo = w.slice(0, position) + (w[position + 1] as string) + (w[position] as string) + w.slice(position + 2);
  }
  const out = [...parts];
  out[chosen.i] = typo;
  return { id: query.id, text: out.join(''), original: query.text, edit, word: w, typo, wordIndex: chosen.wi, position };
}

/** `n` typo variants of every query (query order, then variant order), seeded by `seed`. */
export function syntheticTypos(queries: readonly { id: string; text: string }[], n: number, seed = 1): TypoQuery[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`synthetic typos: N must be a positive integer, got ${n}`);
  const out: TypoQuery[] = [];
  for (const q of queries)
    for (let v = 0; v < n; v++) {
      const rnd = mulberry32(fnv1a(`${v}`, fnv1a(q.id, fnv1a(String(seed >>> 0)))));
      out.push(typoVariant(q, rnd));
    }
  return out;
}

/** Parses `--typos`: 'file' (the shared typo file, the default) or 'synthetic:N[:seed]'. */
export function parseTypoSpec(spec: string | undefined): { kind: 'file' } | { kind: 'synthetic'; n: number; seed: number } {
  if (spec === undefined || spec === 'file') return { kind: 'file' };
  const m = /^synthetic:(\d+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`--typos: 'file' or 'synthetic:N[:seed]', got ${spec}`);
  const n = Number(m[1]);
  if (n < 1) throw new Error(`--typos: N must be at least 1, got ${spec}`);
  return { kind: 'synthetic', n, seed: m[2] === undefined ? 1 : Number(m[2]) };
}
