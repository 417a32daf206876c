/** Digits after the decimal point of a currency (JPY 0, USD 2, BHD 3). */
export function currencyExponent(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** "19.99" -> 1999 minor units (exact, no floating point). Null when not a plain non-negative decimal. */
export function parseMoney(text: string, currency: string): number | null {
  const s = text.trim().replace(/,/g, '');
  const exp = currencyExponent(currency);
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) return null;
  const minor = Number(m[1]) * 10 ** exp + Number((frac.slice(0, exp) || '0').padEnd(exp, '0') || '0');
  return Number.isSafeInteger(minor) && minor <= 2_147_483_647 ? minor : null;
}

export function formatMoney(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  return (minor / 10 ** exp).toFixed(exp);
}
