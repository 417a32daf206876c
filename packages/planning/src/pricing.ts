/**
 * Dynamic pricing for one store: merchant settings with guardrails, the
 * nightly (or on-demand) policy run, and the suggest → approve / reject →
 * roll back flow. Every price change is a row in `price_changes` with the
 * policy's reason and inputs; prices change only through the catalogue's
 * conditional variant price update.
 */
import { updateVariantPrice } from '@storeloom/catalog';
import { type Database, type Kysely, newId, sql, type TenantDatabase, type Transaction, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import type { MailOutbox } from '@storeloom/mail';
import {
  createPricingPolicy,
  createRng,
  detectBrokenData,
  type Guardrails,
  isWithinGuardrails,
  type ObservationRecord,
  type PricingPolicyState,
  posteriorMean,
  recommendPrice,
  restoreRng,
  type RngState,
  solvePricingLP,
  tryClampToGuardrails,
  updatePosterior,
} from '@storeloom/pricing';
import { addDaysIso, alertRecipients, daysBetweenIso } from './members.ts';
import { dailySales, utcDay } from './sales.ts';

export type PricingMode = 'suggest' | 'auto';

export interface PricingSettingsInput {
  productId?: string | null;
  collectionId?: string | null;
  enabled?: boolean;
  mode?: PricingMode;
  floor: number;
  ceiling: number;
  pricePoints?: number[] | null;
  step?: number | null;
  maxChangePerDay?: number | null;
  targetUnits?: number | null;
  targetDate?: string | null;
}

export interface PricingSettingsView {
  id: string;
  productId: string | null;
  collectionId: string | null;
  enabled: boolean;
  mode: PricingMode;
  floor: number;
  ceiling: number;
  pricePoints: number[] | null;
  step: number | null;
  maxChangePerDay: number | null;
  targetUnits: number | null;
  targetDate: string | null;
  paused: boolean;
  pausedReason: string | null;
  pausedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PriceChangeView {
  id: string;
  variantId: string;
  productId: string;
  oldPrice: number;
  newPrice: number;
  reason: string;
  inputs: Record<string, unknown>;
  expectedRevenuePerDay: number | null;
  status: 'suggested' | 'applied' | 'rejected' | 'rolled_back';
  source: 'policy' | 'rollback';
  rollbackOf: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  appliedAt: Date | null;
  createdAt: Date;
}

/** What the pricing model has learned about one candidate price of a variant. */
export interface PriceObservation {
  price: number;
  daysObserved: number;
  unitsSold: number;
  expectedUnitsPerDay: number;
  expectedRevenuePerDay: number | null;
}

export interface PricingRunSummary {
  variants: number;
  suggested: number;
  applied: number;
  unchanged: number;
  paused: string[];
  skipped: { variantId: string; reason: string }[];
}

/** Days of horizon when the merchant set no sell-by target. */
export const DEFAULT_HORIZON_DAYS = 30;
/** Days of past sales a fresh policy learns from. */
export const WARM_START_DAYS = 28;
const MAX_CANDIDATES = 9;

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

type SettingsRow = Awaited<ReturnType<PricingService['settingsRows']>>[number];

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

function changeView(r: {
  id: string;
  variant_id: string;
  product_id: string;
  old_price: number;
  new_price: number;
  reason: string;
  inputs: unknown;
  expected_revenue_per_day: number | null;
  status: PriceChangeView['status'];
  source: PriceChangeView['source'];
  rollback_of: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  applied_at: Date | null;
  created_at: Date;
}): PriceChangeView {
  return {
    id: r.id,
    variantId: r.variant_id,
    productId: r.product_id,
    oldPrice: r.old_price,
    newPrice: r.new_price,
    reason: r.reason,
    inputs: (r.inputs as Record<string, unknown>) ?? {},
    expectedRevenuePerDay: r.expected_revenue_per_day,
    status: r.status,
    source: r.source,
    rollbackOf: r.rollback_of,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    appliedAt: r.applied_at,
    createdAt: r.created_at,
  };
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
  const g: Guardrails = {
    floor: s.floor,
    ceiling: s.ceiling,
    ...(s.step ? { step: s.step } : {}),
    ...(s.pricePoints?.length ? { allowedPricePoints: s.pricePoints } : {}),
  };
  if (!candidates.some((p) => isWithinGuardrails(p, g))) throw invalid('step', 'no price on the step grid lies between floor and ceiling');
}

export interface PricingServiceDeps {
  db: Database;
  storeId: string;
  schemaName: string;
  mail?: MailOutbox | undefined;
  /** Called after mail was written, so delivery starts right away. */
  afterMail?: (() => Promise<void>) | undefined;
}

export class PricingService {
  private readonly t: Kysely<TenantDatabase>;
  constructor(private readonly deps: PricingServiceDeps) {
    this.t = deps.db.tenant(deps.schemaName);
  }

  settingsRows() {
    return this.t
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

  async listSettings(): Promise<PricingSettingsView[]> {
    return (await this.settingsRows()).map(toView);
  }

  async getSettings(id: string): Promise<PricingSettingsView> {
    const row = (await this.settingsRows()).find((r) => r.id === id);
    if (!row) throw notFound('Pricing settings');
    return toView(row);
  }

  /** Opt a product or a collection in (one settings row per product / collection). */
  async createSettings(input: PricingSettingsInput, actorUserId: string | null): Promise<PricingSettingsView> {
    validateSettings(input);
    if (input.productId && !(await this.t.selectFrom('products').select('id').where('id', '=', input.productId).executeTakeFirst())) throw notFound('Product');
    if (input.collectionId && !(await this.t.selectFrom('collections').select('id').where('id', '=', input.collectionId).executeTakeFirst()))
      throw notFound('Collection');
    const id = newId();
    const now = new Date();
    const inserted = await this.t
      .insertInto('pricing_settings')
      .values({
        id,
        product_id: input.productId ?? null,
        collection_id: input.collectionId ?? null,
        enabled: input.enabled ?? true,
        mode: input.mode ?? 'suggest',
        floor: input.floor,
        ceiling: input.ceiling,
        price_points: input.pricePoints?.length ? JSON.stringify(input.pricePoints) : null,
        step: input.step ?? null,
        max_change_per_day: input.maxChangePerDay ?? null,
        target_units: input.targetUnits ?? null,
        target_date: input.targetDate ?? null,
        paused_reason: null,
        paused_at: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new AppError(ErrorCode.Conflict, 'Dynamic pricing is already set up for this product or collection; update it instead');
    await this.audit('pricing.settings.created', id, actorUserId, { ...input });
    return this.getSettings(id);
  }

  /** Full replacement of the guardrails at `version` (optimistic concurrency). Resuming clears a pause. */
  async updateSettings(
    id: string,
    input: Omit<PricingSettingsInput, 'productId' | 'collectionId'> & { version: number; resume?: boolean },
    actorUserId: string | null,
  ): Promise<PricingSettingsView> {
    const current = await this.getSettings(id);
    validateSettings({ ...input, productId: current.productId, collectionId: current.collectionId });
    const r = await this.t
      .updateTable('pricing_settings')
      .set({
        enabled: input.enabled ?? current.enabled,
        mode: input.mode ?? current.mode,
        floor: input.floor,
        ceiling: input.ceiling,
        price_points: input.pricePoints?.length ? JSON.stringify(input.pricePoints) : null,
        step: input.step ?? null,
        max_change_per_day: input.maxChangePerDay ?? null,
        target_units: input.targetUnits ?? null,
        target_date: input.targetDate ?? null,
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
    await this.audit('pricing.settings.updated', id, actorUserId, { ...input });
    return this.getSettings(id);
  }

  async deleteSettings(id: string, actorUserId: string | null): Promise<void> {
    const r = await this.t.deleteFrom('pricing_settings').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw notFound('Pricing settings');
    await this.audit('pricing.settings.deleted', id, actorUserId, {});
  }

  /** Pause with a reason (the run does the same when its data looks broken). */
  async pause(id: string, reason: string): Promise<void> {
    await this.t
      .updateTable('pricing_settings')
      .set({ paused_reason: reason.slice(0, 2000), paused_at: new Date(), version: sql`version + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .where('paused_reason', 'is', null)
      .execute();
  }

  private async audit(action: string, targetId: string, actorUserId: string | null, data: Record<string, unknown>) {
    await writeAudit(this.deps.db, { storeId: this.deps.storeId, actorUserId, action, targetType: 'pricing', targetId, data });
  }

  /** Variant -> the settings governing it: a product's own settings win over its collections'. */
  private async governedVariants(rows: SettingsRow[]) {
    const active = rows.filter((r) => r.enabled);
    const byProduct = new Map<string, SettingsRow>();
    for (const r of active) if (r.product_id) byProduct.set(r.product_id, r);
    const collectionRows = active.filter((r) => r.collection_id);
    if (collectionRows.length > 0) {
      const links = await this.t
        .selectFrom('collection_products')
        .select(['collection_id', 'product_id'])
        .where(
          'collection_id',
          'in',
          collectionRows.map((r) => r.collection_id as string),
        )
        .orderBy('collection_id')
        .orderBy('position')
        .execute();
      for (const l of links) {
        if (byProduct.has(l.product_id)) continue;
        const s = collectionRows.find((r) => r.collection_id === l.collection_id);
        if (s) byProduct.set(l.product_id, s);
      }
    }
    if (byProduct.size === 0) return [];
    const variants = await this.t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .select(['variants.id', 'variants.product_id', 'variants.price', 'variants.inventory_quantity', 'products.title', 'products.status'])
      .where('variants.product_id', 'in', [...byProduct.keys()])
      .orderBy('variants.product_id')
      .orderBy('variants.position')
      .execute();
    return variants.filter((v) => v.status === 'active').map((v) => ({ variant: v, settings: byProduct.get(v.product_id) as SettingsRow }));
  }

  /**
   * One pricing run: for every opted-in variant, learn from the days of sales
   * not seen yet, check the data, and propose (suggest mode) or apply (auto
   * mode) the policy's price inside the guardrails. Safe to retry: days are
   * consumed once (state and changes commit together per variant).
   */
  async run(opts: { now?: Date; onProgress?: (fraction: number) => Promise<void> | void } = {}): Promise<PricingRunSummary> {
    const now = opts.now ?? new Date();
    const rows = await this.settingsRows();
    const targets = await this.governedVariants(rows);
    const summary: PricingRunSummary = { variants: targets.length, suggested: 0, applied: 0, unchanged: 0, paused: [], skipped: [] };
    const pausedNow = new Set<string>();
    for (const [i, { variant, settings }] of targets.entries()) {
      if (settings.paused_reason || pausedNow.has(settings.id)) {
        summary.skipped.push({ variantId: variant.id, reason: `paused: ${settings.paused_reason ?? 'data check failed'}` });
        continue;
      }
      const outcome = await this.priceVariant(variant, settings, now);
      if (outcome.kind === 'broken') {
        pausedNow.add(settings.id);
        summary.paused.push(settings.id);
        await this.pauseAndAlert(settings, variant, outcome.reasons);
      } else if (outcome.kind === 'skipped') summary.skipped.push({ variantId: variant.id, reason: outcome.reason });
      else summary[outcome.kind] += 1;
      await opts.onProgress?.((i + 1) / targets.length);
    }
    return summary;
  }

  private async pauseAndAlert(settings: SettingsRow, variant: { id: string; title: string }, reasons: string[]) {
    const reason = `Data check failed for "${variant.title}": ${reasons.join('; ')}`;
    await this.pause(settings.id, reason);
    await this.audit('pricing.paused', settings.id, null, { variantId: variant.id, reasons });
    if (!this.deps.mail) return;
    for (const to of await alertRecipients(this.deps.db, this.deps.storeId)) {
      await this.deps.mail.enqueue({
        kind: 'pricing-paused',
        to,
        storeId: this.deps.storeId,
        subject: `Dynamic pricing paused for ${variant.title}`,
        text: `Dynamic pricing stopped changing prices because its sales data looks wrong.\n\n${reason}\n\nCheck the sales data, then resume dynamic pricing in the console.`,
        dedupKey: `pricing-paused:${this.deps.storeId}:${settings.id}:${settings.version}`,
      });
    }
    await this.deps.afterMail?.();
  }

  private async priceVariant(
    variant: { id: string; product_id: string; price: number; inventory_quantity: number; title: string },
    settings: SettingsRow,
    now: Date,
  ): Promise<{ kind: 'suggested' | 'applied' | 'unchanged' } | { kind: 'skipped'; reason: string } | { kind: 'broken'; reasons: string[] }> {
    const today = utcDay(now);
    const yesterday = addDaysIso(today, -1);
    const candidates = candidatePrices({
      floor: settings.floor,
      ceiling: settings.ceiling,
      pricePoints: (settings.price_points as number[] | null) ?? null,
      step: settings.step,
    });
    const fingerprint = JSON.stringify(candidates);
    const saved = await this.t
      .selectFrom('pricing_policy_state')
      .select([
        'state',
        'rng',
        sql<string | null>`observed_through::text`.as('observed_through'),
        'last_price',
        sql<string>`target_start::text`.as('target_start'),
        'settings_fingerprint',
      ])
      .where('variant_id', '=', variant.id)
      .executeTakeFirst();
    const fresh = !saved || saved.settings_fingerprint !== fingerprint;
    const firstDay = fresh ? addDaysIso(today, -WARM_START_DAYS) : addDaysIso(saved.observed_through ?? yesterday, 1);
    const history = (await dailySales(this.t, [variant.id], firstDay, today)).get(variant.id) ?? [];
    let state: PricingPolicyState;
    let rngState: RngState;
    if (fresh) {
      // Weak data-based prior: one pseudo-day at the variant's recent sales rate, at every price.
      const rate = history.reduce((a, d) => a + d.units, 0) / WARM_START_DAYS;
      state = createPricingPolicy({ prices: candidates, demandModel: 'poisson', prior: { successes: Math.max(0.05, rate), failures: 1 } });
      rngState = createRng(`pricing/${variant.id}`).getState();
    } else {
      state = saved.state as PricingPolicyState;
      rngState = saved.rng as RngState;
    }
    const lastPrice = fresh ? variant.price : saved.last_price;

    // One observation per day: the price shown that day (the average paid on
    // days with sales, else the price in effect) and the units sold.
    const byDay = new Map(history.map((d) => [d.day, d]));
    const observations: ObservationRecord[] = [];
    let unattributed = 0;
    for (let day = firstDay; day <= yesterday; day = addDaysIso(day, 1)) {
      const d = byDay.get(day);
      const shown = d && d.units > 0 ? d.avgPriceShown : lastPrice;
      const k = candidates.indexOf(shown);
      if (k < 0) {
        unattributed += 1;
        continue;
      }
      observations.push({ priceIndex: k, offers: 1, sales: d?.units ?? 0, t: daysBetweenIso('1970-01-01', day) });
    }
    for (const o of observations) state = updatePosterior(state, { priceIndex: o.priceIndex, offers: o.offers, sales: o.sales });

    const report = detectBrokenData({ state, observations });
    const blocking = report.issues.filter((i) => i.severity === 'error' || i.code === 'demand-increases-with-price');
    if (blocking.length > 0) return { kind: 'broken', reasons: blocking.map((i) => i.message) };

    const soldSinceTarget =
      settings.target_units !== null
        ? Number(
            (
              await this.t
                .selectFrom('variant_sales_daily')
                .select(sql<number>`coalesce(sum(units), 0)::int`.as('units'))
                .where('variant_id', '=', variant.id)
                .where('day', '>=', fresh ? today : (saved?.target_start ?? today))
                .executeTakeFirst()
            )?.units ?? 0,
          )
        : 0;
    const remainingPeriods = settings.target_date !== null ? Math.max(1, daysBetweenIso(today, settings.target_date)) : DEFAULT_HORIZON_DAYS;
    const remainingInventory =
      settings.target_units !== null ? Math.max(0, Math.min(variant.inventory_quantity, settings.target_units - soldSinceTarget)) : variant.inventory_quantity;

    // The daily change limit counts from the price at the start of today, however many runs happen today.
    const firstToday = await this.t
      .selectFrom('price_changes')
      .select('old_price')
      .where('variant_id', '=', variant.id)
      .where('applied_at', '>=', new Date(`${today}T00:00:00Z`))
      .orderBy('applied_at')
      .executeTakeFirst();
    const guardrails: Guardrails = {
      floor: settings.floor,
      ceiling: settings.ceiling,
      ...(settings.step ? { step: settings.step } : {}),
      ...((settings.price_points as number[] | null)?.length ? { allowedPricePoints: settings.price_points as number[] } : {}),
      ...(settings.max_change_per_day !== null ? { maxChangePerDay: settings.max_change_per_day } : {}),
      previousPrice: firstToday?.old_price ?? variant.price,
    };
    const rng = restoreRng(rngState);
    let price: number;
    let clamped = false;
    try {
      const rec = recommendPrice(state, { remainingInventory, remainingPeriods }, rng, guardrails);
      price = rec.price;
      clamped = rec.clamped;
    } catch (e) {
      const fallback = tryClampToGuardrails(variant.price, guardrails);
      if (!fallback.ok) return { kind: 'skipped', reason: `guardrails: ${(e as Error).message}` };
      price = fallback.price;
      clamped = true;
    }

    const means = posteriorMean(state);
    const plan = solvePricingLP(state.prices, means, remainingInventory / remainingPeriods, undefined, Number.POSITIVE_INFINITY);
    const rateAt = (p: number) => {
      const k = state.prices.indexOf(p);
      return k >= 0 ? (means[k] as number) : null;
    };
    const expectedAt = (p: number) => {
      const r = rateAt(p);
      return r === null ? null : Math.round(p * Math.min(r, remainingInventory / remainingPeriods));
    };
    const inputs = {
      candidates,
      offersDays: state.offers,
      unitsSold: state.sales,
      meanUnitsPerDay: means.map((m) => Math.round(m * 1000) / 1000),
      remainingInventory,
      remainingPeriods,
      newDaysObserved: observations.length,
      unattributedDays: unattributed,
      planMix: plan.x.map((x) => Math.round(x * 1000) / 1000),
      planRevenuePerDay: Math.round(plan.value),
      guardrails,
      clamped,
      warnings: report.reasons,
    };
    const fmt = (p: number) => (p / 100).toFixed(2);
    const planText = state.prices
      .map((p, k) => ((plan.x[k] ?? 0) > 0.005 ? `${Math.round((plan.x[k] ?? 0) * 100)}% at ${fmt(p)}` : null))
      .filter(Boolean)
      .join(', ');
    const reason =
      `Thompson sampling over ${candidates.length} prices with ${state.offers.reduce((a, b) => a + b, 0)} days of sales; ` +
      `${remainingInventory} units for ${remainingPeriods} days; plan ${planText || 'highest price'}; ` +
      `expected ${rateAt(price)?.toFixed(2) ?? '?'} units/day at ${fmt(price)} vs ${rateAt(variant.price)?.toFixed(2) ?? '?'} at ${fmt(variant.price)}` +
      (clamped ? ' (clamped to the guardrails)' : '');

    return this.t.transaction().execute(async (trx) => {
      let outcome: 'suggested' | 'applied' | 'unchanged' = 'unchanged';
      let currentPrice = variant.price;
      if (price !== variant.price) {
        if (settings.mode === 'auto') {
          try {
            await updateVariantPrice(trx, { variantId: variant.id, price, expectedPrice: variant.price });
          } catch (e) {
            if (e instanceof AppError && e.code === ErrorCode.VersionConflict) return { kind: 'skipped' as const, reason: 'price changed during the run' };
            throw e;
          }
          await this.insertChange(trx, { variant, oldPrice: variant.price, newPrice: price, reason, inputs, expected: expectedAt(price), status: 'applied' });
          currentPrice = price;
          outcome = 'applied';
        } else {
          await trx
            .updateTable('price_changes')
            .set({ status: 'rejected', decided_at: new Date() })
            .where('variant_id', '=', variant.id)
            .where('status', '=', 'suggested')
            .execute();
          await this.insertChange(trx, { variant, oldPrice: variant.price, newPrice: price, reason, inputs, expected: expectedAt(price), status: 'suggested' });
          outcome = 'suggested';
        }
      }
      const values = {
        variant_id: variant.id,
        product_id: variant.product_id,
        settings_fingerprint: fingerprint,
        state: JSON.stringify(state),
        rng: JSON.stringify(rng.getState()),
        observed_through: yesterday,
        last_price: currentPrice,
        target_start: fresh ? today : (saved?.target_start ?? today),
        updated_at: new Date(),
      };
      await trx
        .insertInto('pricing_policy_state')
        .values(values)
        .onConflict((oc) => oc.column('variant_id').doUpdateSet(values))
        .execute();
      return { kind: outcome };
    });
  }

  private async insertChange(
    trx: Transaction<TenantDatabase>,
    c: {
      variant: { id: string; product_id: string };
      oldPrice: number;
      newPrice: number;
      reason: string;
      inputs: Record<string, unknown>;
      expected: number | null;
      status: 'suggested' | 'applied';
    },
  ) {
    const now = new Date();
    await trx
      .insertInto('price_changes')
      .values({
        id: newId(),
        variant_id: c.variant.id,
        product_id: c.variant.product_id,
        old_price: c.oldPrice,
        new_price: c.newPrice,
        reason: c.reason,
        inputs: JSON.stringify(c.inputs),
        expected_revenue_per_day: c.expected,
        status: c.status,
        source: 'policy',
        rollback_of: null,
        decided_by: null,
        decided_at: c.status === 'applied' ? now : null,
        applied_at: c.status === 'applied' ? now : null,
        created_at: now,
      })
      .execute();
  }

  private changes() {
    return this.t.selectFrom('price_changes').selectAll();
  }

  async listChanges(q: { status?: PriceChangeView['status']; productId?: string; variantId?: string; limit?: number }): Promise<PriceChangeView[]> {
    let query = this.changes();
    if (q.status) query = query.where('status', '=', q.status);
    if (q.productId) query = query.where('product_id', '=', q.productId);
    if (q.variantId) query = query.where('variant_id', '=', q.variantId);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit ?? 100)
      .execute();
    return rows.map(changeView);
  }

  async getChange(id: string): Promise<PriceChangeView> {
    const row = await this.changes().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Price change');
    return changeView(row);
  }

  /** Applies a waiting suggestion, if the price is still what it was when suggested and still inside the guardrails. */
  async approve(id: string, actorUserId: string): Promise<PriceChangeView> {
    await this.t.transaction().execute(async (trx) => {
      const change = await trx.selectFrom('price_changes').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!change) throw notFound('Price change');
      if (change.status !== 'suggested') throw new AppError(ErrorCode.Conflict, `This change is ${change.status}, not waiting for approval`);
      const settings = await this.settingsFor(trx, change.product_id);
      if (settings) {
        const g: Guardrails = {
          floor: settings.floor,
          ceiling: settings.ceiling,
          ...(settings.step ? { step: settings.step } : {}),
          ...((settings.price_points as number[] | null)?.length ? { allowedPricePoints: settings.price_points as number[] } : {}),
        };
        if (!isWithinGuardrails(change.new_price, g)) throw new AppError(ErrorCode.Conflict, 'The suggested price is outside the current guardrails');
      }
      await updateVariantPrice(trx, { variantId: change.variant_id, price: change.new_price, expectedPrice: change.old_price });
      const now = new Date();
      await trx
        .updateTable('price_changes')
        .set({ status: 'applied', decided_by: actorUserId, decided_at: now, applied_at: now })
        .where('id', '=', id)
        .execute();
      await trx.updateTable('pricing_policy_state').set({ last_price: change.new_price }).where('variant_id', '=', change.variant_id).execute();
    });
    await this.audit('pricing.change.approved', id, actorUserId, {});
    return this.getChange(id);
  }

  async reject(id: string, actorUserId: string): Promise<PriceChangeView> {
    const r = await this.t
      .updateTable('price_changes')
      .set({ status: 'rejected', decided_by: actorUserId, decided_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'suggested')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      const c = await this.getChange(id);
      throw new AppError(ErrorCode.Conflict, `This change is ${c.status}, not waiting for approval`);
    }
    await this.audit('pricing.change.rejected', id, actorUserId, {});
    return this.getChange(id);
  }

  /** Restores the price before an applied change (itself logged as an applied change). */
  async rollback(id: string, actorUserId: string): Promise<PriceChangeView> {
    const newId_ = newId();
    await this.t.transaction().execute(async (trx) => {
      const change = await trx.selectFrom('price_changes').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!change) throw notFound('Price change');
      if (change.status !== 'applied') throw new AppError(ErrorCode.Conflict, `Only an applied change can be rolled back (this one is ${change.status})`);
      await updateVariantPrice(trx, { variantId: change.variant_id, price: change.old_price, expectedPrice: change.new_price });
      const now = new Date();
      await trx.updateTable('price_changes').set({ status: 'rolled_back' }).where('id', '=', id).execute();
      // A waiting suggestion was computed from the price being rolled back.
      await trx
        .updateTable('price_changes')
        .set({ status: 'rejected', decided_at: now })
        .where('variant_id', '=', change.variant_id)
        .where('status', '=', 'suggested')
        .execute();
      await trx
        .insertInto('price_changes')
        .values({
          id: newId_,
          variant_id: change.variant_id,
          product_id: change.product_id,
          old_price: change.new_price,
          new_price: change.old_price,
          reason: 'Rolled back by the merchant',
          inputs: JSON.stringify({ rolledBack: change.id }),
          expected_revenue_per_day: null,
          status: 'applied',
          source: 'rollback',
          rollback_of: change.id,
          decided_by: actorUserId,
          decided_at: now,
          applied_at: now,
          created_at: now,
        })
        .execute();
      await trx.updateTable('pricing_policy_state').set({ last_price: change.old_price }).where('variant_id', '=', change.variant_id).execute();
    });
    await this.audit('pricing.change.rolled_back', id, actorUserId, { rollbackChangeId: newId_ });
    return this.getChange(newId_);
  }

  private async settingsFor(t: Kysely<TenantDatabase> | Transaction<TenantDatabase>, productId: string) {
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

  /** Price changes and daily sales of a product's variants, for the history chart. */
  async history(productId: string, days = 90, now = new Date()) {
    const variants = await this.t.selectFrom('variants').select(['id', 'title', 'price']).where('product_id', '=', productId).orderBy('position').execute();
    if (variants.length === 0) throw notFound('Product');
    const today = utcDay(now);
    const sales = await dailySales(
      this.t,
      variants.map((v) => v.id),
      addDaysIso(today, -days),
      addDaysIso(today, 1),
    );
    const changes = await this.listChanges({ productId, limit: 500 });
    return {
      productId,
      variants: variants.map((v) => ({
        variantId: v.id,
        title: v.title,
        currentPrice: v.price,
        daily: sales.get(v.id) ?? [],
        changes: changes.filter((c) => c.variantId === v.id).reverse(),
      })),
    };
  }

  /** Expected revenue per day at the current price and under the policy's plan, from the posterior means. */
  async expectedRevenue(productId: string) {
    const variants = await this.t
      .selectFrom('variants')
      .select(['id', 'title', 'price', 'inventory_quantity'])
      .where('product_id', '=', productId)
      .orderBy('position')
      .execute();
    if (variants.length === 0) throw notFound('Product');
    const states = await this.t
      .selectFrom('pricing_policy_state')
      .select(['variant_id', 'state'])
      .where(
        'variant_id',
        'in',
        variants.map((v) => v.id),
      )
      .execute();
    const open = await this.listChanges({ productId, status: 'suggested' });
    const notLearned: PriceObservation[] = [];
    return {
      productId,
      variants: variants.map((v) => {
        const row = states.find((s) => s.variant_id === v.id);
        if (!row)
          return {
            variantId: v.id,
            title: v.title,
            currentPrice: v.price,
            learned: false,
            prices: notLearned,
            atCurrentPrice: null,
            suggestedPrice: null,
            atSuggestedPrice: null,
            planPerDay: null,
          };
        const state = row.state as PricingPolicyState;
        const means = posteriorMean(state);
        const per = (p: number) => {
          const k = state.prices.indexOf(p);
          return k >= 0 ? Math.round(p * (means[k] as number)) : null;
        };
        const suggestion = open.find((c) => c.variantId === v.id);
        const plan = solvePricingLP(state.prices, means, v.inventory_quantity / DEFAULT_HORIZON_DAYS, undefined, Number.POSITIVE_INFINITY);
        return {
          variantId: v.id,
          title: v.title,
          currentPrice: v.price,
          learned: true,
          prices: state.prices.map(
            (p, k): PriceObservation => ({
              price: p,
              daysObserved: state.offers[k] ?? 0,
              unitsSold: state.sales[k] ?? 0,
              expectedUnitsPerDay: Math.round((means[k] as number) * 1000) / 1000,
              expectedRevenuePerDay: per(p),
            }),
          ),
          atCurrentPrice: per(v.price),
          suggestedPrice: suggestion?.newPrice ?? null,
          atSuggestedPrice: suggestion ? per(suggestion.newPrice) : null,
          planPerDay: Math.round(plan.value),
        };
      }),
    };
  }
}
