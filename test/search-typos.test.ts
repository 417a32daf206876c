import { describe, expect, it } from 'vitest';
import { parseTypoSpec, syntheticTypos, typoEligible } from '../bench/search/typos.ts';

const QUERIES = [
  { id: 'q1', text: 'acoustic guitar clamp' },
  { id: 'q2', text: '16 gb memory card' },
  { id: 'q3', text: 'yoga mat' },
  { id: 'q4', text: 'bridal shower decorations' },
  { id: 'q5', text: 'nike shox' },
  { id: 'q6', text: 'aaaaa' },
];

/** Whether `typo` is `word` with exactly one edit of the given kind at `pos`. */
function isEdit(word: string, typo: string, kind: string, pos: number): boolean {
  if (kind === 'deletion') return typo === word.slice(0, pos) + word.slice(pos + 1);
  if (kind === 'substitution')
    return (
      typo.length === word.length &&
      typo[pos] !== word[pos] &&
      /[a-z]/.test(typo[pos] as string) &&
      typo.slice(0, pos) + typo.slice(pos + 1) === word.slice(0, pos) + word.slice(pos + 1)
    );
  return (
    kind === 'transposition' &&
    word[pos] !== word[pos + 1] &&
    typo === word.slice(0, pos) + (word[pos + 1] as string) + (word[pos] as string) + word.slice(pos + 2)
  );
}

describe('synthetic typos (bench/search/typos.ts)', () => {
  it('is deterministic for a seed, differs across seeds, and a variant does not depend on N or the other queries', () => {
    const a = syntheticTypos(QUERIES, 5, 2);
    expect(syntheticTypos(QUERIES, 5, 2)).toEqual(a);
    expect(syntheticTypos(QUERIES, 5, 3).map((q) => q.text)).not.toEqual(a.map((q) => q.text));
    // the first 3 of 5 variants are the 3 variants of N = 3; one query alone gets the same variants
    const three = syntheticTypos(QUERIES, 3, 2);
    expect(three).toEqual(a.filter((_, i) => i % 5 < 3));
    expect(syntheticTypos([QUERIES[0] as { id: string; text: string }], 5, 2)).toEqual(a.slice(0, 5));
    // pinned: the same bytes on every machine (mulberry32 and FNV-1a are integer arithmetic)
    expect(a.slice(0, 5).map((q) => q.text)).toMatchInlineSnapshot(`
      [
        "acoustic guitr clamp",
        "acuostic guitar clamp",
        "acoustic guitar clap",
        "acoustic guitar lamp",
        "acoustic gitar clamp",
      ]
    `);
  });

  it('makes exactly one edit of one word of 5+ letters, keeps id and the other words, and leaves queries without one unchanged', () => {
    for (const q of syntheticTypos(QUERIES, 50, 7)) {
      const clean = QUERIES.find((c) => c.id === q.id) as { id: string; text: string };
      expect(q.original).toBe(clean.text);
      const words = clean.text.split(' ');
      if (!words.some(typoEligible)) {
        expect(q).toMatchObject({ text: clean.text, edit: null, word: null, typo: null });
        continue;
      }
      const typed = q.text.split(' ');
      expect(typed.length).toBe(words.length);
      const changed = words.map((w, i) => (w === typed[i] ? -1 : i)).filter((i) => i >= 0);
      expect(changed).toEqual([q.wordIndex]);
      expect(q.word).toBe(words[q.wordIndex]);
      expect(q.word?.length).toBeGreaterThanOrEqual(5);
      expect(typoEligible(q.word as string)).toBe(true);
      expect(q.typo).toBe(typed[q.wordIndex]);
      expect(isEdit(q.word as string, q.typo as string, q.edit as string, q.position)).toBe(true);
    }
  });

  it('covers the documented range: every kind, every position incl. the first letter, every eligible word', () => {
    const out = syntheticTypos([{ id: 'q1', text: 'acoustic guitar clamp' }], 2000, 11);
    const kinds = new Map<string, number>();
    for (const q of out) kinds.set(q.edit as string, (kinds.get(q.edit as string) ?? 0) + 1);
    // each kind about a third (2000 draws: sd ≈ 21)
    for (const k of ['deletion', 'substitution', 'transposition']) expect(Math.abs((kinds.get(k) ?? 0) - 2000 / 3)).toBeLessThan(120);
    expect(new Set(out.map((q) => q.word))).toEqual(new Set(['acoustic', 'guitar', 'clamp']));
    for (const word of ['acoustic', 'guitar', 'clamp'])
      for (const kind of ['deletion', 'substitution', 'transposition']) {
        const positions = new Set(out.filter((q) => q.word === word && q.edit === kind).map((q) => q.position));
        const last = kind === 'transposition' ? word.length - 2 : word.length - 1;
        expect([...positions].sort((x, y) => x - y)).toEqual([...Array(last + 1).keys()]);
      }
    // substitution letters are not keyboard-biased: all 25 other letters appear at one position
    const subs = new Set(out.filter((q) => q.edit === 'substitution' && q.word === 'clamp' && q.position === 0).map((q) => q.typo?.[0]));
    expect(subs.size).toBeGreaterThan(15);
    expect(subs.has('c')).toBe(false);
  });

  it('never swaps a doubled letter, and a word of one repeated letter gets a substitution instead', () => {
    for (const q of syntheticTypos([{ id: 'x', text: 'balloon' }], 300, 3)) if (q.edit === 'transposition') expect(q.typo).not.toBe('balloon');
    expect(syntheticTypos([{ id: 'y', text: 'aaaaa' }], 100, 3).every((q) => q.edit !== 'transposition' && q.text !== 'aaaaa')).toBe(true);
  });

  it('parses --typos', () => {
    expect(parseTypoSpec(undefined)).toEqual({ kind: 'file' });
    expect(parseTypoSpec('file')).toEqual({ kind: 'file' });
    expect(parseTypoSpec('synthetic:10')).toEqual({ kind: 'synthetic', n: 10, seed: 1 });
    expect(parseTypoSpec('synthetic:10:3')).toEqual({ kind: 'synthetic', n: 10, seed: 3 });
    expect(() => parseTypoSpec('synthetic:0')).toThrow(/at least 1/);
    expect(() => parseTypoSpec('random')).toThrow(/synthetic:N/);
  });
});
