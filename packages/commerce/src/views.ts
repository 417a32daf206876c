/** The merchant orders API shapes (contracts §1). */
import type { Order, OrderAddress, OrderLine } from '@storeloom/db';
import { shippingLeft, shippingTaxOf } from './refunds.ts';

export interface OrderSummary {
  id: string;
  number: number;
  status: Order['status'];
  paymentStatus: Order['payment_status'];
  fulfillmentStatus: Order['fulfillment_status'];
  email: string;
  customerName: string | null;
  customerId: string | null;
  currency: string;
  total: number;
  itemCount: number;
  createdAt: string;
  paidAt: string | null;
}

export interface OrderLineView {
  id: string;
  productId: string | null;
  variantId: string | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  unitPrice: number;
  total: number;
  imageUrl: string | null;
  /** This line's share of the order's discounts (refunds of the line give back total − discount). */
  discount: number;
  /** This line's share of the order's tax. */
  tax: number;
  /** Units and money refunded of this line so far. */
  refundedQuantity: number;
  refundedAmount: number;
}

export interface RefundLineView {
  kind: 'line' | 'shipping' | 'adjustment';
  orderLineId: string | null;
  quantity: number;
  amount: number;
  tax: number;
  restock: boolean;
}

export interface RefundView {
  id: string;
  amount: number;
  provider: string;
  reason: string | null;
  createdAt: string;
  lines: RefundLineView[];
}

export interface OrderDetail extends OrderSummary {
  lines: OrderLineView[];
  subtotal: number;
  shipping: number;
  tax: number;
  taxIncluded: boolean;
  discountTotal: number;
  discounts: { code: string | null; title: string; amount: number }[];
  giftCardTotal: number;
  /** The gift cards that paid part of the order (tenders, after tax), in the order applied. */
  giftCards: { last4: string; amount: number }[];
  /** What the payment provider collects: total − giftCardTotal. */
  amountDue: number;
  refunded: number;
  /** Shipping given back by refunds (incl. its tax when tax is added on top). */
  shippingRefunded: number;
  /** What is left to refund of the shipping: shipping − its discounts + its tax − shippingRefunded. */
  shippingRefundable: number;
  /** Every refund with what it gave back (lines, shipping, adjustment), oldest first. */
  refunds: RefundView[];
  shippingAddress: OrderAddress | null;
  payment: { provider: string; reference: string | null; canRefund: boolean; refundable: number };
  fulfillment: { fulfilledAt: string; trackingNumber: string | null; carrier: string | null } | null;
  /** Oldest first; `message` is English, `data` says the same for a translated rendering (see OrderEventData). */
  timeline: { at: string; type: string; message: string; data: OrderEventData }[];
  /** Markets: `currency` and the amounts above are the presentment (what the shopper paid); these are the store's, at `exchangeRate`. */
  marketId: string | null;
  storeCurrency: string;
  /** Presentment units per 1 store-currency unit; "1" for a store-currency order. */
  exchangeRate: string;
  exchangeRateDate: string | null;
  storeAmounts: { subtotal: number; shipping: number; tax: number; discountTotal: number; total: number; refunded: number };
}

/**
 * What an order timeline event records besides its type (all optional: events before 2026-12-06 have none). Amounts
 * are minor units of the order's currency; `provider` is the payment provider's id ('manual', 'stripe', 'gift_card').
 */
