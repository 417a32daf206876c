import { invertSymmetricInPlace } from './linalg.ts';

/**
 * EASE (Steck 2019): B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, i.e.
 * B[i][j] = −P[i][j] / P[j][j] for i ≠ j and B[i][i] = 0.
 * Restricted to `items` (a subset of the global item indices, e.g. the
 * top-K by popularity) to bound memory (K² doubles) and time (K³/2).
 */
export interface EaseModel {
  readonly size: number;
  /** Global item index of each row/column. */
  readonly items: Int32Array;
  /** Global item index -> row of B, or -1. */
  readonly local: Int32Array;
  /** Row-major size×size weights. */
  readonly b: Float64Array;
}

/**
 * @param rows   each row (a customer or an order) lists global item indices
 * @param items  global indices kept in the model
 * @param nItems number of global items
 */
export function trainEase(
  rows: readonly ArrayLike<number>[],
  items: ArrayLike<number>,
  nItems: number,
  lambda: number,
  rowWeights?: ArrayLike<number>,
): EaseModel {
  const k = items.length;
  const local = new Int32Array(nItems).fill(-1);
  const kept = Int32Array.from(items);
  for (let j = 0; j < k; j++) local[kept[j] as number] = j;
  // Gram matrix G = XᵀX (binary X), upper triangle only.
  const g = new Float64Array(k * k);
  const buf = new Int32Array(k);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as ArrayLike<number>;
    const w = rowWeights ? (rowWeights[r] as number) : 1;
    let m = 0;
    for (let t = 0; t < row.length; t++) {
      const l = local[row[t] as number] as number;
      if (l >= 0) buf[m++] = l;
    }
    const sorted = buf.subarray(0, m).sort();
    for (let a = 0; a < m; a++) {
      const base = (sorted[a] as number) * k;
      for (let c = a; c < m; c++) {
        const idx = base + (sorted[c] as number);
        g[idx] = (g[idx] as number) + w;
      }
    }
  }
  for (let j = 0; j < k; j++) g[j * k + j] = (g[j * k + j] as number) + lambda;
  const p = invertSymmetricInPlace(g, k);
  // B in place of P: column j divided by −P[j][j], diagonal 0.
  const diag = new Float64Array(k);
  for (let j = 0; j < k; j++) diag[j] = p[j * k + j] as number;
  for (let i = 0; i < k; i++) {
    const base = i * k;
    for (let j = 0; j < k; j++) p[base + j] = -(p[base + j] as number) / (diag[j] as number);
    p[base + i] = 0;
  }
  return { size: k, items: kept, local, b: p };
}

/** Adds w·B[i,·] into `out` (indexed by global item) for a profile of (item, weight) pairs. */
export function easeScores(model: EaseModel, profile: ReadonlyMap<number, number>, out: Float64Array): Float64Array {
  const k = model.size;
  const acc = new Float64Array(k);
  for (const [item, w] of profile) {
    const l = model.local[item];
    if (l === undefined || l < 0) continue;
    const base = l * k;
    for (let j = 0; j < k; j++) acc[j] = (acc[j] as number) + w * (model.b[base + j] as number);
  }
  for (let j = 0; j < k; j++) {
    const g = model.items[j] as number;
    out[g] = (out[g] as number) + (acc[j] as number);
  }
  return out;
}
