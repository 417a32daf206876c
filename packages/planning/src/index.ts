export {
  DEFAULT_LEAD_TIME_DAYS,
  DEFAULT_SERVICE_LEVEL,
  type InventoryPolicyInput,
  InventoryPlanningService,
  type InventoryRunSummary,
  type InventoryServiceDeps,
  type LowStockAlertPayload,
  type SupplierInput,
} from './inventory.ts';
export { alertRecipients, alertRecipientsWithLocale, storeNameOf } from './members.ts';
export { PricingService } from './pricing/service.ts';
export { PriceChanges } from './pricing/approvals.ts';
export type { ChangeQuery } from './pricing/changes.ts';
export { PricingRevenue } from './pricing/revenue.ts';
export { candidatePrices, PricingSettings } from './pricing/settings.ts';
export {
  DEFAULT_HORIZON_DAYS,
  type PriceChangeView,
  type PriceObservation,
  type PricingMode,
  type PricingRunSummary,
  type PricingServiceDeps,
  type PricingSettingsInput,
  type PricingSettingsView,
} from './pricing/shared.ts';
export { type DailySales, dailySales, recordSale, returnSoldUnits, type SaleInput, utcDay } from './sales.ts';
export { type PlanningDeps, recordPaidOrderLine } from './record.ts';
export {
  blockedAddressReason,
  checkOutboundUrl,
  type EgressPolicy,
  EgressRefused,
  guardedGet,
  guardedPost,
  type GuardedResponse,
  type ResolvedAddress,
  type Resolver,
  STRICT_EGRESS,
} from './egress.ts';
export {
  type DeliveryResult,
  newWebhookSecret,
  postSigned,
  type PostSignedOptions,
  SIGNATURE_HEADER,
  signPayload,
  validateWebhookUrl,
  verifySignature,
} from './webhooks.ts';
