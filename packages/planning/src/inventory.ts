/**
 * Demand-based inventory for one store: suppliers, per-variant inventory
 * policies, the inventory run (forecast with intervals, reorder point,
 * order-up-to, suggested purchase orders by supplier) and low-stock alerts
 * (mail to owners/admins and a signed webhook, one alert per crossing).
 */
import { type Database, type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { type DemandObservation, planReorder, seedFromString } from '@storeloom/inventory';
import { consoleLink, type MailOutbox, platformMail } from '@storeloom/mail';
import { addDaysIso, alertRecipientsWithLocale, storeNameOf } from './members.ts';
import { dailySales, utcDay } from './sales.ts';
import type { SecretBox } from '@storeloom/secret-box';
import { type EgressPolicy, emitWebhookEvent, type Resolver, WebhookService } from '@storeloom/webhooks';

export const DEFAULT_LEAD_TIME_DAYS = 7;
export const DEFAULT_SERVICE_LEVEL = 0.95;
/** Days of sales history the forecast reads. */
export const HISTORY_DAYS = 365;
/** Forecast days shown beyond the protection period. */
export const DISPLAY_FORECAST_DAYS = 14;

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

export interface SupplierInput {
  name: string;
  email?: string | null;
  leadTimeDays?: number;
}

export interface InventoryPolicyInput {
  supplierId?: string | null;
  leadTimeDays?: number | null;
  serviceLevel?: number;
  reviewPeriodDays?: number;
  enabled?: boolean;
}

export interface InventoryRunSummary {
  variants: number;
  reorder: number;
  alerts: number;
}

export interface LowStockAlertPayload {
  type: 'inventory.low_stock';
  id: string;
  storeId: string;
  createdAt: string;
  data: {
    variantId: string;
    productId: string;
    productTitle: string;
    variantTitle: string;
    sku: string | null;
    onHand: number;
    reorderPoint: number;
    suggestedQuantity: number;
    supplierId: string | null;
  };
}

export interface InventoryServiceDeps {
  db: Database;
  storeId: string;
  schemaName: string;
  mail?: MailOutbox | undefined;
  afterMail?: (() => Promise<void>) | undefined;
  /** The console's public URL: the low-stock mail links to the store's reorder page there. */
  consoleUrl?: string | null | undefined;
  /** After an alert's webhook event was written: run the store's webhook dispatcher now (the sweep catches a lost call). */
  enqueueWebhook?: ((alertId: string) => Promise<void>) | undefined;
  /** Key of the webhook signing secrets (the old alert webhook API shows its secret). */
  secrets?: SecretBox | undefined;
  /** Where the alert webhook may point (default strict: https, public addresses only). */
  egress?: EgressPolicy | undefined;
  /** DNS resolution of webhook hosts (tests inject one; default the system resolver). */
  resolver?: Resolver | undefined;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One variant to reorder on a suggested purchase order. */
export interface SuggestedPurchaseLine {
  variantId: string;
  sku: string | null;
  productTitle: string;
  variantTitle: string;
  onHand: number;
  reorderPoint: number;
  orderUpTo: number;
  quantity: number;
  leadTimeDays: number;
  computedAt: Date;
}

export class InventoryPlanningService {
  private readonly t: Kysely<TenantDatabase>;
  constructor(private readonly deps: InventoryServiceDeps) {
    this.t = deps.db.tenant(deps.schemaName);
  }

  // ---- suppliers -------------------------------------------------------

  async listSuppliers() {
    const rows = await this.t.selectFrom('suppliers').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(supplierView);
  }

  async createSupplier(input: SupplierInput) {
    const now = new Date();
    const row = await this.t
      .insertInto('suppliers')
      .values({
        id: newId(),
        name: input.name,
        email: input.email ?? null,
        lead_time_days: input.leadTimeDays ?? DEFAULT_LEAD_TIME_DAYS,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return supplierView(row);
  }

  async updateSupplier(id: string, input: Partial<SupplierInput>) {
    const row = await this.t
      .updateTable('suppliers')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.email !== undefined ? { email: input.email } : {}),
        ...(input.leadTimeDays !== undefined ? { lead_time_days: input.leadTimeDays } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('Supplier');
    return supplierView(row);
  }

  async deleteSupplier(id: string) {
    const r = await this.t.deleteFrom('suppliers').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw notFound('Supplier');
  }

  // ---- policies ----------------------------------------------------------

  /** Every variant with its effective policy (defaults where the merchant set none). */
  async listPolicies() {
    const rows = await this.t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .leftJoin('inventory_policies', 'inventory_policies.variant_id', 'variants.id')
      .leftJoin('suppliers', 'suppliers.id', 'inventory_policies.supplier_id')
      .leftJoin('reorder_suggestions', 'reorder_suggestions.variant_id', 'variants.id')
      .select([
        'variants.id as variantId',
        'variants.sku',
        'variants.title as variantTitle',
        'products.title as productTitle',
        'variants.inventory_quantity as onHand',
        'inventory_policies.supplier_id as supplierId',
        'inventory_policies.lead_time_days as leadTimeDays',
        'inventory_policies.service_level as serviceLevel',
        'inventory_policies.review_period_days as reviewPeriodDays',
        'inventory_policies.enabled as enabled',
        'suppliers.lead_time_days as supplierLeadTimeDays',
        'reorder_suggestions.on_hand as planOnHand',
        'reorder_suggestions.reorder_point as planReorderPoint',
        'reorder_suggestions.order_up_to as planOrderUpTo',
        'reorder_suggestions.suggested_quantity as planSuggestedQuantity',
        'reorder_suggestions.lead_time_days as planLeadTimeDays',
        'reorder_suggestions.service_level as planServiceLevel',
        'reorder_suggestions.method as planMethod',
        'reorder_suggestions.forecast as planForecast',
        'reorder_suggestions.low as planLow',
        'reorder_suggestions.computed_at as planComputedAt',
      ])
      .orderBy('products.title')
      .orderBy('variants.position')
      .execute();
    return rows.map((r) => ({
      variantId: r.variantId,
      sku: r.sku,
      productTitle: r.productTitle,
      variantTitle: r.variantTitle,
      onHand: r.onHand,
      supplierId: r.supplierId ?? null,
      leadTimeDays: r.leadTimeDays ?? null,
      effectiveLeadTimeDays: r.leadTimeDays ?? r.supplierLeadTimeDays ?? DEFAULT_LEAD_TIME_DAYS,
      serviceLevel: r.serviceLevel ?? DEFAULT_SERVICE_LEVEL,
      reviewPeriodDays: r.reviewPeriodDays ?? 1,
      enabled: r.enabled ?? true,
      custom: r.serviceLevel !== null,
      // The latest plan of the inventory run (null before the first run covering this variant).
      plan:
        r.planComputedAt == null
          ? null
          : {
              onHand: r.planOnHand as number,
              reorderPoint: r.planReorderPoint as number,
              orderUpTo: r.planOrderUpTo as number,
              suggestedQuantity: r.planSuggestedQuantity as number,
              leadTimeDays: r.planLeadTimeDays as number,
              serviceLevel: r.planServiceLevel as number,
              method: r.planMethod as string,
              low: !!r.planLow,
              forecast: planDays(r.planForecast),
              computedAt: r.planComputedAt,
            },
    }));
  }

  async setPolicy(variantId: string, input: InventoryPolicyInput) {
    if (!(await this.t.selectFrom('variants').select('id').where('id', '=', variantId).executeTakeFirst())) throw notFound('Variant');
    if (input.supplierId && !(await this.t.selectFrom('suppliers').select('id').where('id', '=', input.supplierId).executeTakeFirst()))
      throw invalid('supplierId', 'no such supplier');
    const values = {
      variant_id: variantId,
      supplier_id: input.supplierId ?? null,
      lead_time_days: input.leadTimeDays ?? null,
      service_level: input.serviceLevel ?? DEFAULT_SERVICE_LEVEL,
      review_period_days: input.reviewPeriodDays ?? 1,
      enabled: input.enabled ?? true,
      updated_at: new Date(),
    };
    await this.t
      .insertInto('inventory_policies')
      .values(values)
      .onConflict((oc) => oc.column('variant_id').doUpdateSet(values))
      .execute();
    const all = await this.listPolicies();
    return all.find((p) => p.variantId === variantId);
  }

  // ---- webhook settings ------------------------------------------------------
  // The old single alert webhook is now the `legacy_alert` subscription of the
  // merchant webhook system (@storeloom/webhooks): same API, same payload,
  // delivered by the one dispatcher with its retries and log.

  private webhooks() {
    // Its signing secret is sealed: only a caller holding the platform's box (the control plane) manages it.
    if (!this.deps.secrets) throw new Error('the alert webhook needs the secret box (InventoryServiceDeps.secrets)');
    return new WebhookService({
      t: this.t,
      storeId: this.deps.storeId,
      box: this.deps.secrets,
      control: this.deps.db.control,
      egress: this.deps.egress,
      resolver: this.deps.resolver,
    });
  }

  async getWebhook() {
    return this.webhooks().getLegacy();
  }

  /** Sets the URL; the signing secret is generated once and kept unless `rotateSecret`. */
  async setWebhook(input: { url: string; enabled?: boolean; rotateSecret?: boolean }) {
    return this.webhooks().setLegacy(input);
  }

  async deleteWebhook() {
    await this.webhooks().deleteLegacy();
  }

  /** One signed test delivery, answered synchronously (no retries). */
  async sendTestWebhook() {
    const r = await this.webhooks().sendLegacyTest();
    return { ok: r.ok, status: r.status, error: r.error };
  }

  // ---- run ----------------------------------------------------------------

  private async variantsToPlan(variantIds?: string[]) {
    let q = this.t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .leftJoin('inventory_policies', 'inventory_policies.variant_id', 'variants.id')
      .leftJoin('suppliers', 'suppliers.id', 'inventory_policies.supplier_id')
      .select([
        'variants.id',
        'variants.product_id',
        'variants.sku',
        'variants.title as variant_title',
        'products.title as product_title',
        'variants.inventory_quantity',
        'inventory_policies.supplier_id',
        'inventory_policies.lead_time_days',
        'inventory_policies.service_level',
        'inventory_policies.review_period_days',
        'inventory_policies.enabled',
        'suppliers.lead_time_days as supplier_lead_time_days',
      ])
      .where('products.status', '=', 'active');
    if (variantIds) q = q.where('variants.id', 'in', variantIds.length ? variantIds : ['00000000-0000-0000-0000-000000000000']);
    const rows = await q.orderBy('variants.id').execute();
    return rows.filter((r) => r.enabled !== false);
  }

  /** Forecast and plan every active variant, refresh its reorder suggestion and raise alerts on downward crossings. */
  async run(opts: { now?: Date; onProgress?: (fraction: number) => Promise<void> | void; variantIds?: string[] } = {}): Promise<InventoryRunSummary> {
    const now = opts.now ?? new Date();
    const today = utcDay(now);
    const variants = await this.variantsToPlan(opts.variantIds);
    const summary: InventoryRunSummary = { variants: variants.length, reorder: 0, alerts: 0 };
    const BATCH = 200;
    for (let i = 0; i < variants.length; i += BATCH) {
      const batch = variants.slice(i, i + BATCH);
      const sales = await dailySales(
        this.t,
        batch.map((v) => v.id),
        addDaysIso(today, -HISTORY_DAYS),
        today,
      );
      for (const v of batch) {
        const history: DemandObservation[] = (sales.get(v.id) ?? []).map((d) => ({ date: d.day, demand: d.units }));
        const leadTimeDays = v.lead_time_days ?? v.supplier_lead_time_days ?? DEFAULT_LEAD_TIME_DAYS;
        const serviceLevel = v.service_level ?? DEFAULT_SERVICE_LEVEL;
        const { forecast, plan } = planReorder({
          history,
          startDate: today,
          leadTimeDays,
          serviceLevel,
          onHand: v.inventory_quantity,
          reviewPeriodDays: v.review_period_days ?? 1,
          extraForecastDays: DISPLAY_FORECAST_DAYS,
          seed: seedFromString(v.id),
        });
        const days = forecast.days.map((d) => ({ date: d.date, mean: round2(d.mean), lower: round2(d.lower), upper: round2(d.upper), open: d.open }));
        const values = {
          variant_id: v.id,
          supplier_id: v.supplier_id ?? null,
          on_hand: v.inventory_quantity,
          reorder_point: round2(plan.reorderPoint),
          order_up_to: round2(plan.orderUpTo),
          suggested_quantity: plan.suggestedOrderQty,
          lead_time_days: leadTimeDays,
          service_level: serviceLevel,
          method: forecast.method,
          forecast: JSON.stringify(days),
          reasons: JSON.stringify(plan.reasons),
          computed_at: new Date(),
        };
        await this.t
          .insertInto('reorder_suggestions')
          .values(values)
          .onConflict((oc) => oc.column('variant_id').doUpdateSet(values))
          .execute();
        if (plan.suggestedOrderQty > 0) summary.reorder += 1;
        if (await this.checkCrossing(v.id, v.inventory_quantity)) summary.alerts += 1;
      }
      await opts.onProgress?.(Math.min(1, (i + batch.length) / Math.max(1, variants.length)));
    }
    return summary;
  }

  /**
   * Stock against the last computed reorder point: on a downward crossing,
   * one alert (the conditional flip of `low` lets exactly one caller win);
   * back above the point re-arms it. Returns true when it raised an alert.
   */
  async checkCrossing(variantId: string, onHand: number): Promise<boolean> {
    const plan = await this.t.selectFrom('reorder_suggestions').select(['reorder_point', 'low']).where('variant_id', '=', variantId).executeTakeFirst();
    if (!plan) return false;
    // No expected demand (reorder point 0): an empty shelf nobody buys from is not an alert.
    const isLow = plan.reorder_point > 0 && onHand <= plan.reorder_point;
    if (!isLow) {
      if (plan.low) await this.t.updateTable('reorder_suggestions').set({ low: false }).where('variant_id', '=', variantId).where('low', '=', true).execute();
      return false;
    }
    if (plan.low) return false;
    const alertId = newId();
    const raised = await this.t.transaction().execute(async (trx) => {
      const flipped = await trx
        .updateTable('reorder_suggestions')
        .set({ low: true, low_episode: sql`low_episode + 1`, on_hand: onHand })
        .where('variant_id', '=', variantId)
        .where('low', '=', false)
        .returning(['low_episode', 'reorder_point', 'suggested_quantity'])
        .executeTakeFirst();
      if (!flipped) return null;
      const inserted = await trx
        .insertInto('low_stock_alerts')
        .values({
          id: alertId,
          variant_id: variantId,
          episode: flipped.low_episode,
          on_hand: onHand,
          reorder_point: flipped.reorder_point,
          suggested_quantity: flipped.suggested_quantity,
          webhook_last_error: null,
          webhook_delivered_at: null,
          created_at: new Date(),
        })
        .onConflict((oc) => oc.columns(['variant_id', 'episode']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return null;
      // The `inventory.low_stock` event (id = alert id) in the alert's own transaction.
      const eventId = await emitWebhookEvent(trx, {
        type: 'inventory.low_stock',
        id: alertId,
        resourceKey: `variant:${variantId}`,
        data: async () => (await this.alertPayload(alertId, trx)).data,
      });
      if (eventId) {
        const legacy = await trx
          .selectFrom('webhook_deliveries')
          .innerJoin('webhook_subscriptions', 'webhook_subscriptions.id', 'webhook_deliveries.subscription_id')
          .select('webhook_deliveries.id')
          .where('webhook_deliveries.event_id', '=', eventId)
          .where('webhook_subscriptions.legacy_alert', '=', true)
          .executeTakeFirst();
        if (legacy) await trx.updateTable('low_stock_alerts').set({ webhook_status: 'pending' }).where('id', '=', alertId).execute();
      }
      return { ...flipped, eventId };
    });
    if (!raised) return false;
    await this.notify(alertId);
    return true;
  }

  /** Mail owners/admins (deduplicated per alert) and enqueue the signed webhook. */
  private async notify(alertId: string) {
    const payload = await this.alertPayload(alertId);
    await this.deps.enqueueWebhook?.(alertId);
    if (!this.deps.mail) return;
    const d = payload.data;
    const name = `${d.productTitle}${d.variantTitle && d.variantTitle !== 'Default' ? ` (${d.variantTitle})` : ''}`;
    const storeName = await storeNameOf(this.deps.db, this.deps.storeId);
    for (const { email: to, locale } of await alertRecipientsWithLocale(this.deps.db, this.deps.storeId)) {
      const m = platformMail(
        {
          kind: 'low-stock',
          storeName,
          item: name,
          sku: d.sku ?? null,
          onHand: d.onHand,
          reorderPoint: d.reorderPoint,
          suggested: d.suggestedQuantity,
          consoleUrl: consoleLink(this.deps.consoleUrl, this.deps.storeId, 'planning'),
        },
        locale,
      );
      await this.deps.mail.enqueue({
        kind: 'low-stock',
        to,
        storeId: this.deps.storeId,
        subject: m.subject,
        text: m.text,
        html: m.html,
        dedupKey: `low-stock:${alertId}:${to}`,
      });
    }
    await this.deps.afterMail?.();
  }

  async alertPayload(alertId: string, t: Kysely<TenantDatabase> = this.t): Promise<LowStockAlertPayload> {
    const a = await t
      .selectFrom('low_stock_alerts')
      .innerJoin('variants', 'variants.id', 'low_stock_alerts.variant_id')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .leftJoin('reorder_suggestions', 'reorder_suggestions.variant_id', 'variants.id')
      .select([
        'low_stock_alerts.id',
        'low_stock_alerts.variant_id',
        'low_stock_alerts.on_hand',
        'low_stock_alerts.reorder_point',
        'low_stock_alerts.suggested_quantity',
        'low_stock_alerts.created_at',
        'variants.product_id',
        'variants.sku',
        'variants.title as variant_title',
        'products.title as product_title',
        'reorder_suggestions.supplier_id',
      ])
      .where('low_stock_alerts.id', '=', alertId)
      .executeTakeFirst();
    if (!a) throw notFound('Alert');
    return {
      type: 'inventory.low_stock',
      id: a.id,
      storeId: this.deps.storeId,
      createdAt: a.created_at.toISOString(),
      data: {
        variantId: a.variant_id,
        productId: a.product_id,
        productTitle: a.product_title,
        variantTitle: a.variant_title,
        sku: a.sku,
        onHand: a.on_hand,
        reorderPoint: a.reorder_point,
        suggestedQuantity: a.suggested_quantity,
        supplierId: a.supplier_id ?? null,
      },
    };
  }

  // ---- reads ----------------------------------------------------------------

  /** Forecast of one variant with 80% intervals per day and over the lead time, computed now. */
  async forecast(variantId: string, now = new Date()) {
    const [v] = await this.variantsToPlan([variantId]);
    if (!v) throw notFound('Variant');
    const today = utcDay(now);
    const sales = await dailySales(this.t, [v.id], addDaysIso(today, -HISTORY_DAYS), today);
    const history = (sales.get(v.id) ?? []).map((d) => ({ date: d.day, demand: d.units }));
    const leadTimeDays = v.lead_time_days ?? v.supplier_lead_time_days ?? DEFAULT_LEAD_TIME_DAYS;
    const { forecast, plan } = planReorder({
      history,
      startDate: today,
      leadTimeDays,
      serviceLevel: v.service_level ?? DEFAULT_SERVICE_LEVEL,
      onHand: v.inventory_quantity,
      reviewPeriodDays: v.review_period_days ?? 1,
      extraForecastDays: DISPLAY_FORECAST_DAYS,
      seed: seedFromString(v.id),
    });
    const protect = plan.protectionDays;
    const totals = forecast.scenarios.map((row) => row.slice(0, protect).reduce((a, b) => a + b, 0)).sort((a, b) => a - b);
    const q = (p: number) => totals[Math.min(totals.length - 1, Math.max(0, Math.round(p * (totals.length - 1))))] ?? 0;
    return {
      variantId: v.id,
      method: forecast.method,
      days: forecast.days.map((d) => ({
        date: d.date,
        open: d.open,
        mean: round2(d.mean),
        median: round2(d.median),
        lower: round2(d.lower),
        upper: round2(d.upper),
      })),
      protectionDays: protect,
      protectionDemand: { mean: round2(plan.expectedDemand), lower: round2(q(0.1)), upper: round2(q(0.9)) },
      reorderPoint: round2(plan.reorderPoint),
      orderUpTo: round2(plan.orderUpTo),
      suggestedQuantity: plan.suggestedOrderQty,
      onHand: v.inventory_quantity,
      leadTimeDays,
      reasons: plan.reasons,
    };
  }

  /** Suggested purchase orders: variants to reorder, grouped by supplier (null = no supplier set). */
  async suggestedPurchaseOrders() {
    const rows = await this.t
      .selectFrom('reorder_suggestions')
      .innerJoin('variants', 'variants.id', 'reorder_suggestions.variant_id')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .leftJoin('suppliers', 'suppliers.id', 'reorder_suggestions.supplier_id')
      .select([
        'reorder_suggestions.variant_id',
        'reorder_suggestions.supplier_id',
        'suppliers.name as supplier_name',
        'suppliers.email as supplier_email',
        'variants.sku',
        'variants.title as variant_title',
        'products.title as product_title',
        'variants.inventory_quantity',
        'reorder_suggestions.reorder_point',
        'reorder_suggestions.order_up_to',
        'reorder_suggestions.suggested_quantity',
        'reorder_suggestions.lead_time_days',
        'reorder_suggestions.computed_at',
      ])
      .where('reorder_suggestions.suggested_quantity', '>', 0)
      .orderBy('suppliers.name')
      .orderBy('products.title')
      .execute();
    const groups = new Map<
      string,
      { supplierId: string | null; supplierName: string | null; supplierEmail: string | null; totalUnits: number; lines: SuggestedPurchaseLine[] }
    >();
    for (const r of rows) {
      const key = r.supplier_id ?? '';
      const g = groups.get(key) ?? {
        supplierId: r.supplier_id,
        supplierName: r.supplier_name ?? null,
        supplierEmail: r.supplier_email ?? null,
        totalUnits: 0,
        lines: [],
      };
      g.totalUnits += r.suggested_quantity;
      g.lines.push({
        variantId: r.variant_id,
        sku: r.sku,
        productTitle: r.product_title,
        variantTitle: r.variant_title,
        onHand: r.inventory_quantity,
        reorderPoint: r.reorder_point,
        orderUpTo: r.order_up_to,
        quantity: r.suggested_quantity,
        leadTimeDays: r.lead_time_days,
        computedAt: r.computed_at,
      });
      groups.set(key, g);
    }
    return [...groups.values()];
  }

  async listAlerts(limit = 100) {
    const rows = await this.t
      .selectFrom('low_stock_alerts')
      .innerJoin('variants', 'variants.id', 'low_stock_alerts.variant_id')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .select([
        'low_stock_alerts.id',
        'low_stock_alerts.variant_id',
        'variants.sku',
        'products.title as product_title',
        'variants.title as variant_title',
        'low_stock_alerts.on_hand',
        'low_stock_alerts.reorder_point',
        'low_stock_alerts.suggested_quantity',
        'low_stock_alerts.webhook_status',
        'low_stock_alerts.webhook_attempts',
        'low_stock_alerts.webhook_last_error',
        'low_stock_alerts.created_at',
      ])
      .orderBy('low_stock_alerts.created_at', 'desc')
      .orderBy('low_stock_alerts.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      variantId: r.variant_id,
      sku: r.sku,
      productTitle: r.product_title,
      variantTitle: r.variant_title,
      onHand: r.on_hand,
      reorderPoint: r.reorder_point,
      suggestedQuantity: r.suggested_quantity,
      webhookStatus: r.webhook_status,
      webhookAttempts: r.webhook_attempts,
      webhookLastError: r.webhook_last_error,
      createdAt: r.created_at,
    }));
  }
}

/** The stored forecast days of a plan (jsonb; a string on drivers that do not parse it). */
function planDays(raw: unknown): { date: string; mean: number; lower: number; upper: number; open: boolean }[] {
  const v = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  return Array.isArray(v) ? (v as { date: string; mean: number; lower: number; upper: number; open: boolean }[]) : [];
}

function supplierView(r: { id: string; name: string; email: string | null; lead_time_days: number; created_at: Date; updated_at: Date }) {
  return { id: r.id, name: r.name, email: r.email, leadTimeDays: r.lead_time_days, createdAt: r.created_at, updatedAt: r.updated_at };
}
