/**
 * The one pricing pipeline of a cart or checkout, pure (no I/O):
 *
 *   line prices → product discounts (per line, BXGY) → order discounts
 *   (allocated across lines) → shipping (− shipping discounts) → tax → tenders
 *   (gift cards, after tax) → amount due.
 *
 * Everything is integer minor units. Every discount amount is allocated to the
 * lines it reduces (largest remainder, so the parts add up exactly and no line
 * ever goes below zero); the allocation is kept per line on the order so a
 * refund or return gives back exactly what the shopper paid for that line.
 */
import { allocate } from '@storeloom/money';
import type { ShippingSettings, TaxSettings } from './settings.ts';
import { divRoundHalfUp, shippingCost } from './totals.ts';

export type DiscountKind = 'percentage' | 'fixed_amount' | 'free_shipping' | 'buy_x_get_y';
/** Which of the three stacking classes a discount belongs to (Shopify's model). */
export type DiscountClass = 'product' | 'order' | 'shipping';

export interface CombinesWith {
  orderDiscounts: boolean;
  productDiscounts: boolean;
  shippingDiscounts: boolean;
}

export interface BuyXGetY {
  buyQuantity: number;
  buyProductIds?: string[] | null;
  buyCollectionIds?: string[] | null;
  getQuantity: number;
  getProductIds?: string[] | null;
  getCollectionIds?: string[] | null;
  /** 100 = free. */
  getPercent: number;
}

export interface DiscountRule {
  id: string;
  title: string;
  /** Display form of the code; null for automatic discounts. */
  code: string | null;
  automatic: boolean;
  kind: DiscountKind;
  /** Percent (1..100) for percentage, minor units for fixed_amount; unused otherwise. */
  value: number;
  appliesTo: { productIds?: string[] | null; collectionIds?: string[] | null } | null;
  minSubtotal: number | null;
  combinesWith: CombinesWith;
  buyXGetY: BuyXGetY | null;
}

export interface PricingLineInput {
  /** The line's id in the cart (the variant id). */
  id: string;
  productId: string;
  collectionIds: string[];
  unitPrice: number;
  quantity: number;
  weightGrams: number;
}

export interface GiftCardTender {
  id: string;
  last4: string;
  balance: number;
}

export interface AppliedDiscount {
  discountId: string;
  code: string | null;
  title: string;
  kind: DiscountKind;
  class: DiscountClass;
  amount: number;
}

export interface DiscountAllocation {
  discountId: string;
  /** Null for a shipping discount. */
  lineId: string | null;
  amount: number;
}

export interface PricedCartLine extends PricingLineInput {
  /** unitPrice × quantity, before discounts. */
  total: number;
  /** Sum of the discount allocations on this line. */
  discount: number;
}

export interface PricingResult {
  lines: PricedCartLine[];
  subtotal: number;
  discounts: AppliedDiscount[];
  discountTotal: number;
  allocations: DiscountAllocation[];
  /** Shipping before shipping discounts (those are part of discountTotal). */
  shipping: number;
  shippingDiscount: number;
  tax: number;
  taxIncluded: boolean;
  /** subtotal − discountTotal + shipping (+ tax when not included): what the order costs. */
  total: number;
  /** Each card with what it pays here and its balance before. */
  giftCards: { id: string; last4: string; amount: number; balance: number }[];
  giftCardTotal: number;
  /** total − giftCardTotal: what a payment provider must collect. */
  amountDue: number;
  itemCount: number;
  weightGrams: number;
  /** Codes that were entered but do not apply now, with why. */
  rejectedCodes: CodeRejection[];
}

/** A code that does not apply: `reason` is `<key>: <detail>`; a minimum not met also carries the minimum (minor units of the cart's currency). */
export interface CodeRejection {
  code: string;
  reason: string;
  minSubtotal?: number;
}

export function discountClass(d: Pick<DiscountRule, 'kind' | 'appliesTo'>): DiscountClass {
  if (d.kind === 'free_shipping') return 'shipping';
  if (d.kind === 'buy_x_get_y') return 'product';
  const a = d.appliesTo;
  return a && ((a.productIds?.length ?? 0) > 0 || (a.collectionIds?.length ?? 0) > 0) ? 'product' : 'order';
}

