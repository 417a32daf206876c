/**
 * Splits `amount` (a non-negative integer) in proportion to `weights` with the
 * largest-remainder method: the parts add up to `amount` exactly, and when
 * amount ≤ sum(weights) no part exceeds its weight.
 * TODO(promo): replace with @storeloom/money's allocate once it lands.
 */
export function allocate(amount: number, weights: number[]): number[] {
  const total = weights.reduce((s, w) => s + Math.max(0, w), 0);
  if (total <= 0 || amount <= 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((amount * Math.max(0, w)) / total));
  let left = amount - parts.reduce((s, p) => s + p, 0);
  const order = weights.map((w, i) => ({ i, rem: (amount * Math.max(0, w)) % total })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if ((weights[i] ?? 0) <= 0) continue;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
}
