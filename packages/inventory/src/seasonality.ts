/** Weekly seasonality: a multiplier per weekday, 0 on closed weekdays. */
import { median } from './stats.ts';

export interface ProfileParams {
  /** Open days (most recent) used for the profile. */
  profileWindow: number;
  /** Pseudo-count per weekday shrinking the profile toward the prior (flat by default). */
  profileShrink: number;
  /** Values above spikeCap x the median non-zero day are capped (winsorised) first. */
  spikeCap: number;
}

/** A prior profile (or flat) on the open weekdays, scaled to mean 1 over them. */
export function priorProfile(prior: readonly number[] | undefined, openWeekdays: readonly boolean[]): number[] {
  const f = openWeekdays.map((o, w) => (o ? Math.max(0, prior?.[w] ?? 1) : 0));
  const openCount = openWeekdays.filter(Boolean).length;
  const s = f.reduce((a, b) => a + b, 0);
  if (!(s > 0)) return openWeekdays.map((o) => (o ? 1 : 0));
  return f.map((x) => (x * openCount) / s);
}

/**
 * Weekday multipliers (Sunday first) from open-day demand: per-weekday mean of
 * winsorised demand over the last `profileWindow` open days divided by the
 * overall mean, shrunk toward the prior with `profileShrink` pseudo-days, then
 * scaled to mean 1 over those open days. Closed weekdays get 0.
 */
export function weekdayProfile(
  ys: readonly number[],
  ws: readonly number[],
  openWeekdays: readonly boolean[],
  p: ProfileParams,
  prior?: readonly number[],
): number[] {
  const from = Math.max(0, ys.length - p.profileWindow);
  const recentY = ys.slice(from);
  const recentW = ws.slice(from);
  const nonzero = recentY.filter((y) => y > 0);
  const cap = nonzero.length > 0 ? p.spikeCap * median(nonzero) : Number.POSITIVE_INFINITY;
  const sum = new Array<number>(7).fill(0);
  const cnt = new Array<number>(7).fill(0);
  recentY.forEach((y, i) => {
    const w = recentW[i] ?? 0;
    sum[w] = (sum[w] ?? 0) + Math.min(y, cap);
    cnt[w] = (cnt[w] ?? 0) + 1;
  });
  const totalN = cnt.reduce((a, b) => a + b, 0);
  const overall = totalN > 0 ? sum.reduce((a, b) => a + b, 0) / totalN : 0;
  const base = priorProfile(prior, openWeekdays);
  const f = base.map((b, w) => {
    if (!openWeekdays[w]) return 0;
    const n = cnt[w] ?? 0;
    const raw = n > 0 && overall > 0 ? (sum[w] ?? 0) / n / overall : b;
    return (n * raw + p.profileShrink * b) / (n + p.profileShrink);
  });
  // Mean 1 over the open days of the window (weighted by how often each weekday occurs).
  let norm = 0;
  let weight = 0;
  f.forEach((x, w) => {
    if (!openWeekdays[w]) return;
    const k = totalN > 0 ? (cnt[w] ?? 0) : 1;
    norm += k * x;
    weight += k;
  });
  const scale = norm > 0 ? weight / norm : 1;
  return f.map((x) => x * scale);
}
