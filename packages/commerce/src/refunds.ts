/**
 * What a refund gives back, line by line. A line's refundable amount is what
 * the shopper paid for it: its total after its share of the order's discounts,
 * plus its tax when tax was added on top of prices. Units are priced
 * cumulatively (the first k of n units are worth floor(net·k/n)), so refunding
 * a line in parts gives back exactly what refunding it at once would, and the
 * last unit takes the remainder. Pure arithmetic: `OrderService.refund` runs it
 * under the order's row lock and writes the result.
 */
import { allocate } from '@storeloom/money';
import { AppError, ErrorCode } from '@storeloom/errors';

export interface RefundLineRequest {
  orderLineId: string;
  quantity: number;
  /** Put the units back into stock (inventory ledger). Default false. */
  restock?: boolean;
}

export interface RefundRequest {
  /** The amount to give back; default what the lines and shipping are worth (capped at what is left to refund). */
  amount?: number;
  lines?: readonly RefundLineRequest[];
  /** Shipping to give back (at most what was paid for shipping and not refunded yet). */
  shipping?: number;
}

export interface RefundableLine {
  id: string;
  variantId: string | null;
  title: string;
  quantity: number;
  total: number;
  discountTotal: number;
  tax: number;
  refundedQuantity: number;
  refundedAmount: number;
}

export interface RefundableOrder {
  total: number;
  refunded: number;
  shipping: number;
  /** Shipping discounts (allocations without a line). */
  shippingDiscount: number;
  /** Tax on shipping when tax is added on top (the order's tax beyond its lines' shares); 0 when prices include tax. */
  shippingTax: number;
  shippingRefunded: number;
  taxIncluded: boolean;
  lines: readonly RefundableLine[];
}

export interface PlannedRefundPart {
  kind: 'line' | 'shipping' | 'adjustment';
  orderLineId: string | null;
  variantId: string | null;
  quantity: number;
  amount: number;
  tax: number;
  restock: boolean;
}

export interface PlannedRefund {
  amount: number;
  parts: PlannedRefundPart[];
}

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

/** What the shopper paid for the whole line (the most it can give back). */
export function lineNet(l: Pick<RefundableLine, 'total' | 'discountTotal' | 'tax'>, taxIncluded: boolean): number {
  return Math.max(0, l.total - l.discountTotal + (taxIncluded ? 0 : l.tax));
}

/** What `quantity` more units of a line are worth, given what was refunded of it already. */
export function unitsValue(l: RefundableLine, taxIncluded: boolean, quantity: number): { amount: number; tax: number } {
  const net = lineNet(l, taxIncluded);
  const left = Math.max(0, net - l.refundedAmount);
  const after = l.refundedQuantity + quantity;
  const amount = after >= l.quantity ? left : Math.min(left, Math.floor((net * after) / l.quantity) - Math.floor((net * l.refundedQuantity) / l.quantity));
  return { amount, tax: taxShare(l.tax, amount, net) };
}

const taxShare = (tax: number, amount: number, net: number) => (net > 0 ? Math.min(tax, Math.floor((tax * amount) / net)) : 0);

/** What is left to refund of the order's shipping (incl. its tax when tax is added on top). */
export function shippingLeft(o: Pick<RefundableOrder, 'shipping' | 'shippingDiscount' | 'shippingTax' | 'shippingRefunded'>): number {
  return Math.max(0, o.shipping - o.shippingDiscount + o.shippingTax - o.shippingRefunded);
}

/** The tax on an order's shipping: what its tax has beyond the lines' shares when tax is added on top. */
export function shippingTaxOf(o: { tax: number; taxIncluded: boolean }, lineTaxes: readonly number[]): number {
  return o.taxIncluded ? 0 : Math.max(0, o.tax - lineTaxes.reduce((a, b) => a + b, 0));
}

/**
 * The parts of a refund and its amount. Lines and shipping are valued as
 * above; an `amount` below their value is spread over them in proportion
 * (never more than a part is worth), an amount above it is an adjustment.
 * Refuses (400) units beyond what is left of a line, shipping beyond what is
 * left, and an amount beyond what is left to refund of the order.
 */
export function planRefund(o: RefundableOrder, req: RefundRequest): PlannedRefund {
  const byId = new Map(o.lines.map((l) => [l.id, l]));
  const seen = new Set<string>();
  const parts: PlannedRefundPart[] = [];
  for (const [i, r] of (req.lines ?? []).entries()) {
    const l = byId.get(r.orderLineId);
    if (!l) throw invalid(`lines.${i}.orderLineId`, 'not a line of this order');
    if (seen.has(l.id)) throw invalid(`lines.${i}.orderLineId`, 'listed twice');
    seen.add(l.id);
    const left = l.quantity - l.refundedQuantity;
    if (!Number.isSafeInteger(r.quantity) || r.quantity < 1 || r.quantity > left)
      throw new AppError(ErrorCode.ValidationFailed, `lines.${i}.quantity: 1 to ${left} (${l.title})`, {
        details: [{ path: `lines.${i}.quantity`, message: left === 0 ? 'every unit of this line was refunded already' : `at most ${left}` }],
      });
    const v = unitsValue(l, o.taxIncluded, r.quantity);
    parts.push({ kind: 'line', orderLineId: l.id, variantId: l.variantId, quantity: r.quantity, amount: v.amount, tax: v.tax, restock: r.restock === true });
  }
  if (req.shipping !== undefined && req.shipping !== 0) {
    const left = shippingLeft(o);
    if (!Number.isSafeInteger(req.shipping) || req.shipping < 0 || req.shipping > left) throw invalid('shipping', `0 to ${left}`);
    const whole = o.shipping - o.shippingDiscount + o.shippingTax;
    const tax = whole > 0 ? Math.min(o.shippingTax, Math.floor((o.shippingTax * req.shipping) / whole)) : 0;
    parts.push({ kind: 'shipping', orderLineId: null, variantId: null, quantity: 0, amount: req.shipping, tax, restock: false });
  }
  const refundable = Math.max(0, o.total - o.refunded);
  const planned = parts.reduce((s, p) => s + p.amount, 0);
  if (req.amount === undefined) {
    if (!parts.length) throw invalid('amount', 'give an amount, lines or shipping');
    const amount = Math.min(planned, refundable);
    return { amount, parts: amount < planned ? scale(parts, amount) : parts };
  }
  const minimum = parts.length ? 0 : 1;
  if (!Number.isSafeInteger(req.amount) || req.amount < minimum || req.amount > refundable)
    throw new AppError(ErrorCode.ValidationFailed, `amount: ${minimum} to ${refundable}`, { details: [{ path: 'amount', message: `at most ${refundable}` }] });
  if (req.amount < planned) return { amount: req.amount, parts: scale(parts, req.amount) };
  if (req.amount > planned)
    parts.push({ kind: 'adjustment', orderLineId: null, variantId: null, quantity: 0, amount: req.amount - planned, tax: 0, restock: false });
  return { amount: req.amount, parts };
}

/** Spreads a smaller amount over the parts in proportion to their value (each gets at most its value). */
function scale(parts: PlannedRefundPart[], amount: number): PlannedRefundPart[] {
  const shares = allocate(
    amount,
    parts.map((p) => p.amount),
  );
  return parts.map((p, i) => {
    const a = shares[i] ?? 0;
    return { ...p, amount: a, tax: p.amount > 0 ? Math.floor((p.tax * a) / p.amount) : 0 };
  });
}
