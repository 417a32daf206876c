/**
 * Per-language analysis (issue 19): which stemmer and stop words analyse text
 * of a given locale. The tokenizer is the same for every language (CJK runs
 * already become bigrams); only the stemming of Latin-script words and the
 * query's optional function words differ.
 *
 * German, French and Spanish use the Snowball stemmers of `@orama/stemmers`
 * (small, maintained, no dependencies). The analyser folds accents before
 * stemming, so the stemmers see "hute" for "Hüte" on both the document and the
 * query side. Japanese and Chinese text is bigrams (no stemming applies); any
 * Latin words in it get the English stemmer, as do locales without a stemmer
 * here. English keeps the Porter stemmer and English stop words unchanged.
 */
import { stemmer as frenchStem } from '@orama/stemmers/french';
import { stemmer as germanStem } from '@orama/stemmers/german';
import { stemmer as spanishStem } from '@orama/stemmers/spanish';
import type { Stemmer } from './analyzer.ts';
import { porterStem } from './porter.ts';
import { ENGLISH_STOP_WORDS } from './stopwords.ts';

export interface LanguageAnalysis {
  /** The language the analysis is for ("de"), or "en" for the default analysis. */
  readonly language: string;
  readonly stemmer: Stemmer;
  /** Function words, normalised (accents folded, lowercase). */
  readonly stopWords: ReadonlySet<string>;
}

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

const LANGUAGES: Readonly<Record<string, LanguageAnalysis>> = {
  de: {
    language: 'de',
    stemmer: germanStem,
    stopWords: words(
      'der die das den dem des ein eine einen einem einer eines und oder mit ohne fur von vom zu zum zur im in am an auf aus bei nach uber unter fuer',
    ),
  },
  fr: {
    language: 'fr',
    stemmer: frenchStem,
    stopWords: words('le la les l un une des de du d et ou avec sans pour par en au aux sur dans a'),
  },
  es: {
    language: 'es',
    stemmer: spanishStem,
    stopWords: words('el la los las un una unos unas de del y o con sin para por en al a sobre'),
  },
  ja: { language: 'ja', stemmer: porterStem, stopWords: ENGLISH_STOP_WORDS },
  zh: { language: 'zh', stemmer: porterStem, stopWords: ENGLISH_STOP_WORDS },
};

const DEFAULT: LanguageAnalysis = { language: 'en', stemmer: porterStem, stopWords: ENGLISH_STOP_WORDS };

/** The language part of a BCP 47 locale: "zh-CN" -> "zh", "DE" -> "de". */
export const languageOf = (locale: string): string => (locale.split('-')[0] ?? '').toLowerCase();

/** The analysis for text in `locale` (English/Porter for languages without their own). */
export function languageAnalysis(locale: string): LanguageAnalysis {
  return LANGUAGES[languageOf(locale)] ?? DEFAULT;
}

/** Languages with an analysis of their own (besides English). */
export const ANALYSED_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);
