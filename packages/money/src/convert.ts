import { minorDigits } from './currency.ts';
import { divideRounded, type Rounding, toBigInt, toSafeNumber } from './rounding.ts';

/** A positive exchange rate as an exact decimal: "1.0834" (units of `to` per unit of `from`). */
export type Rate = string | number;

function parseRate(rate: Rate): { units: bigint; scale: bigint } {
  const text = typeof rate === 'number' ? String(rate) : rate.trim();
  const m = /^(\d{1,20})(?:\.(\d{1,20}))?$/.exec(text);
  if (!m) throw new RangeError(`rate must be a plain positive decimal such as "1.0834", got ${JSON.stringify(text)}`);
  const frac = m[2] ?? '';
  const units = BigInt((m[1] ?? '') + frac);
  if (units === 0n) throw new RangeError('rate must be greater than zero');
  return { units, scale: 10n ** BigInt(frac.length) };
}

export interface ConvertOptions {
  /** Round the result to a multiple of this many minor units of `to` (5 = 0.05 CHF, 100 = whole euros). Default 1. */
  increment?: number;
  /** Default half-even (banker's), so conversions of many amounts do not drift upward. */
  rounding?: Rounding;
  /**
   * Divide by the rate instead of multiplying: the rate is units of `from` per unit of `to` (a market's rate read
   * backwards, presentment → store currency), still exact: convert(1084, 'EUR', 'GBP', '1.0834', {invert: true}) = 1001.
   */
  invert?: boolean;
}

/** True when `rate` is a plain positive decimal that `convert` accepts ("1.0834", "151.37"). */
export function isRate(rate: unknown): rate is Rate {
  if (typeof rate !== 'string' && typeof rate !== 'number') return false;
  try {
    parseRate(rate);
    return true;
  } catch {
    return false;
  }
}

/**
 * Converts integer minor units of `from` into integer minor units of `to` at a decimal rate, computed exactly (BigInt)
 * and rounded once at the end: convert(1000, 'USD', 'JPY', '151.37') = 1514 (10.00 USD = 1,513.7 JPY), and
 * convert(999, 'EUR', 'KWD', '0.3312') = 3309 (3.308688 KWD, to the fils).
 */
export function convert(amount: number, from: string, to: string, rate: Rate, options: ConvertOptions = {}): number {
  const { units, scale } = parseRate(rate);
  const increment = toBigInt(options.increment ?? 1, 'increment');
  if (increment <= 0n) throw new RangeError('increment must be positive');
  const [mul, div] = options.invert ? [scale, units] : [units, scale];
  const numerator = toBigInt(amount) * mul * 10n ** BigInt(minorDigits(to));
  const denominator = div * 10n ** BigInt(minorDigits(from)) * increment;
  return toSafeNumber(divideRounded(numerator, denominator, options.rounding ?? 'half-even') * increment);
}
