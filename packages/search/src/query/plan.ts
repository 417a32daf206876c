/**
 * Query planning: turns the typed text into clauses, one per query word, each
 * with weighted alternatives (exact term, letter/digit parts, typo
 * corrections, prefix completions, decompounded phrase, synonyms) and span
 * alternatives that cover several words (joined compounds, multi-word
 * synonyms). The plan is plain data, so it can be logged, explained and sent
 * to a different executor (e.g. SQL over the postings table).
 */

import type { Analyzer } from '../analysis/analyzer.ts';
import type { InvertedIndex } from '../index/inverted-index.ts';
import type { Lexicon } from './lexicon.ts';
import { ATTRIBUTE_WORDS, QUALIFIER_WORDS } from '../analysis/stopwords.ts';
import type { SynonymMap } from './synonyms.ts';
import { DEFAULT_SPELLING_CONTEXT, type SpellingOptions, spellingModel } from './spelling.ts';

export type AltSource = 'exact' | 'parts' | 'typo' | 'prefix' | 'split' | 'join' | 'synonym';

export interface Alternative {
  /** Index terms; more than one means a phrase (terms on consecutive positions). */
  readonly terms: readonly string[];
  readonly weight: number;
  readonly source: AltSource;
  /** Query words covered, starting at the owning clause (1 for most alternatives). */
  readonly span: number;
  /** Surface form shown in explanations. */
  readonly label: string;
}

export interface Clause {
  /** Query word as typed (normalised). */
  readonly text: string;
  /** Stop words are optional: scored, but not counted in coverage. */
  readonly optional: boolean;
  /** The word follows a qualifier ("children" in "bike for children"): it may match anywhere in a title. */
  readonly qualifier: boolean;
  /**
   * The head of the query's noun phrase: the last non-numeric content word
   * before any qualifier ("headgear" in "martial art headgear", "bike" in
   * "bike for children"). It names what the shopper wants.
   */
  readonly head: boolean;
  readonly alternatives: Alternative[];
}

export interface QueryPlan {
  readonly text: string;
  readonly clauses: readonly Clause[];
}

export interface PlanOptions {
  /** Typo tolerance (default true). */
  readonly typo?: boolean;
  /** Typo model parameters (see spelling.ts). */
  readonly spelling?: SpellingOptions;
  /** Prefix completion of the last word: 'always' (autocomplete), 'unknown' (only when the word is not in the vocabulary), 'off'. */
  readonly prefix?: 'always' | 'unknown' | 'off';
  readonly prefixWeight?: number;
  readonly prefixMinLength?: number;
  readonly prefixMaxCandidates?: number;
  /** Split unknown words into two known ones (default true). */
  readonly decompound?: boolean;
  readonly splitWeight?: number;
  /** Join adjacent words when the concatenation is a known word (default true). */
  readonly join?: boolean;
  readonly joinWeight?: number;
  /**
   * Also join a word's typo corrections with its neighbour ("nutri sytem" -> "nutrisystem" when the catalogue has
   * that word), weighted by the correction's weight (default false: see the CV table in docs/design/search.md).
   */
  readonly joinCorrections?: boolean;
  /** Treat stop words as optional (default true). */
  readonly stopWords?: boolean;
  readonly synonymWeight?: number;
  /**
   * How to find the query's head word: 'last' content word before any
   * qualifier (default), or 'corpus': among those, the word the catalogue most
   * often uses as a title's head noun.
   */
  readonly headSelection?: 'last' | 'corpus';
  /** Drop repeated words (default true). */
  readonly dedupe?: boolean;
}

export interface PlanContext {
  readonly analyzer: Analyzer;
  readonly index: InvertedIndex;
  readonly lexicon: Lexicon;
  readonly synonyms?: SynonymMap | undefined;
}

const ALPHA_WORD = /^\p{L}+$/u;

