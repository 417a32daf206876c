/**
 * Price guardrails. All prices are integer minor units (e.g. cents).
 *
 * A price is within guardrails when every configured rule holds:
 *   floor <= price <= ceiling;
 *   price is on the grid `stepAnchor + n * step` (if `step` is set);
 *   price is one of `allowedPricePoints` (if set);
 *   |price - previousPrice| <= maxChangePerDay and
 *   |price - previousPrice| <= maxChangeFractionPerDay * previousPrice (if set
 *   and previousPrice is known).
 * `clampToGuardrails` returns the valid price nearest to the requested one
 * (ties go to the lower price) and never returns anything else: when no price
 * satisfies all rules it throws a `GuardrailError` instead.
 */

export interface Guardrails {
  /** Lowest allowed price, minor units. */
  readonly floor: number;
  /** Highest allowed price, minor units. */
  readonly ceiling: number;
  /** Price grid spacing in minor units (e.g. 50 = only x.00 and x.50). */
  readonly step?: number;
  /** Grid origin: allowed prices are stepAnchor + n * step (default 0; use 99 with step 100 for x.99). */
  readonly stepAnchor?: number;
  /** Explicit list of allowed prices (combined with every other rule). */
  readonly allowedPricePoints?: readonly number[];
  /** Largest absolute move from previousPrice, minor units. */
  readonly maxChangePerDay?: number;
  /** Largest relative move from previousPrice, e.g. 0.1 = 10 %. */
  readonly maxChangeFractionPerDay?: number;
  /** Price in effect at the start of the current day (the reference for the change limits). */
  readonly previousPrice?: number;
}

export type GuardrailErrorCode = 'invalid-guardrails' | 'invalid-price' | 'infeasible';

export class GuardrailError extends Error {
  readonly code: GuardrailErrorCode;
  constructor(code: GuardrailErrorCode, message: string) {
    super(message);
    this.name = 'GuardrailError';
    this.code = code;
  }
}

export type ClampResult =
  | { readonly ok: true; readonly price: number; readonly adjusted: boolean }
  | { readonly ok: false; readonly code: GuardrailErrorCode; readonly reason: string };

const isNonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Throws GuardrailError('invalid-guardrails') when the configuration itself is malformed. */
export function validateGuardrails(g: Guardrails): void {
  const bad = (msg: string): never => {
    throw new GuardrailError('invalid-guardrails', msg);
  };
  if (!isNonNegInt(g.floor)) bad(`floor must be a non-negative integer (minor units), got ${g.floor}`);
  if (!isNonNegInt(g.ceiling)) bad(`ceiling must be a non-negative integer (minor units), got ${g.ceiling}`);
  if (g.floor > g.ceiling) bad(`floor ${g.floor} is above ceiling ${g.ceiling}`);
  if (g.step !== undefined && !(isNonNegInt(g.step) && g.step > 0)) bad(`step must be a positive integer, got ${g.step}`);
  if (g.stepAnchor !== undefined && !Number.isSafeInteger(g.stepAnchor)) bad('stepAnchor must be an integer');
  if (g.allowedPricePoints !== undefined && !g.allowedPricePoints.every(isNonNegInt)) {
    bad('allowedPricePoints must be non-negative integers');
  }
  if (g.maxChangePerDay !== undefined && !isNonNegInt(g.maxChangePerDay)) {
    bad(`maxChangePerDay must be a non-negative integer, got ${g.maxChangePerDay}`);
  }
  if (g.maxChangeFractionPerDay !== undefined && !(Number.isFinite(g.maxChangeFractionPerDay) && g.maxChangeFractionPerDay >= 0)) {
    bad(`maxChangeFractionPerDay must be finite and >= 0, got ${g.maxChangeFractionPerDay}`);
  }
  if (g.previousPrice !== undefined && !isNonNegInt(g.previousPrice)) {
    bad(`previousPrice must be a non-negative integer, got ${g.previousPrice}`);
  }
}

