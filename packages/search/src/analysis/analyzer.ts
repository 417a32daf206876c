/**
 * The analysis pipeline used for both documents and queries:
 * normalise -> tokenize -> stem. Index terms are stems; the surface form
 * (normalised, unstemmed) is kept alongside for typo correction, prefix
 * matching and decompounding, which work on what people type.
 */

import { normalizeText } from './normalize.ts';
import { porterStem } from './porter.ts';
import { ENGLISH_STOP_WORDS } from './stopwords.ts';
import { type TokenGroup, type TokenizerOptions, tokenize } from './tokenize.ts';

export type Stemmer = (word: string) => string;

export interface AnalyzerOptions {
  readonly tokenizer?: TokenizerOptions;
  /** Stemmer for lowercase a-z words; default Porter. Pass `null` for none. */
  readonly stemmer?: Stemmer | null;
  readonly stopWords?: ReadonlySet<string>;
}

export interface IndexToken {
  /** Index term (stem). */
  readonly term: string;
  /** Normalised unstemmed form. */
  readonly surface: string;
  readonly pos: number;
}

export interface AnalyzedText {
  readonly tokens: readonly IndexToken[];
  readonly groups: readonly TokenGroup[];
  readonly length: number;
}

const ALPHA = /^[a-z]+$/;

export class Analyzer {
  readonly stopWords: ReadonlySet<string>;
  private readonly stemmer: Stemmer | null;
  private readonly tokenizerOptions: TokenizerOptions;
  private readonly stemCache = new Map<string, string>();

  constructor(options: AnalyzerOptions = {}) {
    this.stemmer = options.stemmer === undefined ? porterStem : options.stemmer;
    this.tokenizerOptions = options.tokenizer ?? {};
    this.stopWords = options.stopWords ?? ENGLISH_STOP_WORDS;
  }

  /** Map a normalised surface form to its index term. */
  term(surface: string): string {
    if (this.stemmer === null || !ALPHA.test(surface)) return surface;
    let t = this.stemCache.get(surface);
    if (t === undefined) {
      t = this.stemmer(surface);
      if (this.stemCache.size > 200_000) this.stemCache.clear();
      this.stemCache.set(surface, t);
    }
    return t;
  }

  isStopWord(surface: string): boolean {
    return this.stopWords.has(surface);
  }

  groups(text: string): { groups: readonly TokenGroup[]; length: number } {
    return tokenize(normalizeText(text), this.tokenizerOptions);
  }

  analyze(text: string): AnalyzedText {
    const { groups, length } = this.groups(text);
    const tokens: IndexToken[] = [];
    for (const g of groups) {
      tokens.push({ term: this.term(g.text), surface: g.text, pos: g.pos });
      g.parts.forEach((p, i) => {
        tokens.push({ term: this.term(p), surface: p, pos: g.pos + i });
      });
      if (g.joined !== undefined) tokens.push({ term: this.term(g.joined), surface: g.joined, pos: g.pos });
    }
    return { tokens, groups, length };
  }
}
