/** Pure helpers of the pricing and reorder pages (tested in apps/console/test/planning.test.ts). */
import type { PriceHistory } from './api.ts';

/** The single variant of a product without options ("Default Title" from the API, "Default" in older rows). */
export const isDefaultVariant = (title: string) => !title || title === 'Default' || title === 'Default Title';

const DAY = 86_400_000;
const dayOf = (iso: string) => iso.slice(0, 10);
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/** Price in effect per day (steps at each applied change) and units sold per day, for one variant. */
export function priceSeries(v: PriceHistory['variants'][number], today: string, minDays = 30) {
  const applied = v.changes
    .filter((c) => c.appliedAt)
    .map((c) => ({ day: dayOf(c.appliedAt as string), at: c.appliedAt as string, oldPrice: c.oldPrice, newPrice: c.newPrice }))
    .sort((a, b) => a.at.localeCompare(b.at));
  const firstSale = v.daily[0]?.day;
  const firstChange = applied[0]?.day;
  let start = addDays(today, -(minDays - 1));
  for (const d of [firstSale, firstChange]) if (d && d < start) start = d;
  const units = new Map(v.daily.map((d) => [d.day, d.units]));
  const days: { day: string; price: number; units: number }[] = [];
  let price = applied[0]?.oldPrice ?? v.currentPrice;
  let k = 0;
  for (let d = start; d <= today; d = addDays(d, 1)) {
    // The price at the end of the day: every change applied on or before it.
    while (k < applied.length && (applied[k] as { day: string }).day <= d) price = (applied[k++] as { newPrice: number }).newPrice;
    days.push({ day: d, price, units: units.get(d) ?? 0 });
  }
  return days;
}

/** Rows to CSV: the platform's one CSV rule (@storeloom/http/csv: RFC 4180 quoting, formula cells neutralised). */
export { toCsv } from '@storeloom/http/csv';

/** "29, 34, 39" / "29 34 39" / "29;34" → tokens; "29,50 34,50" keeps decimal commas when spaces separate the points. */
export function splitPoints(raw: string): string[] {
  const tokens = raw
    .split(/[\s;]+/)
    .map((x) => x.replace(/,$/, ''))
    .filter(Boolean);
  return tokens.length === 1 && tokens[0]?.includes(',') ? tokens[0].split(',').filter(Boolean) : tokens;
}
