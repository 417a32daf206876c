/** How a quotient that falls between two integers is settled. `half-up` rounds halves away from zero (commercial). */
export type Rounding = 'half-even' | 'half-up' | 'half-down' | 'up' | 'down' | 'ceil' | 'floor';

export const ROUNDINGS: readonly Rounding[] = ['half-even', 'half-up', 'half-down', 'up', 'down', 'ceil', 'floor'];

/** n / d rounded to an integer, exactly (BigInt), for any sign of n and d > 0. */
export function divideRounded(n: bigint, d: bigint, rounding: Rounding): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const q = n / d; // truncates toward zero
  const r = n % d; // same sign as n
  if (r === 0n) return q;
  const negative = n < 0n;
  const away = negative ? q - 1n : q + 1n;
  switch (rounding) {
    case 'down':
      return q;
    case 'up':
      return away;
    case 'floor':
      return negative ? away : q;
    case 'ceil':
      return negative ? q : away;
    default: {
      const twice = 2n * (r < 0n ? -r : r);
      if (twice > d) return away;
      if (twice < d) return q;
      if (rounding === 'half-up') return away;
      if (rounding === 'half-down') return q;
      return q % 2n === 0n ? q : away; // half-even
    }
  }
}

export function toBigInt(amount: number, what = 'amount'): bigint {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`${what} must be a safe integer, got ${amount}`);
  return BigInt(amount);
}

export function toSafeNumber(value: bigint, what = 'result'): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${value} is outside the safe integer range`);
  return n === 0 ? 0 : n; // never -0
}

/** An integer amount rounded to a multiple of `increment` (5 for CHF cash rounding to 0.05, 100 for whole dollars). */
export function roundToIncrement(amount: number, increment: number, rounding: Rounding = 'half-even'): number {
  const inc = toBigInt(increment, 'increment');
  if (inc <= 0n) throw new RangeError(`increment must be positive, got ${increment}`);
  return toSafeNumber(divideRounded(toBigInt(amount), inc, rounding) * inc);
}
