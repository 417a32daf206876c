/**
 * What the pricing concerns (settings, run, approvals, rollback, revenue)
 * share: the view types, the per-store context every concern is built from,
 * the audit helper and the guardrails of a settings row.
 */
import { type Database, type Kysely, type TenantDatabase, writeAudit } from '@storeloom/db';
import type { MailOutbox } from '@storeloom/mail';
import type { Guardrails } from '@storeloom/pricing';

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

export interface PricingServiceDeps {
  db: Database;
  storeId: string;
  schemaName: string;
  mail?: MailOutbox | undefined;
  /** Called after mail was written, so delivery starts right away. */
  afterMail?: (() => Promise<void>) | undefined;
  /** The console's public URL: the pricing-paused mail links to the store's pricing page there. */
  consoleUrl?: string | null | undefined;
}

/** One store's pricing context: the deps plus the store's tenant handle. */
export interface PricingContext extends PricingServiceDeps {
  t: Kysely<TenantDatabase>;
}

export function pricingContext(deps: PricingServiceDeps): PricingContext {
  return { ...deps, t: deps.db.tenant(deps.schemaName) };
}

export async function auditPricing(ctx: PricingContext, action: string, targetId: string, actorUserId: string | null, data: Record<string, unknown>) {
  await writeAudit(ctx.db, { storeId: ctx.storeId, actorUserId, action, targetType: 'pricing', targetId, data });
}

/** The price guardrails a settings row (or the input that creates one) sets, without the per-day limit. */
export function guardrailsOf(s: { floor: number; ceiling: number; step: number | null | undefined; price_points: unknown }): Guardrails {
  const points = s.price_points as number[] | null | undefined;
  return {
    floor: s.floor,
    ceiling: s.ceiling,
    ...(s.step ? { step: s.step } : {}),
    ...(points?.length ? { allowedPricePoints: points } : {}),
  };
}
