import { type Dataset, decay } from './dataset.ts';

/**
 * Repurchase signal of one customer: Σ over their orders containing the item
 * of 0.5^(age / halfLife). halfLife = Infinity gives the plain number of
 * orders (the benchmark's "repurchase history" baseline).
 */
export function repurchaseScores(ds: Dataset, user: number, halfLifeDays: number, now = ds.refTime): Map<number, number> {
  const out = new Map<number, number>();
  for (const o of ds.userOrders[user] ?? []) {
    const w = decay(now - (ds.orderTime[o] as number), halfLifeDays);
    for (const i of ds.orders[o] as Int32Array) out.set(i, (out.get(i) ?? 0) + w);
  }
  return out;
}

/** Last time the customer bought each item. */
export function lastBought(ds: Dataset, user: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const o of ds.userOrders[user] ?? []) {
    const t = ds.orderTime[o] as number;
    for (const i of ds.orders[o] as Int32Array) if (t > (out.get(i) ?? Number.NEGATIVE_INFINITY)) out.set(i, t);
  }
  return out;
}
