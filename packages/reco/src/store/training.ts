/**
 * One store's training run: reads only that store's schema (catalogue and
 * reco events), fits the recommender, writes every precomputed list under a
 * new model version and switches the active version in one transaction at the
 * end. A run that fails or exceeds its budget leaves the active model alone.
 */
import type { Kysely, RecoListEntry, TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { buildDataset, DAY_MS, recentPopularity } from '../dataset.ts';
import { alsoBoughtScored, DEFAULT_TRAIN, type RecoModel, recommendForCustomer, type Scored, trainRecommender } from '../recommender.ts';
import { topN } from '../topn.ts';
import type { CatalogueItem, Interaction } from '../types.ts';

export interface TrainingBudget {
  /** Wall-clock limit of the whole run (checked between phases). */
  maxSeconds: number;
  /** Process RSS limit, checked between phases; also bounds the item model's size. */
  maxMemoryMiB: number;
  /** Products considered (most-sold first). */
  maxItems: number;
  /** Known customers who get a precomputed list (most recent buyers first). */
  maxCustomers: number;
  /** Most recent purchase/cart lines read. */
  maxEvents: number;
}

export const DEFAULT_BUDGET: TrainingBudget = { maxSeconds: 600, maxMemoryMiB: 1024, maxItems: 50_000, maxCustomers: 50_000, maxEvents: 2_000_000 };

export interface TrainingOptions {
  trigger: 'schedule' | 'manual';
  jobId?: string | null;
  budget?: Partial<TrainingBudget>;
  /** Entries stored per list (the storefront asks for at most this many). */
  listSize?: number;
  /** Fraction done, 0..1. */
  onProgress?: (fraction: number, phase: string) => Promise<void> | void;
  /** A run still `running` after this long is taken to have crashed. */
  staleAfterSeconds?: number;
  /** Item-model size cap (the memory budget may lower it). */
  easeTopK?: number;
}

export interface TrainingResult {
  version: number;
  stats: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

export class TrainingAborted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingAborted';
  }
}

const MIB = 2 ** 20;
const round = (x: number) => Math.round(x * 1e4) / 1e4;
const entries = (list: readonly Scored[]): RecoListEntry[] => list.map((r) => ({ p: r.id, s: round(r.score), src: r.source }));

interface ProductRow {
  id: string;
  title: string;
  description: string;
  product_type: string | null;
  vendor: string | null;
  tags: string[];
  status: string;
  stock: number;
  created_at: Date;
}

