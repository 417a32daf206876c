/** Small numeric helpers: seeded PRNG, quantiles, smoothing. No dependencies. */

/** Deterministic PRNG (mulberry32): uniform floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 32-bit FNV-1a hash of a string, e.g. a stable PRNG seed per variant id. */
export function seedFromString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Uniform integer in [0, n). */
export function randomInt(rng: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** Standard normal draw (Box-Muller). */
export function normalDraw(rng: () => number): number {
  const u1 = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng());
}

/** Gamma(shape, 1) draw for shape >= 1 (Marsaglia-Tsang). */
export function gammaDraw(rng: () => number, shape: number): number {
  const d = Math.max(1, shape) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normalDraw(rng);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = Math.max(rng(), 1e-12);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Quantile of an ascending-sorted sample, linear interpolation between order
 * statistics (R type 7). Empty sample -> 0.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const a = sorted[lo] ?? 0;
  const b = sorted[Math.min(n - 1, lo + 1)] ?? a;
  return a + (h - lo) * (b - a);
}

/** Median of a sample (copies and sorts). */
export function median(values: ArrayLike<number>): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/** Inverse standard normal CDF (Acklam's rational approximation, |rel err| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((-0.007784894002430293 * q - 0.3223964580411365) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783) /
      ((((0.007784695709041462 * q + 0.3224671290700398) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((-39.69683028665376 * r + 220.9460984245205) * r - 275.9285104469687) * r + 138.357751867269) * r - 30.66479806614716) * r + 2.506628277459239) * q) /
    (((((-54.47609879822406 * r + 161.5858368580409) * r - 155.6989798598866) * r + 66.80131188771972) * r - 13.28068155288572) * r + 1)
  );
}

/** EWMA smoothing weight for a half-life given in observations. */
export function alphaFromHalfLife(halfLife: number): number {
  if (!(halfLife > 0)) return 1;
  return 1 - 2 ** (-1 / halfLife);
}

/**
 * Normalised EWMA: sum of decayed values / sum of decayed weights, so a long
 * half-life does not hinge on a start value (value 0 before any update).
 */
export class Ewma {
  private sum = 0;
  /** Sum of decayed weights (0 before the first update). */
  weight = 0;
  private readonly decay: number;

  constructor(halfLife: number) {
    this.decay = 1 - alphaFromHalfLife(halfLife);
  }

  update(x: number): void {
    this.sum = this.decay * this.sum + x;
    this.weight = this.decay * this.weight + 1;
  }

  get value(): number {
    return this.weight > 0 ? this.sum / this.weight : 0;
  }
}
