/**
 * The merchant's dynamic pricing settings: one row per opted-in product or
 * collection, with its guardrails, mode, optional sell-by target and pause.
 */
import { type Kysely, newId, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { isWithinGuardrails } from '@storeloom/pricing';
import { auditPricing, guardrailsOf, type PricingContext, type PricingSettingsInput, type PricingSettingsView } from './shared.ts';

const MAX_CANDIDATES = 9;

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

/** The candidate price set the policy learns over: the merchant's price points, or a grid inside [floor, ceiling]. */
export function candidatePrices(s: { floor: number; ceiling: number; pricePoints: number[] | null; step: number | null }): number[] {
  if (s.pricePoints && s.pricePoints.length > 0) {
    return [...new Set(s.pricePoints.filter((p) => p >= s.floor && p <= s.ceiling && p > 0))].sort((a, b) => a - b);
  }
  const lo = Math.max(1, s.floor);
  if (s.step) {
    const grid: number[] = [];
    for (let p = Math.ceil(lo / s.step) * s.step; p <= s.ceiling && grid.length < 10_000; p += s.step) grid.push(p);
    if (grid.length <= MAX_CANDIDATES) return grid;
    return [...new Set(Array.from({ length: MAX_CANDIDATES }, (_, i) => grid[Math.round((i * (grid.length - 1)) / (MAX_CANDIDATES - 1))] as number))];
  }
  if (lo >= s.ceiling) return [s.ceiling];
  return [...new Set(Array.from({ length: 7 }, (_, i) => Math.round(lo + (i * (s.ceiling - lo)) / 6)))];
}

function validateSettings(s: PricingSettingsInput): void {
  const hasProduct = !!s.productId;
  const hasCollection = !!s.collectionId;
  if (hasProduct === hasCollection) throw invalid('productId', 'set exactly one of productId and collectionId');
  if (s.floor > s.ceiling) throw invalid('floor', 'must not be above ceiling');
  if ((s.targetUnits == null) !== (s.targetDate == null)) throw invalid('targetUnits', 'set targetUnits and targetDate together');
  if (s.targetDate != null && !/^\d{4}-\d{2}-\d{2}$/.test(s.targetDate)) throw invalid('targetDate', 'expected YYYY-MM-DD');
  const candidates = candidatePrices({ floor: s.floor, ceiling: s.ceiling, pricePoints: s.pricePoints ?? null, step: s.step ?? null });
  if (candidates.length === 0) throw invalid('pricePoints', 'no allowed price lies between floor and ceiling');
  const g = guardrailsOf({ floor: s.floor, ceiling: s.ceiling, step: s.step, price_points: s.pricePoints });
  if (!candidates.some((p) => isWithinGuardrails(p, g))) throw invalid('step', 'no price on the step grid lies between floor and ceiling');
}

function settingsRows(t: Kysely<TenantDatabase>) {
  return t
    .selectFrom('pricing_settings')
    .select([
      'id',
      'product_id',
      'collection_id',
      'enabled',
      'mode',
      'floor',
      'ceiling',
      'price_points',
      'step',
      'max_change_per_day',
      'target_units',
      sql<string | null>`target_date::text`.as('target_date'),
      'paused_reason',
      'paused_at',
      'version',
      'created_at',
      'updated_at',
    ])
    .orderBy('created_at')
    .execute();
}

export type SettingsRow = Awaited<ReturnType<typeof settingsRows>>[number];

function toView(r: SettingsRow): PricingSettingsView {
  return {
    id: r.id,
    productId: r.product_id,
    collectionId: r.collection_id,
    enabled: r.enabled,
    mode: r.mode,
    floor: r.floor,
    ceiling: r.ceiling,
    pricePoints: (r.price_points as number[] | null) ?? null,
    step: r.step,
    maxChangePerDay: r.max_change_per_day,
    targetUnits: r.target_units,
    targetDate: r.target_date,
    paused: r.paused_reason !== null,
    pausedReason: r.paused_reason,
    pausedAt: r.paused_at,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The guardrail columns written from an input (create and full replacement alike). */
function guardrailColumns(input: Omit<PricingSettingsInput, 'productId' | 'collectionId'>) {
  return {
    floor: input.floor,
    ceiling: input.ceiling,
    price_points: input.pricePoints?.length ? JSON.stringify(input.pricePoints) : null,
    step: input.step ?? null,
    max_change_per_day: input.maxChangePerDay ?? null,
    target_units: input.targetUnits ?? null,
    target_date: input.targetDate ?? null,
  };
}

export class PricingSettings {
  constructor(private readonly ctx: PricingContext) {}

  /** Every settings row, oldest first (the run reads these too). */
  rows(): Promise<SettingsRow[]> {
    return settingsRows(this.ctx.t);
  }

  async list(): Promise<PricingSettingsView[]> {
    return (await this.rows()).map(toView);
  }

  async get(id: string): Promise<PricingSettingsView> {
    const row = (await this.rows()).find((r) => r.id === id);
    if (!row) throw notFound('Pricing settings');
    return toView(row);
  }

  /** Opt a product or a collection in (one settings row per product / collection). */
  async create(input: PricingSettingsInput, actorUserId: string | null): Promise<PricingSettingsView> {
    const { t } = this.ctx;
    validateSettings(input);
    if (input.productId && !(await t.selectFrom('products').select('id').where('id', '=', input.productId).executeTakeFirst())) throw notFound('Product');
    if (input.collectionId && !(await t.selectFrom('collections').select('id').where('id', '=', input.collectionId).executeTakeFirst()))
      throw notFound('Collection');
    const id = newId();
    const now = new Date();
    const inserted = await t
      .insertInto('pricing_settings')
      .values({
        id,
        product_id: input.productId ?? null,
        collection_id: input.collectionId ?? null,
        enabled: input.enabled ?? true,
        mode: input.mode ?? 'suggest',
        ...guardrailColumns(input),
        paused_reason: null,
        paused_at: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new AppError(ErrorCode.Conflict, 'Dynamic pricing is already set up for this product or collection; update it instead');
    await auditPricing(this.ctx, 'pricing.settings.created', id, actorUserId, { ...input });
    return this.get(id);
  }

  /** Full replacement of the guardrails at `version` (optimistic concurrency). Resuming clears a pause. */
  async update(
    id: string,
    input: Omit<PricingSettingsInput, 'productId' | 'collectionId'> & { version: number; resume?: boolean },
    actorUserId: string | null,
  ): Promise<PricingSettingsView> {
    const current = await this.get(id);
    validateSettings({ ...input, productId: current.productId, collectionId: current.collectionId });
    const r = await this.ctx.t
      .updateTable('pricing_settings')
      .set({
        enabled: input.enabled ?? current.enabled,
        mode: input.mode ?? current.mode,
        ...guardrailColumns(input),
        ...(input.resume ? { paused_reason: null, paused_at: null } : {}),
        version: sql`version + 1`,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1)
      throw new AppError(ErrorCode.VersionConflict, 'These settings were changed by someone else; reload them', {
        details: { currentVersion: current.version },
      });
    await auditPricing(this.ctx, 'pricing.settings.updated', id, actorUserId, { ...input });
    return this.get(id);
  }

  async delete(id: string, actorUserId: string | null): Promise<void> {
    const r = await this.ctx.t.deleteFrom('pricing_settings').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw notFound('Pricing settings');
    await auditPricing(this.ctx, 'pricing.settings.deleted', id, actorUserId, {});
  }

  /** Pause with a reason (the run does the same when its data looks broken). */
  async pause(id: string, reason: string): Promise<void> {
    await this.ctx.t
      .updateTable('pricing_settings')
      .set({ paused_reason: reason.slice(0, 2000), paused_at: new Date(), version: sql`version + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .where('paused_reason', 'is', null)
      .execute();
  }
}

/** The settings governing a product: its own row, else its oldest collection's. */
export async function settingsForProduct(t: Kysely<TenantDatabase> | Transaction<TenantDatabase>, productId: string) {
  const own = await t.selectFrom('pricing_settings').selectAll().where('product_id', '=', productId).executeTakeFirst();
  if (own) return own;
  return t
    .selectFrom('pricing_settings')
    .innerJoin('collection_products', 'collection_products.collection_id', 'pricing_settings.collection_id')
    .selectAll('pricing_settings')
    .where('collection_products.product_id', '=', productId)
    .orderBy('pricing_settings.created_at')
    .executeTakeFirst();
}
