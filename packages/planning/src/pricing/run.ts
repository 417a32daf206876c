/**
 * One pricing run for a store: for every opted-in variant, learn from the
 * days of sales not seen yet, check the data, and propose (suggest mode) or
 * apply (auto mode) the policy's price inside the guardrails. A variant whose
 * data looks broken pauses its settings and alerts the owners and admins.
 */
import { updateVariantPrice } from '@storeloom/catalog';
import { sql } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import {
  createPricingPolicy,
  createRng,
  detectBrokenData,
  type Guardrails,
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
import { consoleLink, platformMail } from '@storeloom/mail';
import { addDaysIso, alertRecipientsWithLocale, daysBetweenIso, storeNameOf } from '../members.ts';
import { dailySales, utcDay } from '../sales.ts';
import { insertChange, rejectWaitingSuggestion } from './changes.ts';
import { candidatePrices, type PricingSettings, type SettingsRow } from './settings.ts';
import { auditPricing, DEFAULT_HORIZON_DAYS, guardrailsOf, type PricingContext, type PricingRunSummary, WARM_START_DAYS } from './shared.ts';

export class PricingRun {
  constructor(
    private readonly ctx: PricingContext,
    private readonly settings: PricingSettings,
  ) {}

  /** Variant -> the settings governing it: a product's own settings win over its collections'. */
  private async governedVariants(rows: SettingsRow[]) {
    const active = rows.filter((r) => r.enabled);
    const byProduct = new Map<string, SettingsRow>();
    for (const r of active) if (r.product_id) byProduct.set(r.product_id, r);
    const collectionRows = active.filter((r) => r.collection_id);
    if (collectionRows.length > 0) {
      const links = await this.ctx.t
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
    const variants = await this.ctx.t
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
    const rows = await this.settings.rows();
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
        await this.pauseAndAlert(settings, variant, outcome.reasons, outcome.codes);
      } else if (outcome.kind === 'skipped') summary.skipped.push({ variantId: variant.id, reason: outcome.reason });
      else summary[outcome.kind] += 1;
      await opts.onProgress?.((i + 1) / targets.length);
    }
    return summary;
  }

  /** `reasons` (English, technical) go to the setting and the audit log; the mail writes the `codes` in each recipient's language. */
  private async pauseAndAlert(settings: SettingsRow, variant: { id: string; title: string }, reasons: string[], codes: string[]) {
    const reason = `Data check failed for "${variant.title}": ${reasons.join('; ')}`;
    await this.settings.pause(settings.id, reason);
    await auditPricing(this.ctx, 'pricing.paused', settings.id, null, { variantId: variant.id, reasons });
    if (!this.ctx.mail) return;
    const storeName = await storeNameOf(this.ctx.db, this.ctx.storeId);
    for (const { email: to, locale } of await alertRecipientsWithLocale(this.ctx.db, this.ctx.storeId)) {
      const m = platformMail(
        { kind: 'pricing-paused', storeName, item: variant.title, reasons: codes, consoleUrl: consoleLink(this.ctx.consoleUrl, this.ctx.storeId, 'pricing') },
        locale,
      );
      await this.ctx.mail.enqueue({
        kind: 'pricing-paused',
        to,
        storeId: this.ctx.storeId,
        subject: m.subject,
        text: m.text,
        html: m.html,
        // Per recipient: the outbox keeps one mail per key, so a key without the address mailed only the first owner/admin.
        dedupKey: `pricing-paused:${this.ctx.storeId}:${settings.id}:${settings.version}:${to}`,
      });
    }
    await this.ctx.afterMail?.();
  }

  private async priceVariant(
    variant: { id: string; product_id: string; price: number; inventory_quantity: number; title: string },
    settings: SettingsRow,
    now: Date,
  ): Promise<{ kind: 'suggested' | 'applied' | 'unchanged' } | { kind: 'skipped'; reason: string } | { kind: 'broken'; reasons: string[]; codes: string[] }> {
    const today = utcDay(now);
    const yesterday = addDaysIso(today, -1);
    const candidates = candidatePrices({
      floor: settings.floor,
      ceiling: settings.ceiling,
      pricePoints: (settings.price_points as number[] | null) ?? null,
      step: settings.step,
    });
    const fingerprint = JSON.stringify(candidates);
    const saved = await this.ctx.t
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
    const history = (await dailySales(this.ctx.t, [variant.id], firstDay, today)).get(variant.id) ?? [];
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
    if (blocking.length > 0) return { kind: 'broken', reasons: blocking.map((i) => i.message), codes: blocking.map((i) => i.code) };

    const soldSinceTarget =
      settings.target_units !== null
        ? Number(
            (
              await this.ctx.t
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
    const firstToday = await this.ctx.t
      .selectFrom('price_changes')
      .select('old_price')
      .where('variant_id', '=', variant.id)
      .where('applied_at', '>=', new Date(`${today}T00:00:00Z`))
      .orderBy('applied_at')
      .executeTakeFirst();
    const guardrails: Guardrails = {
      ...guardrailsOf(settings),
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

    return this.ctx.t.transaction().execute(async (trx) => {
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
          await insertChange(trx, { variant, oldPrice: variant.price, newPrice: price, reason, inputs, expected: expectedAt(price), status: 'applied' });
          currentPrice = price;
          outcome = 'applied';
        } else {
          await rejectWaitingSuggestion(trx, variant.id, new Date());
          await insertChange(trx, { variant, oldPrice: variant.price, newPrice: price, reason, inputs, expected: expectedAt(price), status: 'suggested' });
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
}