export interface OrderEventData {
  amount?: number;
  provider?: string;
  reservedUntil?: string;
  carrier?: string | null;
  trackingNumber?: string | null;
  units?: number;
  reason?: string | null;
  label?: string;
  refunded?: number;
  paid?: number;
  toPay?: number;
  /** Exchanges: the tax on the replacement units inside `refunded` / `toPay` (tax added on top of prices). */
  tax?: number;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function toOrderSummary(o: Order): OrderSummary {
  return {
    id: o.id,
    number: o.number,
    status: o.status,
    paymentStatus: o.payment_status,
    fulfillmentStatus: o.fulfillment_status,
    email: o.email,
    customerName: o.customer_name,
    customerId: o.customer_id,
    currency: o.currency,
    total: o.total,
    itemCount: o.item_count,
    createdAt: iso(o.created_at) as string,
    paidAt: iso(o.paid_at),
  };
}

export function toOrderDetail(
  o: Order,
  lines: OrderLine[],
  events: { created_at: Date | string; type: string; message: string; data?: unknown }[],
  canRefund: boolean,
  allocations: { discount_id: string | null; order_line_id?: string | null; code: string | null; title: string; amount: number }[] = [],
  giftCards: { last4: string; amount: number }[] = [],
  refunds: RefundView[] = [],
): OrderDetail {
  const discounts = new Map<string, { code: string | null; title: string; amount: number }>();
  for (const a of allocations) {
    const key = a.discount_id ?? `${a.code}:${a.title}`;
    const d = discounts.get(key) ?? { code: a.code, title: a.title, amount: 0 };
    d.amount += a.amount;
    discounts.set(key, d);
  }
  const refundable = o.payment_status === 'paid' || o.payment_status === 'partially_refunded' ? o.total - o.refunded : 0;
  return {
    ...toOrderSummary(o),
    lines: lines.map((l) => ({
      id: l.id,
      productId: l.product_id,
      variantId: l.variant_id,
      title: l.title,
      variantTitle: l.variant_title,
      sku: l.sku,
      quantity: l.quantity,
      unitPrice: l.unit_price,
      total: l.total,
      imageUrl: l.image_url,
      discount: l.discount_total ?? 0,
      tax: l.tax ?? 0,
      refundedQuantity: l.refunded_quantity ?? 0,
      refundedAmount: l.refunded_amount ?? 0,
    })),
    subtotal: o.subtotal,
    shipping: o.shipping,
    tax: o.tax,
    taxIncluded: o.tax_included,
    discountTotal: o.discount_total ?? 0,
    discounts: [...discounts.values()],
    giftCardTotal: o.gift_card_total ?? 0,
    giftCards,
    amountDue: o.total - (o.gift_card_total ?? 0),
    refunded: o.refunded,
    shippingRefunded: o.shipping_refunded ?? 0,
    shippingRefundable: shippingLeft({
      shipping: o.shipping,
      shippingDiscount: allocations.filter((a) => a.order_line_id === null).reduce((n, a) => n + a.amount, 0),
      shippingTax: shippingTaxOf(
        { tax: o.tax, taxIncluded: o.tax_included },
        lines.map((l) => l.tax ?? 0),
      ),
      shippingRefunded: o.shipping_refunded ?? 0,
    }),
    refunds,
    shippingAddress: o.shipping_address,
    payment: { provider: o.payment_provider, reference: o.payment_reference, canRefund: canRefund && refundable > 0, refundable },
    fulfillment: o.fulfilled_at ? { fulfilledAt: iso(o.fulfilled_at) as string, trackingNumber: o.tracking_number, carrier: o.carrier } : null,
    timeline: events.map((e) => ({ at: iso(e.created_at) as string, type: e.type, message: e.message, data: (e.data ?? {}) as OrderEventData })),
    marketId: o.market_id ?? null,
    storeCurrency: o.store_currency ?? o.currency,
    exchangeRate: o.exchange_rate ?? '1',
    exchangeRateDate: o.exchange_rate_date ? (iso(o.exchange_rate_date)?.slice(0, 10) ?? null) : null,
    storeAmounts: {
      subtotal: o.store_subtotal ?? o.subtotal,
      shipping: o.store_shipping ?? o.shipping,
      tax: o.store_tax ?? o.tax,
      discountTotal: o.store_discount_total ?? o.discount_total ?? 0,
      total: o.store_total ?? o.total,
      refunded: o.store_refunded ?? o.refunded,
    },
  };
}
