import type { CatalogueItem, Interaction } from './types.ts';

export const DAY_MS = 86_400_000;

/** Interactions indexed by dense item/user/order ids. */
export interface Dataset {
  readonly itemIds: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  readonly userIds: readonly string[];
  readonly userIndex: ReadonlyMap<string, number>;
  /** Distinct item indices of each order, ascending. */
  readonly orders: readonly Int32Array[];
  readonly orderUser: Int32Array;
  readonly orderTime: Float64Array;
  /** Per user: order indices in time order. */
  readonly userOrders: readonly number[][];
  /** Number of orders containing each item. */
  readonly itemOrderCount: Float64Array;
  /** Number of distinct customers of each item. */
  readonly itemUserCount: Float64Array;
  /** Share of an item's customers who bought it in >= 2 orders. */
  readonly itemRepeatRate: Float64Array;
  /** Latest interaction time: the "now" of training. */
  readonly refTime: number;
}

/**
 * Builds the indexed dataset. Items are the union of the catalogue and the
 * interactions (catalogue items without sales get an index too, so content
 * similarity can serve them).
 */
export function buildDataset(interactions: readonly Interaction[], catalogue: readonly CatalogueItem[] = []): Dataset {
  const itemIndex = new Map<string, number>();
  const itemIds: string[] = [];
  const addItem = (id: string): number => {
    let i = itemIndex.get(id);
    if (i === undefined) {
      i = itemIds.length;
      itemIndex.set(id, i);
      itemIds.push(id);
    }
    return i;
  };
  for (const c of catalogue) addItem(c.itemId);
  const userIndex = new Map<string, number>();
  const userIds: string[] = [];
  const orderKey = new Map<string, number>();
  const orderSets: Set<number>[] = [];
  const orderUserArr: number[] = [];
  const orderTimeArr: number[] = [];
  let refTime = Number.NEGATIVE_INFINITY;
  for (const e of interactions) {
    if (!(e.quantity > 0)) continue;
    const it = addItem(e.itemId);
    let u = userIndex.get(e.customerId);
    if (u === undefined) {
      u = userIds.length;
      userIndex.set(e.customerId, u);
      userIds.push(e.customerId);
    }
    const key = e.orderId !== undefined ? `o:${e.orderId}` : `c:${e.customerId}@${e.timestamp}`;
    let o = orderKey.get(key);
    if (o === undefined) {
      o = orderSets.length;
      orderKey.set(key, o);
      orderSets.push(new Set());
      orderUserArr.push(u);
      orderTimeArr.push(e.timestamp);
    }
    orderSets[o]?.add(it);
    if (e.timestamp > (orderTimeArr[o] as number)) orderTimeArr[o] = e.timestamp;
    if (e.timestamp > refTime) refTime = e.timestamp;
  }
  const nItems = itemIds.length;
  const orders = orderSets.map((s) => Int32Array.from([...s].sort((a, b) => a - b)));
  const orderTime = Float64Array.from(orderTimeArr);
  const orderUser = Int32Array.from(orderUserArr);
  const userOrders: number[][] = userIds.map(() => []);
  for (let o = 0; o < orders.length; o++) userOrders[orderUser[o] as number]?.push(o);
  for (const list of userOrders) list.sort((a, b) => (orderTime[a] as number) - (orderTime[b] as number) || a - b);

  const itemOrderCount = new Float64Array(nItems);
  for (const items of orders) for (const i of items) itemOrderCount[i] = (itemOrderCount[i] as number) + 1;
  const itemUserCount = new Float64Array(nItems);
  const itemRepeaters = new Float64Array(nItems);
  for (const list of userOrders) {
    const counts = new Map<number, number>();
    for (const o of list) for (const i of orders[o] as Int32Array) counts.set(i, (counts.get(i) ?? 0) + 1);
    for (const [i, c] of counts) {
      itemUserCount[i] = (itemUserCount[i] as number) + 1;
      if (c >= 2) itemRepeaters[i] = (itemRepeaters[i] as number) + 1;
    }
  }
  const itemRepeatRate = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    const n = itemUserCount[i] as number;
    itemRepeatRate[i] = n > 0 ? (itemRepeaters[i] as number) / n : 0;
  }
  return {
    itemIds,
    itemIndex,
    userIds,
    userIndex,
    orders,
    orderUser,
    orderTime,
    userOrders,
    itemOrderCount,
    itemUserCount,
    itemRepeatRate,
    refTime: Number.isFinite(refTime) ? refTime : 0,
  };
}

/** Exponential decay weight 0.5^(age/halfLife); halfLife = Infinity gives 1. */
export function decay(ageMs: number, halfLifeDays: number): number {
  if (!Number.isFinite(halfLifeDays)) return 1;
  return 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * DAY_MS));
}

/** Time-decayed count of orders containing each item (trending popularity). */
export function recentPopularity(ds: Dataset, halfLifeDays: number, now = ds.refTime): Float64Array {
  const out = new Float64Array(ds.itemIds.length);
  for (let o = 0; o < ds.orders.length; o++) {
    const w = decay(now - (ds.orderTime[o] as number), halfLifeDays);
    for (const i of ds.orders[o] as Int32Array) out[i] = (out[i] as number) + w;
  }
  return out;
}
