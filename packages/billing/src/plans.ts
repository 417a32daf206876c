/**
 * The plans, in one place: what each allows and what it costs per sale.
 * Stripe Price ids come from configuration (STRIPE_PRICE_BASIC / _PRO), so the
 * same code bills in test mode and live mode.
 */
export type PlanId = 'free' | 'basic' | 'pro';
export type PlanLimit = 'activeProducts' | 'staffSeats' | 'customDomain';

export interface Plan {
  id: PlanId;
  name: string;
  /** Active (published) products; null = unlimited. */
  activeProducts: number | null;
  /** Members of the store, the owner included. */
  staffSeats: number;
  customDomain: boolean;
  /** Platform fee on each shopper payment, in basis points (100 = 1 %). */
  transactionFeeBps: number;
  /** Shown on the billing page; the amount charged is the Stripe Price's. */
  monthlyPriceLabel: string;
}

export const PLANS: Record<PlanId, Plan> = {
  free: { id: 'free', name: 'Free', activeProducts: 10, staffSeats: 1, customDomain: false, transactionFeeBps: 200, monthlyPriceLabel: '$0' },
  basic: { id: 'basic', name: 'Basic', activeProducts: 250, staffSeats: 3, customDomain: true, transactionFeeBps: 100, monthlyPriceLabel: '$29' },
  pro: { id: 'pro', name: 'Pro', activeProducts: null, staffSeats: 15, customDomain: true, transactionFeeBps: 50, monthlyPriceLabel: '$99' },
};

export const PAID_PLANS = ['basic', 'pro'] as const;
export type PaidPlanId = (typeof PAID_PLANS)[number];

export const isPlanId = (v: string): v is PlanId => v === 'free' || v === 'basic' || v === 'pro';

/** A store row's plan; anything unknown (a retired plan) is treated as Free. */
export const planOf = (id: string | null | undefined): Plan => (id && isPlanId(id) ? PLANS[id] : PLANS.free);

/** Which plan a Stripe Price id stands for, per configuration. */
export function planForPrice(priceId: string | null | undefined, prices: Record<PaidPlanId, string | undefined>): PaidPlanId | null {
  if (!priceId) return null;
  for (const p of PAID_PLANS) if (prices[p] === priceId) return p;
  return null;
}

/** Platform fee in minor units for a payment: rounded half up, never more than the amount. */
export function applicationFee(amount: number, plan: Plan): number {
  if (!Number.isInteger(amount) || amount < 0) throw new RangeError('amount must be a non-negative integer of minor units');
  return Math.min(amount, Math.floor((amount * plan.transactionFeeBps + 5000) / 10000));
}