const allows = (d: DiscountRule, other: DiscountClass) =>
  other === 'order' ? d.combinesWith.orderDiscounts : other === 'product' ? d.combinesWith.productDiscounts : d.combinesWith.shippingDiscounts;

/** Two discounts stack only when each allows the other's class. */
export function canCombine(a: DiscountRule, b: DiscountRule): boolean {
  return allows(a, discountClass(b)) && allows(b, discountClass(a));
}

function matches(line: PricingLineInput, productIds?: string[] | null, collectionIds?: string[] | null): boolean {
  const p = productIds ?? [];
  const c = collectionIds ?? [];
  if (!p.length && !c.length) return true;
  return p.includes(line.productId) || line.collectionIds.some((id) => c.includes(id));
}

/** Per-line amounts a discount takes off, given what is left of each line after earlier discounts. */
function lineAmounts(d: DiscountRule, lines: PricingLineInput[], remaining: number[]): number[] {
  const zero = lines.map(() => 0);
  if (d.kind === 'buy_x_get_y') return bxgyAmounts(d.buyXGetY, lines, remaining);
  if (d.kind === 'free_shipping') return zero;
  const eligible = lines.map((l, i) =>
    d.appliesTo && discountClass(d) === 'product' && !matches(l, d.appliesTo.productIds, d.appliesTo.collectionIds) ? 0 : (remaining[i] ?? 0),
  );
  const base = eligible.reduce((s, x) => s + x, 0);
  if (base <= 0) return zero;
  const pct = Math.min(100, Math.max(0, d.value));
  const amount = d.kind === 'percentage' ? Math.min(base, divRoundHalfUp(base * pct, 100)) : Math.min(base, Math.max(0, d.value));
  // Proportional with largest remainders: the parts add up to `amount` and none exceeds its line's remainder.
  return allocate(amount, eligible);
}

/**
 * Buy X get Y: buy units are taken most expensive first, get units cheapest
 * first from what is left, repeatedly, so "buy 2 get 1" on one product with 3
 * units discounts the cheapest unit once. The discount per get unit rounds half
 * up and never exceeds what is left of its line.
 */
function bxgyAmounts(b: BuyXGetY | null, lines: PricingLineInput[], remaining: number[]): number[] {
  const out = lines.map(() => 0);
  if (!b || b.buyQuantity < 1 || b.getQuantity < 1) return out;
  type Unit = { line: number; price: number; used: boolean; buy: boolean; get: boolean };
  const units: Unit[] = [];
  lines.forEach((l, i) => {
    // A unit's price after earlier product discounts on its line (spread evenly).
    const per = l.quantity > 0 ? Math.floor((remaining[i] ?? 0) / l.quantity) : 0;
    const buy = matches(l, b.buyProductIds, b.buyCollectionIds);
    const get = matches(l, b.getProductIds, b.getCollectionIds);
    for (let q = 0; q < l.quantity; q++) units.push({ line: i, price: per, used: false, buy, get });
  });
  const isBuy = (u: Unit) => u.buy;
  const isGet = (u: Unit) => u.get;
  const byPriceDesc = [...units].sort((x, y) => y.price - x.price);
  const byPriceAsc = [...units].sort((x, y) => x.price - y.price);
  for (let round = 0; round < 1000; round++) {
    const buy = byPriceDesc.filter((u) => !u.used && isBuy(u)).slice(0, b.buyQuantity);
    if (buy.length < b.buyQuantity) break;
    for (const u of buy) u.used = true;
    const get = byPriceAsc.filter((u) => !u.used && isGet(u)).slice(0, b.getQuantity);
    if (!get.length) {
      for (const u of buy) u.used = false;
      break;
    }
    for (const u of get) {
      u.used = true;
      out[u.line] = (out[u.line] ?? 0) + divRoundHalfUp(u.price * Math.min(100, Math.max(0, b.getPercent)), 100);
    }
  }
  return out.map((x, i) => Math.min(x, remaining[i] ?? 0));
}