export function buildPlan(text: string, ctx: PlanContext, opts: PlanOptions = {}): QueryPlan {
  const { analyzer, index, lexicon } = ctx;
  const typo = opts.typo ?? true;
  const prefix = opts.prefix ?? 'unknown';
  const prefixWeight = opts.prefixWeight ?? 0.7;
  const prefixMinLength = opts.prefixMinLength ?? 3;
  const prefixMax = opts.prefixMaxCandidates ?? 5;
  const decompound = opts.decompound ?? true;
  const splitWeight = opts.splitWeight ?? 0.9;
  const join = opts.join ?? true;
  const joinWeight = opts.joinWeight ?? 1;
  const useStop = opts.stopWords ?? true;
  const synonymWeight = opts.synonymWeight ?? 0.95;

  const { groups } = analyzer.groups(text);
  const words = groups.filter((g, i) => ((opts.dedupe ?? true) ? groups.findIndex((h) => analyzer.term(h.text) === analyzer.term(g.text)) === i : true));
  const clauses: Clause[] = [];
  const allStop = words.every((g) => analyzer.isStopWord(g.text));
  const firstQualifier = words.findIndex((g, i) => i > 0 && QUALIFIER_WORDS.has(g.text));
  const headCandidates = words.map((g, i) => ({ g, i })).filter(({ g, i }) => (firstQualifier < 0 || i < firstQualifier) && !analyzer.isStopWord(g.text));
  const nouns = headCandidates.filter(({ g }) => /\p{L}/u.test(g.text) && !/\p{N}/u.test(g.text));
  const content = nouns.filter(({ g }) => !ATTRIBUTE_WORDS.has(g.text));
  let head = (content.at(-1) ?? nouns.at(-1) ?? headCandidates.at(-1))?.i ?? -1;
  if (opts.headSelection === 'corpus' && content.length > 1) {
    // the word most often seen as a title's head noun in this catalogue, ties to the rightmost
    let best = -1;
    content.forEach(({ g, i }, k) => {
      const score = index.headRate(analyzer.term(g.text)) + 0.05 * (k / (content.length - 1));
      if (score > best) {
        best = score;
        head = i;
      }
    });
  }

  // The context model's evidence (spelling.context, on by default): the terms of the query's known, non-stop words.
  const contextTerms =
    (opts.spelling?.context ?? DEFAULT_SPELLING_CONTEXT) > 0 && typo
      ? [...new Set(words.filter((g) => !analyzer.isStopWord(g.text)).map((g) => analyzer.term(g.text)))].filter((t) => index.df(t) > 0)
      : [];

  words.forEach((g, wi) => {
    const term = analyzer.term(g.text);
    const alternatives: Alternative[] = [{ terms: [term], weight: 1, source: 'exact', span: 1, label: g.text }];
    const optional = useStop && !allStop && analyzer.isStopWord(g.text);
    if (g.parts.length > 1) {
      alternatives.push({ terms: g.parts.map((p) => analyzer.term(p)), weight: 1, source: 'parts', span: 1, label: g.parts.join(' ') });
    }
    const known = index.df(term) > 0;
    const isLast = wi === words.length - 1;
    const alpha = g.kind === 'word' && ALPHA_WORD.test(g.text);

    if (!optional && alpha && typo) {
      const model = spellingModel(
        g.text,
        ctx,
        opts.spelling,
        contextTerms.filter((t) => t !== term),
      );
      if (model.typedWeight !== 1) alternatives[0] = { ...(alternatives[0] as Alternative), weight: model.typedWeight };
      for (const c of model.corrections) {
        alternatives.push({ terms: [c.term], weight: c.weight, source: 'typo', span: 1, label: c.surface });
      }
    }
    if (!optional && alpha && decompound && !known) {
      const sp = lexicon.split(g.text);
      if (sp) {
        const [a, b] = sp.parts;
        alternatives.push({ terms: [analyzer.term(a), analyzer.term(b)], weight: splitWeight, source: 'split', span: 1, label: `${a} ${b}` });
      }
    }
    if (isLast && !optional && prefix !== 'off' && g.kind === 'word' && g.text.length >= prefixMinLength && (prefix === 'always' || !known)) {
      const seen = new Set(alternatives.map((a) => a.terms.join(' ')));
      for (const c of lexicon.completions(g.text, prefixMax * 3)) {
        const t = lexicon.termOf(c.surface) ?? c.surface;
        if (seen.has(t)) continue;
        seen.add(t);
        const completeness = g.text.length / c.surface.length;
        alternatives.push({ terms: [t], weight: prefixWeight * (0.5 + 0.5 * completeness), source: 'prefix', span: 1, label: c.surface });
        if (seen.size > prefixMax + 1) break;
      }
    }
    if (g.kind === 'cjk' && !known && Array.from(g.text).length === 1) {
      // a lone CJK character is indexed only inside bigrams: match the bigrams it starts
      for (const c of lexicon.completions(g.text, prefixMax * 2)) {
        alternatives.push({ terms: [lexicon.termOf(c.surface) ?? c.surface], weight: prefixWeight, source: 'prefix', span: 1, label: c.surface });
      }
    }
    clauses.push({ text: g.text, optional, qualifier: firstQualifier >= 0 && wi > firstQualifier, head: wi === head, alternatives });
  });

  // multi-word alternatives: joined compounds and synonyms
  const terms = words.map((g) => analyzer.term(g.text));
  for (let i = 0; i < words.length; i++) {
    const clause = clauses[i] as Clause;
    const g = words[i];
    const next = words[i + 1];
    if (join && g && next && ALPHA_WORD.test(g.text) && ALPHA_WORD.test(next.text) && !clause.optional && !(clauses[i + 1] as Clause).optional) {
      const joined = g.text + next.text;
      const t = analyzer.term(joined);
      // the concatenation must itself be a word of the catalogue ("silverring" stems to "silver": no)
      if (lexicon.surfaceDf(joined) > 0 && t !== terms[i] && t !== terms[i + 1])
        clause.alternatives.push({ terms: [t], weight: joinWeight, source: 'join', span: 2, label: joined });
      else if (opts.joinCorrections) {
        // the words as typed do not join: try their corrections (each side's typed form or one of its typo alternatives)
        const forms = (c: Clause, typed: string) => [
          { text: typed, weight: 1, typed: true },
          ...c.alternatives.filter((a) => a.source === 'typo').map((a) => ({ text: a.label, weight: a.weight, typed: false })),
        ];
        let best: { text: string; weight: number } | null = null;
        for (const a of forms(clause, g.text))
          for (const b of forms(clauses[i + 1] as Clause, next.text)) {
            if (a.typed && b.typed) continue;
            const w = a.weight * b.weight;
            const jt = a.text + b.text;
            if ((!best || w > best.weight) && lexicon.surfaceDf(jt) > 0) best = { text: jt, weight: w };
          }
        if (best) {
          const bt = analyzer.term(best.text);
          if (bt !== terms[i] && bt !== terms[i + 1])
            clause.alternatives.push({ terms: [bt], weight: joinWeight * best.weight, source: 'join', span: 2, label: best.text });
        }
      }
    }
    if (ctx.synonyms && ctx.synonyms.size > 0) {
      for (const exp of ctx.synonyms.match(terms, i)) {
        for (const alt of exp.alternatives) {
          clause.alternatives.push({ terms: alt, weight: synonymWeight, source: 'synonym', span: exp.span, label: alt.join(' ') });
        }
      }
    }
  }
  return { text, clauses };
}
