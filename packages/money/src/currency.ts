import { MINOR_DIGITS } from './iso4217.ts';

/** An ISO 4217 alphabetic code this package has minor-unit data for ("USD", "JPY", "KWD"). */
export type CurrencyCode = string & { readonly __currencyCode: unique symbol };

export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && MINOR_DIGITS.has(value);
}

/**
 * What a person typed ("usd ", " Eur"), trimmed and upper-cased, known code or not: the API's request schemas
 * apply it at the boundary, so services and columns only ever see the canonical form (`isCurrencyCode` decides
 * whether it is one).
 */
export function normaliseCurrencyText(text: string): string {
  return text.trim().toUpperCase();
}

/** Normalises what a person gave ("usd ", " Eur") to a code, or null when it is not one. */
export function parseCurrencyCode(text: string): CurrencyCode | null {
  const code = normaliseCurrencyText(text);
  return isCurrencyCode(code) ? code : null;
}

/** The code itself, checked; throws RangeError for anything that is not a known ISO 4217 code (exact case). */
export function currencyCode(value: string): CurrencyCode {
  if (!isCurrencyCode(value)) throw new RangeError(`not an ISO 4217 currency code: ${JSON.stringify(value)}`);
  return value;
}

/** Every code this package knows, sorted. */
export function currencyCodes(): CurrencyCode[] {
  return [...MINOR_DIGITS.keys()].sort() as CurrencyCode[];
}

/** Digits after the decimal point of the currency's minor unit by ISO 4217: JPY 0, USD 2, KWD 3, CLF 4. */
export function minorDigits(currency: string): number {
  const digits = MINOR_DIGITS.get(currency);
  if (digits === undefined) throw new RangeError(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  return digits;
}
