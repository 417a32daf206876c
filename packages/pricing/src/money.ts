/** Conversions between decimal amounts and integer minor units. */

/**
 * Smallest power of ten (10^minDecimals .. 10^maxDecimals) that turns every
 * amount into an integer (within 1e-6 of one) with no two amounts colliding.
 * Throws if none does.
 */
export function inferMinorUnitScale(amounts: readonly number[], maxDecimals = 6, minDecimals = 0): number {
  for (let d = minDecimals; d <= maxDecimals; d++) {
    const scale = 10 ** d;
    const ok = amounts.every((a) => Number.isFinite(a) && Math.abs(a * scale - Math.round(a * scale)) < 1e-6);
    if (ok && new Set(amounts.map((a) => Math.round(a * scale))).size === amounts.length) return scale;
  }
  throw new RangeError(`amounts need more than ${maxDecimals} decimals: ${amounts.join(', ')}`);
}

/** Amount -> integer minor units at the given scale (100 = cents), rounding half away from zero. */
export function toMinorUnits(amount: number, scale = 100): number {
  if (!Number.isFinite(amount)) throw new RangeError(`amount must be finite, got ${amount}`);
  const v = Math.sign(amount) * Math.round(Math.abs(amount) * scale);
  if (!Number.isSafeInteger(v)) throw new RangeError(`amount ${amount} out of range`);
  return v === 0 ? 0 : v;
}

/** Integer minor units -> decimal amount (for display / float interfaces only). */
export function fromMinorUnits(minor: number, scale = 100): number {
  return minor / scale;
}
