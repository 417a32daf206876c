/** Random variates used by Thompson sampling. All take an explicit seeded `Rng`. */

import type { Rng } from './rng.ts';

/** Standard normal via Box-Muller (one value per call, no caching so state stays in the rng). */
export function sampleNormal(rng: Rng): number {
  const u1 = 1 - rng.next(); // (0, 1]
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Gamma(shape, 1) via Marsaglia & Tsang (2000); shapes below 1 use the boost Gamma(a+1) * U^(1/a). */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) {
    throw new RangeError(`gamma shape must be finite and > 0, got ${shape}`);
  }
  if (shape < 1) {
    const u = 1 - rng.next();
    return sampleGamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  const s = x + y;
  // Both gammas can underflow to 0 for tiny shapes; fall back to the mean.
  return s > 0 ? x / s : a / (a + b);
}

/**
 * Draw an index with probability proportional to non-negative weights.
 * Returns -1 when no weight is positive.
 */
export function sampleIndex(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) if (w > 0) total += w;
  if (!(total > 0)) return -1;
  let u = rng.next() * total;
  let last = -1;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k] ?? 0;
    if (!(w > 0)) continue;
    last = k;
    if (u < w) return k;
    u -= w;
  }
  return last;
}
