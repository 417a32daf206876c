import { minorDigits } from './currency.ts';
import { toBigInt } from './rounding.ts';

/** Integer minor units -> the exact decimal in major units, locale-neutral: 1250 USD "12.50", 1250 JPY "1250", -5 KWD "-0.005". */
export function toDecimalString(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const n = toBigInt(minor);
  const negative = n < 0n;
  const abs = (negative ? -n : n).toString();
  if (digits === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(digits + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

export interface ParseOptions {
  /** Accept a leading minus (refunds, adjustments). Default false. */
  allowNegative?: boolean;
  /** Largest accepted absolute value in minor units (e.g. 2_147_483_647 for an `integer` column). */
  max?: number;
}

/**
 * A machine-written decimal in major units ("19.99", "1,234.5", "19.990") -> minor units, exactly.
 * Commas are thousands separators, the dot is the decimal point; digits past the currency's minor unit must be zeros.
 * Null when the text is not such a number, is negative without `allowNegative`, or exceeds `max` / the safe range.
 */
export function parseDecimal(text: string, currency: string, options: ParseOptions = {}): bigint | null {
  const digits = minorDigits(currency);
  const m = /^(-?)(\d{1,16})(?:\.(\d+))?$/.exec(text.trim().replace(/,/g, ''));
  if (!m) return null;
  const [, sign, whole = '', frac = ''] = m;
  if (sign && !options.allowNegative) return null;
  if (/[1-9]/.test(frac.slice(digits))) return null;
  const abs = BigInt(whole + frac.slice(0, digits).padEnd(digits, '0'));
  const max = BigInt(options.max ?? Number.MAX_SAFE_INTEGER);
  if (abs > max) return null;
  return sign ? -abs : abs;
}

/** parseDecimal as a number of minor units (see there); null when invalid. */
export function parseMoney(text: string, currency: string, options: ParseOptions = {}): number | null {
  const v = parseDecimal(text, currency, options);
  return v === null ? null : Number(v) === 0 ? 0 : Number(v);
}

/**
 * What a person typed into a price field -> minor units. Accepts "12", "12.5", "12,50", "1,234.56", "1 234,56",
 * "1.234,56" and a currency symbol. A single separator followed by exactly three digits is a thousands separator
 * unless the currency has three decimals ("1,234" USD is 123400; "1,234" KWD is 1234). Null when it is not a
 * non-negative amount with at most the currency's digits.
 */
export function parseMoneyInput(input: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const s = input.trim().replace(/[^\d.,-]/g, '');
  if (!s || s.includes('-')) return null;
  const dots = s.split('.').length - 1;
  const commas = s.split(',').length - 1;
  let decimalAt = -1;
  if (dots && commas) decimalAt = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  else if (dots + commas === 1) {
    const at = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
    const tailLength = s.length - at - 1;
    decimalAt = tailLength === 3 && digits < 3 ? -1 : at;
  }
  const whole = (decimalAt >= 0 ? s.slice(0, decimalAt) : s).replace(/[.,]/g, '');
  const frac = decimalAt >= 0 ? s.slice(decimalAt + 1) : '';
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(frac) || (whole === '' && frac === '')) return null;
  if (frac.length > digits) return null;
  const n = Number(`${whole || '0'}${frac.padEnd(digits, '0')}`);
  return Number.isSafeInteger(n) ? n : null;
}
