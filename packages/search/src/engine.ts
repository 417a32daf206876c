/**
 * The seam between the store and a search implementation. The in-memory
 * engine here is the reference implementation; a Postgres-backed one keeps
 * the same tables (see index/inverted-index.ts) and the same planner and
 * scorer, and an external engine (Meilisearch, OpenSearch, ...) can sit
 * behind the same interface.
 */

import { Analyzer, type AnalyzerOptions } from './analysis/analyzer.ts';
import { InvertedIndex } from './index/inverted-index.ts';
import { Lexicon } from './query/lexicon.ts';
import { type Alternative, buildPlan, type PlanOptions, type QueryPlan } from './query/plan.ts';
import { SynonymMap, type SynonymRule } from './query/synonyms.ts';
import type { Bm25fParams } from './ranking/bm25f.ts';
import { executePlan, type RerankWeights, type ScoreParts } from './ranking/scorer.ts';
import { topK } from '@storeloom/collections';
import type { SearchDocument } from './types.ts';

export interface SearchOptions {
  /** Maximum number of hits (default 20). */
  readonly limit?: number;
  readonly offset?: number;
  /** Query planning (typo tolerance, prefix, decompounding, ...). */
  readonly plan?: PlanOptions;
  /** Second-stage features for at most this many stage-1 matches (default 1,000). */
  readonly rerankTopK?: number;
  /** Include the query plan and per-hit matched alternatives. */
  readonly explain?: boolean;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
  readonly parts: ScoreParts;
  /** Per query word, the alternative that matched best (explain only). */
  readonly matched?: readonly (string | null)[];
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  /** Number of matching products. */
  readonly total: number;
  readonly plan?: QueryPlan;
}

export interface SearchEngine {
  index(doc: SearchDocument): void | Promise<void>;
  remove(id: string): boolean | Promise<boolean>;
  search(query: string, options?: SearchOptions): SearchResult | Promise<SearchResult>;
}

export interface EngineConfig {
  readonly analyzer?: AnalyzerOptions;
  readonly bm25f?: Bm25fParams;
  /** Second-stage weights; `null` for plain BM25F. */
  readonly rerank?: RerankWeights | null;
  /** Default planning options (overridable per search). */
  readonly plan?: PlanOptions;
  readonly synonyms?: readonly SynonymRule[];
}

export class InMemorySearchEngine implements SearchEngine {
  readonly analyzer: Analyzer;
  readonly store: InvertedIndex;
  readonly lexicon: Lexicon;
  synonyms: SynonymMap;

  constructor(private readonly config: EngineConfig = {}) {
    this.analyzer = new Analyzer(config.analyzer);
    this.store = new InvertedIndex(this.analyzer);
    this.lexicon = new Lexicon(this.store);
    this.synonyms = new SynonymMap(this.analyzer, config.synonyms ?? []);
  }

  index(doc: SearchDocument): void {
    this.store.add(doc);
  }

  remove(id: string): boolean {
    return this.store.remove(id);
  }

  get size(): number {
    return this.store.docCount;
  }

  setSynonyms(rules: readonly SynonymRule[]): void {
    this.synonyms = new SynonymMap(this.analyzer, rules);
  }

  plan(query: string, options: PlanOptions = {}): QueryPlan {
    return buildPlan(
      query,
      { analyzer: this.analyzer, index: this.store, lexicon: this.lexicon, synonyms: this.synonyms },
      { ...this.config.plan, ...options },
    );
  }

  search(query: string, options: SearchOptions = {}): SearchResult {
    const plan = this.plan(query, options.plan);
    const scoreOptions = this.config.bm25f ? { bm25f: this.config.bm25f, rerank: this.config.rerank } : { rerank: this.config.rerank };
    const m = executePlan(this.store, plan, options.rerankTopK ? { ...scoreOptions, rerankTopK: options.rerankTopK } : scoreOptions);
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 20;
    const { scores, ordinals } = m;
    const select = () =>
      topK(m.count, offset + limit, (a, b) => {
        const d = (scores[a] as number) - (scores[b] as number);
        return d > 0 || (d === 0 && (ordinals[a] as number) < (ordinals[b] as number));
      });
    let order = select();
    // The page reaches the matches the top-k stage did not score: score them and select again.
    if (m.pruned > 0 && (order.length === 0 || (scores[order[order.length - 1] as number] as number) <= m.pruneBound)) {
      m.complete();
      order = select();
    }
    const hits: SearchHit[] = [];
    for (const i of order.slice(offset)) {
      const id = this.store.idOf(ordinals[i] as number);
      if (id === undefined) continue;
      const { parts, matched } = m.detail(i);
      hits.push(options.explain ? { id, score: scores[i] as number, parts, matched } : { id, score: scores[i] as number, parts });
    }
    return options.explain ? { hits, total: m.count, plan } : { hits, total: m.count };
  }
}

export type { Alternative };
