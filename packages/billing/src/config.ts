import type { PaidPlanId } from './plans.ts';

/** Stripe configuration; absent (no secret key) means billing and Stripe payments are off. */
export interface StripeConfig {
  secretKey: string;
  billingWebhookSecret: string | undefined;
  connectWebhookSecret: string | undefined;
  /** Another API host, e.g. the local fake: http://127.0.0.1:12111 */
  apiUrl: string | undefined;
  prices: Record<PaidPlanId, string | undefined>;
}

export interface BillingConfig {
  stripe: StripeConfig | null;
  /** Days a past-due store keeps its storefront before it is suspended. */
  graceDays: number;
  /** Console origin, for Checkout/portal/onboarding return links. */
  publicUrl: string;
}
