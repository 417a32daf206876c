/**
 * Dense linear algebra on row-major Float64Array matrices (no dependencies).
 */

/**
 * Inverts a symmetric positive-definite n×n matrix in place by Gauss–Jordan
 * elimination without pivoting (safe for SPD: every pivot is a Schur
 * complement diagonal, hence > 0). n³ multiply-adds; inner loops run over
 * contiguous rows. Throws if a pivot is not positive (matrix not SPD).
 */
export function invertSpdInPlace(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`matrix length ${a.length} is not ${n}×${n}`);
  const rowK = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const kk = k * n;
    const pivot = a[kk + k] as number;
    if (!(pivot > 0) || !Number.isFinite(pivot)) throw new Error(`matrix is not positive definite (pivot ${pivot} at ${k})`);
    const inv = 1 / pivot;
    for (let j = 0; j < n; j++) rowK[j] = (a[kk + j] as number) * inv;
    rowK[k] = inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const row = a.subarray(i * n, i * n + n);
      const f = row[k] as number;
      if (f === 0) continue;
      axpyNeg(row, rowK, f, n);
      row[k] = -f * inv;
    }
    for (let j = 0; j < n; j++) a[kk + j] = rowK[j] as number;
  }
  return a;
}

/**
 * Inverts a symmetric positive-definite n×n matrix in place with the
 * symmetric sweep operator: only the upper triangle is updated (n³/2
 * multiply-adds, half of plain Gauss–Jordan), then mirrored. The lower
 * triangle of the input is ignored. Throws if a pivot is not positive.
 */
export function invertSymmetricInPlace(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`matrix length ${a.length} is not ${n}×${n}`);
  const col = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const kk = k * n;
    // Column/row k of the (symmetric) current matrix, gathered from the upper triangle.
    for (let j = 0; j < k; j++) col[j] = a[j * n + k] as number;
    for (let j = k; j < n; j++) col[j] = a[kk + j] as number;
    const d = col[k] as number;
    // Swept pivots hold negative values (-1/d); an unswept pivot must be > 0.
    if (!(d > 0) || !Number.isFinite(d)) throw new Error(`matrix is not positive definite (pivot ${d} at ${k})`);
    const inv = 1 / d;
    col[k] = 0;
    for (let i = 0; i < n; i++) {
      const ci = col[i] as number;
      if (ci === 0) continue;
      const f = ci * inv;
      axpyNegAt(a, i * n, col, i, f, n - i);
    }
    for (let j = 0; j < k; j++) a[j * n + k] = (col[j] as number) * inv;
    for (let j = k + 1; j < n; j++) a[kk + j] = (col[j] as number) * inv;
    a[kk + k] = -inv;
  }
  // The full sweep leaves -A⁻¹ in the upper triangle.
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = -(a[i * n + j] as number);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** y -= f·x over the first n entries (kept small and monomorphic for the JIT). */
function axpyNeg(y: Float64Array, x: Float64Array, f: number, n: number): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    y[j] = (y[j] as number) - f * (x[j] as number);
    y[j + 1] = (y[j + 1] as number) - f * (x[j + 1] as number);
    y[j + 2] = (y[j + 2] as number) - f * (x[j + 2] as number);
    y[j + 3] = (y[j + 3] as number) - f * (x[j + 3] as number);
  }
  for (; j < n; j++) y[j] = (y[j] as number) - f * (x[j] as number);
}

/** y[yo+t] -= f·x[xo+t] for t < len. */
function axpyNegAt(y: Float64Array, yo: number, x: Float64Array, xo: number, f: number, len: number): void {
  let j = xo;
  const end = xo + len;
  for (; j + 3 < end; j += 4) {
    y[yo + j] = (y[yo + j] as number) - f * (x[j] as number);
    y[yo + j + 1] = (y[yo + j + 1] as number) - f * (x[j + 1] as number);
    y[yo + j + 2] = (y[yo + j + 2] as number) - f * (x[j + 2] as number);
    y[yo + j + 3] = (y[yo + j + 3] as number) - f * (x[j + 3] as number);
  }
  for (; j < end; j++) y[yo + j] = (y[yo + j] as number) - f * (x[j] as number);
}

/** Plain matrix product of row-major n×m and m×p matrices (used by tests). */
export function matMul(a: Float64Array, b: Float64Array, n: number, m: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      const f = a[i * m + k] as number;
      if (f === 0) continue;
      for (let j = 0; j < p; j++) out[i * p + j] = (out[i * p + j] as number) + f * (b[k * p + j] as number);
    }
  }
  return out;
}