export async function trainStore(db: Kysely<TenantDatabase>, opts: TrainingOptions): Promise<TrainingResult> {
  const budget: TrainingBudget = { ...DEFAULT_BUDGET, ...opts.budget };
  const listSize = opts.listSize ?? 40;
  const started = Date.now();
  // CPU time beside wall time: on a shared machine the wall clock mostly measures the neighbours.
  const cpuStart = process.cpuUsage();
  let peakRss = process.memoryUsage().rss;
  const progress = async (f: number, phase: string) => {
    await opts.onProgress?.(f, phase);
  };
  const check = (phase: string) => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    const s = (Date.now() - started) / 1000;
    if (s > budget.maxSeconds) throw new TrainingAborted(`time budget exceeded: ${s.toFixed(1)} s > ${budget.maxSeconds} s after ${phase}`);
    if (rss > budget.maxMemoryMiB * MIB)
      throw new TrainingAborted(`memory budget exceeded: ${Math.round(rss / MIB)} MiB > ${budget.maxMemoryMiB} MiB after ${phase}`);
  };

  // Claim the store's single training slot (partial unique index on status = 'running').
  await db
    .updateTable('reco_models')
    .set({ status: 'failed', finished_at: new Date(), error: 'abandoned (worker stopped while training)' })
    .where('status', '=', 'running')
    .where('started_at', '<', new Date(Date.now() - (opts.staleAfterSeconds ?? Math.max(3600, budget.maxSeconds * 2)) * 1000))
    .execute();
  let version: number;
  try {
    const row = await db
      .insertInto('reco_models')
      .values({ status: 'running', trigger: opts.trigger, job_id: opts.jobId ?? null, stats: JSON.stringify({}), metrics: JSON.stringify({}) })
      .returning('version')
      .executeTakeFirstOrThrow();
    version = row.version;
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError(ErrorCode.Conflict, 'A training run is already in progress for this store');
    throw e;
  }

  try {
    await progress(0.02, 'loading');
    const products = (await db
      .selectFrom('products as p')
      .select(['p.id', 'p.title', 'p.description', 'p.product_type', 'p.vendor', 'p.tags', 'p.status', 'p.created_at'])
      .select((eb) =>
        eb
          .selectFrom('variants as v')
          .whereRef('v.product_id', '=', 'p.id')
          .select((e2) => e2.fn.coalesce(e2.fn.sum<number>('v.inventory_quantity'), e2.lit(0)).as('s'))
          .as('stock'),
      )
      .execute()) as unknown as ProductRow[];
    const events = await db
      .selectFrom('reco_events')
      .select(['kind', 'customer_id', 'session_id', 'product_id', 'variant_id', 'order_id', 'quantity', 'occurred_at'])
      .where('kind', 'in', ['purchase', 'add_to_cart'])
      .where('product_id', 'is not', null)
      .orderBy('occurred_at', 'desc')
      .limit(budget.maxEvents)
      .execute();
    const views = await db
      .selectFrom('reco_events')
      .select(['product_id'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'view')
      .where('occurred_at', '>=', new Date(Date.now() - 30 * DAY_MS))
      .groupBy('product_id')
      .execute();
    // Refunded units are not demand: purchases lose what was refunded of their order line (a partial index keeps this small).
    const refundedRows = await db
      .selectFrom('order_lines')
      .select(['order_id', 'product_id', 'variant_id', 'refunded_quantity'])
      .where('refunded_quantity', '>', 0)
      .execute();
    const refunded = new Map<string, number>();
    for (const r of refundedRows) {
      const k = `${r.order_id}:${r.variant_id ?? r.product_id}`;
      refunded.set(k, (refunded.get(k) ?? 0) + r.refunded_quantity);
    }
    const memberships = await db.selectFrom('collection_products').select(['collection_id', 'product_id']).execute();
    check('loading');
    await progress(0.15, 'preparing');

    // Cap the catalogue: most-sold products first, then newest.
    const sold = new Map<string, number>();
    for (const e of events) sold.set(e.product_id as string, (sold.get(e.product_id as string) ?? 0) + 1);
    let kept = products;
    if (products.length > budget.maxItems) {
      kept = [...products]
        .sort((a, b) => (sold.get(b.id) ?? 0) - (sold.get(a.id) ?? 0) || b.created_at.getTime() - a.created_at.getTime())
        .slice(0, budget.maxItems);
    }
    const byId = new Map(kept.map((p) => [p.id, p]));
    const catalogue: CatalogueItem[] = kept.map((p) => ({
      itemId: p.id,
      title: p.title,
      description: stripHtml(p.description),
      type: [p.product_type ?? '', p.vendor ?? ''].join(' ').trim(),
      tags: p.tags,
      status: p.status !== 'active' ? 'draft' : Number(p.stock) > 0 ? 'active' : 'out_of_stock',
    }));
    // Purchases are baskets per order; carts that never became an order are baskets per shopper and day.
    const interactions: Interaction[] = [];
    for (let k = events.length - 1; k >= 0; k--) {
      const e = events[k] as (typeof events)[number];
      const pid = e.product_id as string;
      if (!byId.has(pid)) continue;
      let quantity = e.quantity ?? 1;
      if (e.kind === 'purchase' && refunded.size) {
        const k = `${e.order_id}:${e.variant_id ?? pid}`;
        const back = Math.min(quantity, refunded.get(k) ?? 0);
        if (back > 0) refunded.set(k, (refunded.get(k) ?? 0) - back);
        quantity -= back;
        if (quantity <= 0) continue;
      }
      const who = e.customer_id ? e.customer_id : `s:${e.session_id}`;
      const t = e.occurred_at.getTime();
      interactions.push({
        customerId: who,
        itemId: pid,
        timestamp: t,
        quantity,
        orderId: e.kind === 'purchase' ? `o:${e.order_id}` : `c:${who}:${Math.floor(t / DAY_MS)}`,
      });
    }
    events.length = 0;
    check('preparing');

    // Item model size from the memory budget: two K×K float64 matrices in flight.
    const rssNow = process.memoryUsage().rss;
    const spare = Math.max(0, budget.maxMemoryMiB * MIB - rssNow) * 0.5;
    const kByMemory = Math.floor(Math.sqrt(spare / 16));
    const easeTopK = Math.max(0, Math.min(opts.easeTopK ?? DEFAULT_TRAIN.easeTopK, kByMemory));
    await progress(0.2, 'holdout');
    const metrics = holdoutMetrics(interactions, catalogue);
    check('holdout');
    await progress(0.3, 'fitting');
    const fitStart = Date.now();
    const fitCpu = process.cpuUsage();
    const model = trainRecommender(interactions, catalogue, { easeTopK });
    const fitMs = Date.now() - fitStart;
    const fitCpuMs = cpuMs(process.cpuUsage(fitCpu));
    check('fitting');
    await progress(0.6, 'scoring');

    // Lists: every product, every known customer, popularity overall and per collection.
    const repeatThreshold = 0.3;
    const itemRows = kept.map((p) => {
      const i = model.ds.itemIndex.get(p.id);
      return {
        version,
        product_id: p.id,
        repeat: i !== undefined && (model.ds.itemRepeatRate[i] as number) >= repeatThreshold,
        items: JSON.stringify(entries(alsoBoughtScored(model, p.id, listSize))),
      };
    });
    check('item lists');
    const customers = model.ds.userIds
      .map((id, u) => ({ id, u }))
      .filter((c) => !c.id.startsWith('s:'))
      .sort((a, b) => lastOrderTime(model, b.u) - lastOrderTime(model, a.u))
      .slice(0, budget.maxCustomers);
    const customerRows = customers.map((c) => {
      const r = recommendForCustomer(model, c.id, listSize);
      return { version, customer_id: c.id, items: JSON.stringify(entries(r.all)), fresh: JSON.stringify(entries(r.fresh)) };
    });
    check('customer lists');
    const popular = popularityScores(model, kept, new Map(views.map((v) => [v.product_id as string, Number(v.n)])));
    const popularRows = [{ version, scope: 'all', items: JSON.stringify(popularList(model, popular, null, listSize)) }];
    const byCollection = new Map<string, Set<number>>();
    for (const m of memberships) {
      const i = model.ds.itemIndex.get(m.product_id);
      if (i === undefined) continue;
      let s = byCollection.get(m.collection_id);
      if (!s) {
        s = new Set();
        byCollection.set(m.collection_id, s);
      }
      s.add(i);
    }
    for (const [cid, members] of byCollection) popularRows.push({ version, scope: cid, items: JSON.stringify(popularList(model, popular, members, listSize)) });
    await progress(0.75, 'writing');

    for (let k = 0; k < itemRows.length; k += 250)
      await db
        .insertInto('reco_item_recs')
        .values(itemRows.slice(k, k + 250))
        .execute();
    for (let k = 0; k < customerRows.length; k += 250)
      await db
        .insertInto('reco_customer_recs')
        .values(customerRows.slice(k, k + 250))
        .execute();
    for (let k = 0; k < popularRows.length; k += 250)
      await db
        .insertInto('reco_popular')
        .values(popularRows.slice(k, k + 250))
        .execute();
    check('writing');

    const stats = {
      durationMs: Date.now() - started,
      cpuMs: cpuMs(process.cpuUsage(cpuStart)),
      fitMs,
      fitCpuMs,
      peakRssMiB: Math.round(peakRss / MIB),
      products: products.length,
      productsConsidered: kept.length,
      interactions: interactions.length,
      orders: model.ds.orders.length,
      shoppers: model.ds.userIds.length,
      customersWithLists: customerRows.length,
      easeItems: model.ease.size,
      collections: byCollection.size,
      listSize,
    };
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('reco_models')
        .set({ status: 'succeeded', finished_at: new Date(), stats: JSON.stringify(stats), metrics: JSON.stringify(metrics) })
        .where('version', '=', version)
        .execute();
      await trx
        .insertInto('reco_active_model')
        .values({ id: true, version, activated_at: new Date() })
        .onConflict((oc) => oc.column('id').doUpdateSet({ version, activated_at: new Date() }))
        .execute();
    });
    // Keep the new model and the one before it (in-flight requests may still read it).
    const keep = await db.selectFrom('reco_models').select('version').where('status', '=', 'succeeded').orderBy('version', 'desc').limit(2).execute();
    const keepVersions = keep.map((r) => r.version);
    for (const t of ['reco_item_recs', 'reco_customer_recs', 'reco_popular'] as const)
      await db.deleteFrom(t).where('version', 'not in', keepVersions).execute();
    await progress(1, 'done');
    return { version, stats, metrics };
  } catch (err) {
    const message =
      err instanceof TrainingAborted || err instanceof AppError ? err.message : `training failed: ${err instanceof Error ? err.message : String(err)}`;
    await db
      .updateTable('reco_models')
      .set({
        status: 'failed',
        finished_at: new Date(),
        error: message.slice(0, 2000),
        stats: JSON.stringify({ durationMs: Date.now() - started, peakRssMiB: Math.round(peakRss / MIB) }),
      })
      .where('version', '=', version)
      .execute();
    for (const t of ['reco_item_recs', 'reco_customer_recs', 'reco_popular'] as const) await db.deleteFrom(t).where('version', '=', version).execute();
    throw err;
  }
}

