import { minorDigits } from './currency.ts';
import { divideRounded, type Rounding, toBigInt, toSafeNumber } from './rounding.ts';

/**
 * Stripe's view of a currency's decimals, which is not always ISO 4217's (docs: "Supported currencies", "Zero-decimal",
 * "Three-decimal", "Special cases"):
 * - zero-decimal: amounts are whole units. MGA is zero-decimal at Stripe though ISO gives it 2 digits.
 * - three-decimal (BHD, JOD, KWD, OMR, TND): amounts in thousandths, but the last digit must be 0.
 * - ISK: zero-decimal by ISO, two-decimal in Stripe's API, and amounts must be divisible by 100 (whole krónur).
 * - HUF, TWD: two-decimal for charges (payouts must be whole units, which we do not create).
 * - everything else: two decimals.
 */
const STRIPE_ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export class StripeAmountError extends RangeError {
  constructor(
    readonly amount: number,
    readonly currency: string,
    readonly increment: number,
  ) {
    super(`${currency} ${amount} (minor units) cannot be charged through Stripe: it must be a multiple of ${increment}`);
    this.name = 'StripeAmountError';
  }
}

/** Digits of an amount in Stripe's API for the currency (ISK 2, MGA 0, KWD 3). */
export function stripeDigits(currency: string): number {
  minorDigits(currency);
  if (STRIPE_ZERO_DECIMAL.has(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/**
 * The step, in ISO minor units, between amounts Stripe accepts: 1 for most, 10 for the three-decimal currencies
 * (last digit 0), 100 for MGA (whole ariary). Round a total with roundToIncrement(total, stripeIncrement(c)) first.
 */
export function stripeIncrement(currency: string): number {
  const iso = minorDigits(currency);
  const stripe = stripeDigits(currency);
  const chargeable = STRIPE_THREE_DECIMAL.has(currency) ? stripe - 1 : stripe; // digits that may be non-zero
  return 10 ** Math.max(0, iso - chargeable);
}

/** Stripe's lower-case currency parameter. */
export function stripeCurrency(currency: string): string {
  minorDigits(currency);
  return currency.toLowerCase();
}

/**
 * ISO minor units -> the integer `amount` Stripe expects. Exact or it throws StripeAmountError (never silently
 * charges a different amount): 500 JPY -> 500, 5 ISK -> 500, 1250 USD -> 1250, 5120 KWD -> 5120 (5124 throws),
 * 1000 MGA (10.00 ariary) -> 10.
 */
export function toStripeAmount(minor: number, currency: string): number {
  const increment = stripeIncrement(currency);
  if (minor % increment !== 0) throw new StripeAmountError(minor, currency, increment);
  const shift = stripeDigits(currency) - minorDigits(currency);
  const v = toBigInt(minor);
  return toSafeNumber(shift >= 0 ? v * 10n ** BigInt(shift) : v / 10n ** BigInt(-shift));
}

/**
 * Stripe's integer `amount` (a webhook's amount_total, a refund) -> ISO minor units. An amount finer than the ISO unit
 * (ISK 550 = 5.50 kr) is rounded with `rounding` (default half-even); Stripe itself no longer accepts such amounts.
 */
export function fromStripeAmount(amount: number, currency: string, rounding: Rounding = 'half-even'): number {
  const shift = minorDigits(currency) - stripeDigits(currency);
  const v = toBigInt(amount);
  return toSafeNumber(shift >= 0 ? v * 10n ** BigInt(shift) : divideRounded(v, 10n ** BigInt(-shift), rounding));
}
