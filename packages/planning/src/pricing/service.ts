/**
 * Dynamic pricing for one store, split by concern: `settings` (guardrails,
 * opt-in, pause), `run()` (the nightly or on-demand policy run), `changes`
 * (the change log; approve / reject / roll back) and `revenue` (history and
 * expected revenue). Every price change is a row in `price_changes` with the
 * policy's reason and inputs; prices change only through the catalogue's
 * conditional variant price update.
 */
import { PriceChanges } from './approvals.ts';
import { PricingRevenue } from './revenue.ts';
import { PricingRun } from './run.ts';
import { PricingSettings } from './settings.ts';
import { pricingContext, type PricingRunSummary, type PricingServiceDeps } from './shared.ts';

export class PricingService {
  /** Opt-in rows with their guardrails; pause and resume. */
  readonly settings: PricingSettings;
  /** The change log and the merchant's decisions on it. */
  readonly changes: PriceChanges;
  /** History chart and expected revenue per product. */
  readonly revenue: PricingRevenue;
  private readonly runner: PricingRun;

  constructor(deps: PricingServiceDeps) {
    const ctx = pricingContext(deps);
    this.settings = new PricingSettings(ctx);
    this.changes = new PriceChanges(ctx);
    this.revenue = new PricingRevenue(ctx);
    this.runner = new PricingRun(ctx, this.settings);
  }

  /**
   * One pricing run: for every opted-in variant, learn from the days of sales
   * not seen yet, check the data, and propose (suggest mode) or apply (auto
   * mode) the policy's price inside the guardrails. Safe to retry: days are
   * consumed once (state and changes commit together per variant).
   */
  run(opts: { now?: Date; onProgress?: (fraction: number) => Promise<void> | void } = {}): Promise<PricingRunSummary> {
    return this.runner.run(opts);
  }
}
