export { Analyzer, type AnalyzedText, type AnalyzerOptions, type IndexToken, type Stemmer } from './analysis/analyzer.ts';
export { foldAccents, normalizeText } from './analysis/normalize.ts';
export { porterStem } from './analysis/porter.ts';
export { ATTRIBUTE_WORDS, ENGLISH_STOP_WORDS, isStopWord, QUALIFIER_WORDS } from './analysis/stopwords.ts';
export { alphaNumericRuns, type TokenGroup, type Tokenized, type TokenizerOptions, tokenize } from './analysis/tokenize.ts';
export {
  type EngineConfig,
  InMemorySearchEngine,
  type SearchEngine,
  type SearchHit,
  type SearchOptions,
  type SearchResult,
} from './engine.ts';
export { type DocRecord, type IndexState, InvertedIndex, normalizeSku, PostingList, titleHeadPosition, type VocabEntry } from './index/inverted-index.ts';
export { BaseMap, type BaseValues, type StringMap, StringTable } from './index/base-map.ts';
export { decodeIndex, encodeIndex, SNAPSHOT_FORMAT } from './index/snapshot.ts';
export { deletions, editDistance } from './query/edit-distance.ts';
export { type Completion, Lexicon, type Split } from './query/lexicon.ts';
export { type AltSource, type Alternative, buildPlan, type Clause, type PlanContext, type PlanOptions, type QueryPlan } from './query/plan.ts';
export {
  adjacentKeys,
  type Correction,
  cooccurrence,
  corrections,
  DEFAULT_SPELLING_CONTEXT,
  keyboardDistance,
  type SpellingModel,
  type SpellingOptions,
  spellingModel,
} from './query/spelling.ts';
export { type SynonymExpansion, SynonymMap, type SynonymRule } from './query/synonyms.ts';
export { type DeletionArrays, DeletionIndex, isTypoCorrectable, maxEditsFor, type TypoCandidate } from './query/typo-index.ts';
export { type Bm25fParams, DEFAULT_BM25F, fieldTf, idf, saturate } from './ranking/bm25f.ts';
export { type AltMatch, matchTerms } from './ranking/matcher.ts';
export {
  DEFAULT_RERANK,
  FEATURE_NAMES,
  type FeatureName,
  type Features,
  type RerankWeights,
  type ScoredDoc,
  type ScoreOptions,
  type ScoreParts,
  compareScored,
  executePlan,
  type PlanMatches,
  scorePlan,
} from './ranking/scorer.ts';
export { FIELD_ID, type FieldId, type FieldName, type FieldParamMap, type FieldParams, FIELDS, type SearchDocument, TITLE } from './types.ts';
export { ANALYSED_LANGUAGES, type LanguageAnalysis, languageAnalysis, languageOf } from './analysis/languages.ts';
