/**
 * From a variant's sales records to a dense daily calendar and its series of
 * open days: missing days are zero demand, the shop's open weekdays are taken
 * from explicit flags or inferred from where sales happen.
 */
import { dayNumber, weekdayOfDayNumber } from './calendar.ts';

/** One day of a variant's sales history. Days absent from the history count as zero demand. */
export interface DemandObservation {
  /** ISO date YYYY-MM-DD. */
  date: string;
  /** Units demanded that day (sales plus recorded lost demand). */
  demand: number;
  /** Was the shop open? Unknown -> inferred from the weekday pattern. */
  open?: boolean | undefined;
}

export interface CalendarDay {
  /** Days since 1970-01-01. */
  day: number;
  /** 0 = Sunday .. 6 = Saturday. */
  weekday: number;
  demand: number;
  open: boolean;
}

export interface DailyHistory {
  days: CalendarDay[];
  /** Whether the shop opens on each weekday (Sunday first). */
  openWeekdays: boolean[];
}

/**
 * Dense calendar from the first history day up to the day before `endDay`
 * (default: the last history day). Records on or after `endDay` are ignored;
 * several records of one day are summed.
 */
export function dailyHistory(history: readonly DemandObservation[], endDay?: number): DailyHistory {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const nums: number[] = [];
  for (const h of history) {
    if (!Number.isFinite(h.demand) || h.demand < 0) throw new RangeError(`demand must be a finite number >= 0 (${h.date}: ${h.demand})`);
    const n = dayNumber(h.date);
    nums.push(n);
    if (n < first) first = n;
    if (n > last) last = n;
  }
  const stop = endDay ?? last + 1;
  const raw: { day: number; weekday: number; demand: number; open: boolean | undefined }[] = [];
  for (let d = first; d < stop; d++) raw.push({ day: d, weekday: weekdayOfDayNumber(d), demand: 0, open: undefined });
  let flagged = false;
  history.forEach((h, i) => {
    const slot = raw[(nums[i] ?? first) - first];
    if (!slot) return;
    slot.demand += h.demand;
    if (h.open !== undefined) {
      flagged = true;
      slot.open = slot.open === true || h.open;
    }
  });
  const openWeekdays = inferOpenWeekdays(raw, flagged);
  const days = raw.map((d) => ({ day: d.day, weekday: d.weekday, demand: d.demand, open: d.open ?? (openWeekdays[d.weekday] === true || d.demand > 0) }));
  return { days, openWeekdays };
}

/**
 * With flags: a weekday is open if at least half of its flagged days were.
 * Without: a weekday is closed only if it never sold although, at the
 * product's sale-day rate on the other weekdays, four or more sales were expected.
 */
function inferOpenWeekdays(days: readonly { weekday: number; demand: number; open: boolean | undefined }[], flagged: boolean): boolean[] {
  const seen = new Array<number>(7).fill(0);
  const open = new Array<number>(7).fill(0);
  for (const d of days) {
    if (flagged && d.open === undefined) continue;
    seen[d.weekday] = (seen[d.weekday] ?? 0) + 1;
    if (flagged ? d.open : d.demand > 0) open[d.weekday] = (open[d.weekday] ?? 0) + 1;
  }
  if (flagged) return seen.map((n, w) => n === 0 || (open[w] ?? 0) / n >= 0.5);
  const total = seen.reduce((a, b) => a + b, 0);
  const sales = open.reduce((a, b) => a + b, 0);
  return seen.map((n, w) => {
    if ((open[w] ?? 0) > 0 || n === 0) return true;
    return (sales / Math.max(1, total - n)) * n < 4;
  });
}

/** Demand and weekday of the open days from the first sale on (a day with a sale counts as open). */
export function openDaySeries(days: readonly CalendarDay[]): { ys: number[]; ws: number[] } {
  const ys: number[] = [];
  const ws: number[] = [];
  const launch = days.findIndex((d) => d.demand > 0);
  if (launch < 0) return { ys, ws };
  for (const d of days.slice(launch)) {
    if (!d.open && d.demand <= 0) continue;
    ys.push(d.demand);
    ws.push(d.weekday);
  }
  return { ys, ws };
}