const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);

function lastOrderTime(model: RecoModel, u: number): number {
  const list = model.ds.userOrders[u] ?? [];
  const o = list[list.length - 1];
  return o === undefined ? 0 : (model.ds.orderTime[o] as number);
}

function stripHtml(s: string): string {
  return s.replace(/<[^>]*>/g, ' ');
}

/**
 * Popularity for cold starts and fallbacks: recent orders first, then recent
 * product views, then newest products (a store with no traffic still gets a list).
 */
function popularityScores(model: RecoModel, products: readonly ProductRow[], views: ReadonlyMap<string, number>): Float64Array {
  const n = model.ds.itemIds.length;
  const out = new Float64Array(n);
  const norm = (xs: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i] as number);
    return m > 0 ? m : 1;
  };
  const tMax = norm(model.trending);
  const v = new Float64Array(n);
  const age = new Float64Array(n);
  let newest = 0;
  for (const p of products) newest = Math.max(newest, p.created_at.getTime());
  for (const p of products) {
    const i = model.ds.itemIndex.get(p.id);
    if (i === undefined) continue;
    v[i] = views.get(p.id) ?? 0;
    age[i] = 0.5 ** ((newest - p.created_at.getTime()) / (30 * DAY_MS));
  }
  const vMax = norm(v);
  for (let i = 0; i < n; i++) out[i] = (model.trending[i] as number) / tMax + (0.1 * (v[i] as number)) / vMax + 0.01 * (age[i] as number);
  return out;
}