export interface PromotionPricingInput {
  lines: PricingLineInput[];
  shipping: ShippingSettings;
  tax: TaxSettings;
  /** Discounts for the codes the shopper entered, in the order entered (each already checked as live). */
  codeDiscounts: DiscountRule[];
  /** Codes entered that did not resolve to a live discount, with why. */
  codeRejections?: CodeRejection[];
  /** Live automatic discounts. */
  automaticDiscounts: DiscountRule[];
  giftCards: GiftCardTender[];
}

/** Total a single discount would take off on its own (used to rank automatic discounts). */
function standaloneAmount(d: DiscountRule, input: PromotionPricingInput, subtotal: number): number {
  if (d.kind === 'free_shipping') {
    const weight = input.lines.reduce((s, l) => s + l.weightGrams * l.quantity, 0);
    const items = input.lines.reduce((s, l) => s + l.quantity, 0);
    return shippingCost(input.shipping, subtotal, weight, items);
  }
  return lineAmounts(
    d,
    input.lines,
    input.lines.map((l) => l.unitPrice * l.quantity),
  ).reduce((s, x) => s + x, 0);
}

const classOrder: Record<DiscountClass, number> = { product: 0, order: 1, shipping: 2 };

export function pricePromotions(input: PromotionPricingInput): PricingResult {
  const lines = input.lines;
  const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  const itemCount = lines.reduce((s, l) => s + l.quantity, 0);
  const weightGrams = lines.reduce((s, l) => s + l.weightGrams * l.quantity, 0);
  const rejected = [...(input.codeRejections ?? [])];
  const meetsMinimum = (d: DiscountRule) => d.minSubtotal === null || subtotal >= d.minSubtotal;

  // Selection: the best qualifying automatic discount, then the entered codes in order, each kept only when it
  // stacks with everything already kept. A code that conflicts with the automatic one replaces it when it saves more.
  const autos = input.automaticDiscounts
    .filter((d) => meetsMinimum(d))
    .map((d) => ({ d, amount: standaloneAmount(d, input, subtotal) }))
    .filter((x) => x.amount > 0)
    .sort((a, b) => b.amount - a.amount || (a.d.id < b.d.id ? -1 : 1));
  let selected: DiscountRule[] = [];
  const bestAuto = autos[0];
  if (bestAuto) selected.push(bestAuto.d);
  for (const x of autos.slice(1)) if (selected.every((s) => canCombine(s, x.d))) selected.push(x.d);
  for (const d of input.codeDiscounts) {
    const label = d.code ?? d.title;
    if (!meetsMinimum(d)) {
      rejected.push({ code: label, reason: "minimum_not_met: the cart is below this code's minimum subtotal", minSubtotal: d.minSubtotal ?? 0 });
      continue;
    }
    const amount = standaloneAmount(d, input, subtotal);
    if (amount <= 0) {
      rejected.push({ code: label, reason: 'no_eligible_items: nothing in the cart qualifies for this code' });
      continue;
    }
    const conflicts = selected.filter((s) => !canCombine(s, d));
    if (!conflicts.length) {
      selected.push(d);
      continue;
    }
    const conflictingAutos = conflicts.filter((s) => s.automatic);
    const conflictingCodes = conflicts.filter((s) => !s.automatic);
    const autoSaving = conflictingAutos.reduce((s, a) => s + (autos.find((x) => x.d.id === a.id)?.amount ?? 0), 0);
    if (!conflictingCodes.length && amount >= autoSaving) {
      selected = selected.filter((s) => !conflictingAutos.includes(s));
      selected.push(d);
    } else {
      rejected.push({
        code: label,
        reason: conflictingCodes.length
          ? `not_combinable: this code cannot be combined with ${conflictingCodes.map((c) => c.code).join(', ')}`
          : 'not_combinable: a better automatic discount already applies',
      });
    }
  }

  // Application: product discounts on line prices, then order discounts on what is left, then shipping.
  const remaining = lines.map((l) => l.unitPrice * l.quantity);
  const lineDiscount = lines.map(() => 0);
  const applied: AppliedDiscount[] = [];
  const allocations: DiscountAllocation[] = [];
  const ordered = selected
    .map((d, i) => ({ d, i }))
    .sort((a, b) => classOrder[discountClass(a.d)] - classOrder[discountClass(b.d)] || a.i - b.i)
    .map((x) => x.d);
  let shippingDiscount = 0;
  let shipping = 0;
  let shippingComputed = false;
  for (const d of ordered) {
    const cls = discountClass(d);
    if (cls === 'shipping') {
      if (!shippingComputed) {
        shipping = shippingCost(
          input.shipping,
          remaining.reduce((s, x) => s + x, 0),
          weightGrams,
          itemCount,
        );
        shippingComputed = true;
      }
      const amount = shipping - shippingDiscount;
      if (amount <= 0) continue;
      shippingDiscount += amount;
      applied.push({ discountId: d.id, code: d.code, title: d.title, kind: d.kind, class: cls, amount });
      allocations.push({ discountId: d.id, lineId: null, amount });
      continue;
    }
    const parts = lineAmounts(d, lines, remaining);
    const amount = parts.reduce((s, x) => s + x, 0);
    if (amount <= 0) {
      if (d.code) rejected.push({ code: d.code, reason: 'no_eligible_items: nothing left in the cart for this code to reduce' });
      continue;
    }
    lines.forEach((l, i) => {
      const x = parts[i] ?? 0;
      if (x <= 0) return;
      remaining[i] = (remaining[i] ?? 0) - x;
      lineDiscount[i] = (lineDiscount[i] ?? 0) + x;
      allocations.push({ discountId: d.id, lineId: l.id, amount: x });
    });
    applied.push({ discountId: d.id, code: d.code, title: d.title, kind: d.kind, class: cls, amount });
  }
  const goods = remaining.reduce((s, x) => s + x, 0);
  // The free-over threshold looks at what the shopper pays for the goods, after discounts.
  if (!shippingComputed) shipping = shippingCost(input.shipping, goods, weightGrams, itemCount);
  const discountTotal = applied.reduce((s, a) => s + a.amount, 0);
  const taxable = goods + shipping - shippingDiscount;
  const bp = Math.round(input.tax.ratePercent * 100);
  const tax = bp === 0 ? 0 : input.tax.includedInPrices ? divRoundHalfUp(taxable * bp, 10_000 + bp) : divRoundHalfUp(taxable * bp, 10_000);
  const total = input.tax.includedInPrices ? taxable : taxable + tax;

  // Tenders: gift cards after tax, in the order applied, each up to its balance.
  let due = total;
  const giftCards: PricingResult['giftCards'] = [];
  for (const g of input.giftCards) {
    const amount = Math.max(0, Math.min(g.balance, due));
    giftCards.push({ id: g.id, last4: g.last4, amount, balance: g.balance });
    due -= amount;
  }
  const giftCardTotal = total - due;
  return {
    lines: lines.map((l, i) => ({ ...l, total: l.unitPrice * l.quantity, discount: lineDiscount[i] ?? 0 })),
    subtotal,
    discounts: applied,
    discountTotal,
    allocations,
    shipping,
    shippingDiscount,
    tax,
    taxIncluded: input.tax.includedInPrices,
    total,
    giftCards,
    giftCardTotal,
    amountDue: due,
    itemCount,
    weightGrams,
    rejectedCodes: rejected,
  };
}

/**
 * What refunding `quantity` units of an order line gives back: the line's
 * price minus its share of the discounts allocated to it (largest remainder
 * over the line's units, so refunding all units one by one adds up to the
 * line's discounted total exactly).
 */
export function refundableForLine(line: { unitPrice: number; quantity: number; discount: number }, alreadyRefundedUnits: number, quantity: number): number {
  const q = Math.max(0, Math.min(quantity, line.quantity - alreadyRefundedUnits));
  if (q === 0) return 0;
  const perUnitDiscount = allocate(
    line.discount,
    Array.from({ length: line.quantity }, () => 1),
  );
  let amount = 0;
  for (let i = alreadyRefundedUnits; i < alreadyRefundedUnits + q; i++) amount += line.unitPrice - (perUnitDiscount[i] ?? 0);
  return amount;
}
