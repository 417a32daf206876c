/**
 * BM25F (Robertson, Zaragoza & Taylor 2004; per-field length normalisation as
 * in Zaragoza et al. 2004):
 *
 *   tf~(t, d)   = sum_f  w_f * tf(t, d, f) / (1 - b_f + b_f * len(d, f) / avglen_f)
 *   score(t, d) = idf(t) * tf~ / (k1 + tf~)
 *   idf(t)      = ln(1 + (N - df + 0.5) / (df + 0.5))
 *
 * avglen_f is the mean over all documents (empty fields count as length 0).
 */

import { FIELDS, type FieldParamMap } from '../types.ts';

export interface Bm25fParams {
  readonly k1: number;
  readonly fields: FieldParamMap;
}

export const DEFAULT_BM25F: Bm25fParams = {
  k1: 1.2,
  fields: {
    title: { weight: 3, b: 0.75 },
    description: { weight: 1, b: 0.75 },
    vendor: { weight: 2, b: 0.5 },
    productType: { weight: 2, b: 0.5 },
    tags: { weight: 1.5, b: 0.5 },
    collections: { weight: 1, b: 0.5 },
    options: { weight: 1, b: 0.5 },
    skus: { weight: 2, b: 0 },
  },
};

export function idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/** Field weights and b values as arrays indexed by FieldId. */
export function fieldArrays(params: Bm25fParams): { weights: number[]; bs: number[] } {
  return {
    weights: FIELDS.map((f) => params.fields[f].weight),
    bs: FIELDS.map((f) => params.fields[f].b),
  };
}

/** One field's contribution to tf~. */
export function fieldTf(tf: number, weight: number, b: number, len: number, avgLen: number): number {
  if (tf === 0 || weight === 0) return 0;
  const norm = avgLen > 0 ? 1 - b + (b * len) / avgLen : 1;
  return (weight * tf) / norm;
}

export function saturate(tfTilde: number, k1: number): number {
  return tfTilde / (k1 + tfTilde);
}