/** Largest allowed move from previousPrice (Infinity when unlimited or no previous price). */
function maxMove(g: Guardrails): number {
  if (g.previousPrice === undefined) return Number.POSITIVE_INFINITY;
  let m = Number.POSITIVE_INFINITY;
  if (g.maxChangePerDay !== undefined) m = g.maxChangePerDay;
  if (g.maxChangeFractionPerDay !== undefined) {
    // Tiny epsilon so that e.g. 10 % of 1000 is 100, not 99 after rounding error.
    m = Math.min(m, Math.floor(g.previousPrice * g.maxChangeFractionPerDay + 1e-9));
  }
  return m;
}

/** The closed interval every valid price lies in (may be empty: lo > hi). */
function band(g: Guardrails): { lo: number; hi: number } {
  const m = maxMove(g);
  let lo = g.floor;
  let hi = g.ceiling;
  if (g.previousPrice !== undefined && Number.isFinite(m)) {
    lo = Math.max(lo, g.previousPrice - m);
    hi = Math.min(hi, g.previousPrice + m);
  }
  return { lo, hi };
}

function onGrid(price: number, g: Guardrails): boolean {
  if (g.step === undefined) return true;
  const r = (price - (g.stepAnchor ?? 0)) % g.step;
  return r === 0;
}

/** True when `price` satisfies every rule (invalid guardrails count as "no"). */
export function isWithinGuardrails(price: number, g: Guardrails): boolean {
  try {
    validateGuardrails(g);
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(price)) return false;
  const { lo, hi } = band(g);
  if (price < lo || price > hi) return false;
  if (!onGrid(price, g)) return false;
  if (g.allowedPricePoints !== undefined && !g.allowedPricePoints.includes(price)) return false;
  return true;
}

/** Nearest to `target` among candidates (ties to the lower one); undefined if none. */
function nearest(target: number, candidates: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const c of candidates) {
    if (best === undefined) {
      best = c;
      continue;
    }
    const dc = Math.abs(c - target);
    const db = Math.abs(best - target);
    if (dc < db || (dc === db && c < best)) best = c;
  }
  return best;
}

/** Like clampToGuardrails but returns a result object instead of throwing. */
export function tryClampToGuardrails(price: number, g: Guardrails): ClampResult {
  try {
    validateGuardrails(g);
  } catch (e) {
    return { ok: false, code: 'invalid-guardrails', reason: (e as Error).message };
  }
  if (!Number.isFinite(price)) return { ok: false, code: 'invalid-price', reason: `price must be finite, got ${price}` };
  const { lo, hi } = band(g);
  if (lo > hi) {
    return {
      ok: false,
      code: 'infeasible',
      reason: `previousPrice ${g.previousPrice} cannot reach [${g.floor}, ${g.ceiling}] within the daily change limit`,
    };
  }
  let result: number | undefined;
  if (g.allowedPricePoints !== undefined) {
    const pts = g.allowedPricePoints.filter((p) => p >= lo && p <= hi && onGrid(p, g));
    result = nearest(price, pts);
  } else {
    const step = g.step ?? 1;
    const anchor = g.step === undefined ? 0 : (g.stepAnchor ?? 0);
    const nLo = Math.ceil((lo - anchor) / step);
    const nHi = Math.floor((hi - anchor) / step);
    if (nLo <= nHi) {
      const raw = (price - anchor) / step;
      const down = Math.min(nHi, Math.max(nLo, Math.floor(raw)));
      const up = Math.min(nHi, Math.max(nLo, Math.ceil(raw)));
      result = nearest(price, [anchor + down * step, anchor + up * step]);
    }
  }
  if (result === undefined || !isWithinGuardrails(result, g)) {
    return { ok: false, code: 'infeasible', reason: `no allowed price point in [${lo}, ${hi}]` };
  }
  return { ok: true, price: result, adjusted: result !== price };
}

/**
 * The valid price nearest to `price`. Never returns a price outside the
 * guardrails: throws GuardrailError when the guardrails are malformed, the
 * price is not finite, or no price satisfies all rules at once.
 */
export function clampToGuardrails(price: number, g: Guardrails): number {
  const r = tryClampToGuardrails(price, g);
  if (!r.ok) throw new GuardrailError(r.code, r.reason);
  return r.price;
}
