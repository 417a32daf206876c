/** Money display with Intl: integer minor units -> a localised currency string. */
const formats = new Map<string, Intl.NumberFormat>();

export function moneyFormat(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.trim() });
    if (formats.size > 1000) formats.clear();
    formats.set(key, f);
  }
  return f;
}

export function formatMoney(amount: number, currency: string, locale: string): string {
  const f = moneyFormat(currency, locale);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(amount / 10 ** digits);
}
