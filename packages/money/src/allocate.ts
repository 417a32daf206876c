import { toBigInt, toSafeNumber } from './rounding.ts';

/**
 * Splits an integer amount over weights (line totals, quantities, ratios) without losing or inventing a unit:
 * the largest-remainder method. Each share is floor(amount × w / Σw) or one more; the units left after flooring go to
 * the largest remainders, ties to the earlier position, so the result is deterministic and independent of how the
 * weights are scaled. The shares always sum to `amount` exactly, have its sign, and when |amount| ≤ Σw no share exceeds
 * its weight (a discount allocated over line totals never makes a line negative).
 *
 * Weights must be non-negative safe integers. When they are all zero, the amount is split evenly.
 * allocate(100, [1, 1, 1]) = [34, 33, 33]; allocate(-5, [2, 1]) = [-3, -2] (the sign is carried by the amount).
 */
export function allocate(amount: number, weights: readonly number[]): number[] {
  const total = toBigInt(amount);
  if (weights.length === 0) {
    if (total !== 0n) throw new RangeError('cannot allocate a non-zero amount over no weights');
    return [];
  }
  let ws = weights.map((w, i) => {
    const b = toBigInt(w, `weight ${i}`);
    if (b < 0n) throw new RangeError(`weight ${i} must not be negative, got ${w}`);
    return b;
  });
  let sum = ws.reduce((a, b) => a + b, 0n);
  if (sum === 0n) {
    ws = ws.map(() => 1n);
    sum = BigInt(ws.length);
  }
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const shares = ws.map((w) => (abs * w) / sum);
  const remainders = ws.map((w, i) => ({ i, r: (abs * w) % sum }));
  let left = abs - shares.reduce((a, b) => a + b, 0n); // < number of weights with a non-zero remainder
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares.map((s) => toSafeNumber(negative ? -s : s, 'share'));
}
