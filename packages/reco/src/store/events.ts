/**
 * First-party shopper events of one store (views, add-to-cart, purchases,
 * recommendation impressions and clicks), the training data of the store's
 * recommender. Nothing leaves the store's schema; retention deletes old rows.
 */
import type { Kysely, RecoEventKind, TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { z } from 'zod';

export const EVENT_KINDS = ['view', 'add_to_cart', 'impression', 'click'] as const;
const id = z.string().trim().min(1).max(128);
const uuid = z.string().uuid();

/** What a storefront may send (purchases come only from paid orders via `recordPurchase`). */
export const StorefrontEventSchema = z
  .object({
    type: z.enum(EVENT_KINDS),
    productId: uuid,
    variantId: uuid.optional(),
    quantity: z.number().int().min(1).max(10_000).optional(),
    /** impression / click: which slot showed the product. */
    slot: z.enum(['product', 'cart', 'home']).optional(),
    /** Client time; clamped to the last 24 hours (never trusted for the future). */
    at: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
export type StorefrontEvent = z.infer<typeof StorefrontEventSchema>;

export const EventBatchSchema = z
  .object({
    sessionId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/, 'sessionId: 8-64 characters of [A-Za-z0-9_-]')
      .optional(),
    events: z.array(StorefrontEventSchema).min(1).max(50),
  })
  .strict();
export type EventBatch = z.infer<typeof EventBatchSchema>;

export interface Actor {
  customerId?: string | null;
  sessionId?: string | null;
}

export interface PurchaseLine {
  productId: string;
  variantId?: string | null;
  quantity: number;
}
export interface PurchaseInput extends Actor {
  orderId: string;
  lines: PurchaseLine[];
  at: Date | string;
}

const PurchaseSchema = z.object({
  orderId: id,
  customerId: id.nullish(),
  sessionId: id.nullish(),
  at: z.union([z.date(), z.string().datetime({ offset: true })]),
  lines: z
    .array(z.object({ productId: uuid, variantId: uuid.nullish(), quantity: z.number().int().min(1) }))
    .min(1)
    .max(1000),
});

const invalid = (message: string) => new AppError(ErrorCode.ValidationFailed, message);

function checkActor(a: Actor): void {
  if (!a.customerId && !a.sessionId) throw invalid('a customerId or a sessionId is required');
}

const DAY_MS = 86_400_000;

export class RecoEventService {
  constructor(private readonly db: Kysely<TenantDatabase>) {}

  /** Keeps the events about this store's products: a stale page may still name a deleted product. */
  async ofKnownProducts<E extends { productId: string }>(events: readonly E[]): Promise<E[]> {
    const ids = [...new Set(events.map((e) => e.productId))];
    if (!ids.length) return [];
    const known = new Set((await this.db.selectFrom('products').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
    return events.filter((e) => known.has(e.productId));
  }

  /** Stores a validated storefront batch. Client times are clamped to [now − 24 h, now]. */
  async record(actor: Actor, events: readonly StorefrontEvent[], now = new Date()): Promise<number> {
    checkActor(actor);
    if (!events.length) return 0;
    const rows = events.map((e) => {
      let at = e.at ? new Date(e.at) : now;
      if (at > now || now.getTime() - at.getTime() > DAY_MS) at = now;
      return {
        kind: e.type as RecoEventKind,
        customer_id: actor.customerId ?? null,
        session_id: actor.sessionId ?? null,
        product_id: e.productId,
        variant_id: e.variantId ?? null,
        order_id: null,
        quantity: e.quantity ?? null,
        slot: e.slot ?? null,
        occurred_at: at,
      };
    });
    await this.db.insertInto('reco_events').values(rows).execute();
    return rows.length;
  }

  /**
   * A paid order's lines as purchase events, once per order: the order row's
   * primary key makes a retried or repeated call a no-op. Returns false when
   * the order was already recorded.
   */
  async recordPurchase(input: PurchaseInput): Promise<boolean> {
    return (await this.recordPurchases([input])) === 1;
  }

  /** Bulk form of `recordPurchase` (imports, the benchmark): one transaction per call. Returns how many orders were new. */
  async recordPurchases(inputs: readonly PurchaseInput[]): Promise<number> {
    if (!inputs.length) return 0;
    const parsed = inputs.map((i) => {
      const r = PurchaseSchema.safeParse(i);
      if (!r.success) throw invalid(`purchase ${String(i.orderId)}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      checkActor(r.data);
      return r.data;
    });
    const unique = new Map(parsed.map((p) => [p.orderId, p]));
    return this.db.transaction().execute(async (trx) => {
      let added = 0;
      const ids = [...unique.keys()];
      for (let k = 0; k < ids.length; k += 1000) {
        const chunk = ids.slice(k, k + 1000).map((oid) => unique.get(oid) as (typeof parsed)[number]);
        const inserted = await trx
          .insertInto('reco_orders')
          .values(chunk.map((p) => ({ order_id: p.orderId, customer_id: p.customerId ?? null, session_id: p.sessionId ?? null, occurred_at: new Date(p.at) })))
          .onConflict((oc) => oc.column('order_id').doNothing())
          .returning('order_id')
          .execute();
        const fresh = new Set(inserted.map((r) => r.order_id));
        added += fresh.size;
        const lines = chunk
          .filter((p) => fresh.has(p.orderId))
          .flatMap((p) =>
            p.lines.map((l) => ({
              kind: 'purchase' as const,
              customer_id: p.customerId ?? null,
              session_id: p.sessionId ?? null,
              product_id: l.productId,
              variant_id: l.variantId ?? null,
              order_id: p.orderId,
              quantity: l.quantity,
              slot: null,
              occurred_at: new Date(p.at),
            })),
          );
        for (let j = 0; j < lines.length; j += 2000)
          await trx
            .insertInto('reco_events')
            .values(lines.slice(j, j + 2000))
            .execute();
      }
      return added;
    });
  }

  /** Retention: deletes events (and order keys) older than `days`. */
  async purgeOlderThan(days: number, now = new Date()): Promise<{ events: number; orders: number }> {
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const ev = await this.db.deleteFrom('reco_events').where('occurred_at', '<', cutoff).executeTakeFirst();
    const or = await this.db.deleteFrom('reco_orders').where('occurred_at', '<', cutoff).executeTakeFirst();
    return { events: Number(ev.numDeletedRows), orders: Number(or.numDeletedRows) };
  }

  /**
   * Recent signals of one shopper for request-time blending: the products they
   * viewed, carted or bought lately (newest first, distinct), and when they
   * last bought each.
   */
  async recentSignals(
    actor: Actor,
    opts: { limit?: number; purchaseDays?: number; now?: Date } = {},
  ): Promise<{ recent: { productId: string; kind: RecoEventKind; at: Date }[]; bought: Map<string, Date> }> {
    const keys: { col: 'customer_id' | 'session_id'; v: string }[] = [];
    if (actor.customerId) keys.push({ col: 'customer_id', v: actor.customerId });
    if (actor.sessionId) keys.push({ col: 'session_id', v: actor.sessionId });
    if (!keys.length) return { recent: [], bought: new Map() };
    const now = opts.now ?? new Date();
    const since = new Date(now.getTime() - (opts.purchaseDays ?? 30) * DAY_MS);
    const rows = await this.db
      .selectFrom('reco_events')
      .select(['product_id', 'kind', 'occurred_at'])
      .where((eb) => eb.or(keys.map((k) => eb(k.col, '=', k.v))))
      .where('kind', 'in', ['view', 'add_to_cart', 'purchase'])
      .where('occurred_at', '>=', since)
      .where('product_id', 'is not', null)
      .orderBy('occurred_at', 'desc')
      .limit(200)
      .execute();
    const seen = new Set<string>();
    const recent: { productId: string; kind: RecoEventKind; at: Date }[] = [];
    const bought = new Map<string, Date>();
    for (const r of rows) {
      const p = r.product_id as string;
      if (r.kind === 'purchase' && !bought.has(p)) bought.set(p, r.occurred_at);
      if (seen.has(p) || recent.length >= (opts.limit ?? 10)) continue;
      seen.add(p);
      recent.push({ productId: p, kind: r.kind, at: r.occurred_at });
    }
    return { recent, bought };
  }
}