function popularList(model: RecoModel, scores: Float64Array, members: ReadonlySet<number> | null, n: number): RecoListEntry[] {
  const allowed = Uint8Array.from(model.allowed);
  if (members) for (let i = 0; i < allowed.length; i++) if (!members.has(i)) allowed[i] = 0;
  return topN(scores, n, allowed, model.popularity).map((i) => ({ p: model.ds.itemIds[i] as string, s: round(scores[i] as number), src: 'popular' }));
}

/**
 * Offline check on an internal holdout: a smaller model trained on all but the
 * last 28 days, scored on what shoppers bought in those days, beside plain
 * popularity. Skipped when there is too little data either side.
 */
export function holdoutMetrics(interactions: readonly Interaction[], catalogue: readonly CatalogueItem[]): Record<string, unknown> {
  if (!interactions.length) return { skipped: 'no purchases yet' };
  let tMax = 0;
  for (const e of interactions) tMax = Math.max(tMax, e.timestamp);
  const cut = tMax - 28 * DAY_MS;
  const before = interactions.filter((e) => e.timestamp < cut);
  const after = interactions.filter((e) => e.timestamp >= cut);
  const afterOrders = new Set(after.map((e) => e.orderId)).size;
  if (new Set(before.map((e) => e.orderId)).size < 50 || afterOrders < 20)
    return { skipped: 'too little data for a holdout (needs 50 orders before and 20 in the last 28 days)' };
  const model = trainRecommender(before, catalogue, { easeTopK: 500 });
  const pop = recentPopularity(buildDataset(before, catalogue), 30);
  const popList = topN(pop, 20, model.allowed, model.popularity).map((i) => model.ds.itemIds[i] as string);
  const bought = new Map<string, Set<string>>();
  for (const e of after) {
    let s = bought.get(e.customerId);
    if (!s) {
      s = new Set();
      bought.set(e.customerId, s);
    }
    s.add(e.itemId);
  }
  let users = 0;
  let ndcg = 0;
  let ndcgPop = 0;
  for (const [c, rel] of bought) {
    if (!model.ds.userIndex.has(c) || users >= 1000) continue;
    users++;
    ndcg += ndcgAt20(
      recommendForCustomer(model, c, 20).all.map((r) => r.id),
      rel,
    );
    ndcgPop += ndcgAt20(popList, rel);
  }
  // Also bought: per holdout basket, the first item queries, the second is the answer.
  const baskets = new Map<string, string[]>();
  for (const e of after) {
    const b = baskets.get(e.orderId as string) ?? [];
    if (!b.includes(e.itemId)) b.push(e.itemId);
    baskets.set(e.orderId as string, b);
  }
  let queries = 0;
  let hr = 0;
  let hrPop = 0;
  for (const b of baskets.values()) {
    if (b.length < 2 || queries >= 1000) continue;
    const [q, target] = b as [string, string];
    if (!model.ds.itemIndex.has(q)) continue;
    queries++;
    if (
      alsoBoughtScored(model, q, 10)
        .map((r) => r.id)
        .includes(target)
    )
      hr++;
    if (
      popList
        .filter((x) => x !== q)
        .slice(0, 10)
        .includes(target)
    )
      hrPop++;
  }
  return {
    holdoutDays: 28,
    customers: users,
    ndcgAt20: users ? round(ndcg / users) : null,
    popularityNdcgAt20: users ? round(ndcgPop / users) : null,
    alsoBoughtQueries: queries,
    alsoBoughtHrAt10: queries ? round(hr / queries) : null,
    popularityHrAt10: queries ? round(hrPop / queries) : null,
  };
}

function ndcgAt20(list: readonly string[], rel: ReadonlySet<string>): number {
  let dcg = 0;
  for (let r = 0; r < Math.min(20, list.length); r++) if (rel.has(list[r] as string)) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  for (let r = 0; r < Math.min(20, rel.size); r++) idcg += 1 / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}
