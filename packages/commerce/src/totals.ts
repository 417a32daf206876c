/**
 * Order totals in integer minor units, computed on the server only. Tax uses
 * basis points and rounds half up once per order, so totals are exact and
 * reproducible: included tax is the part of the gross that is tax; excluded
 * tax is added on top. Shipping is taxed like goods.
 */
import type { ShippingSettings, TaxSettings } from './settings.ts';

export interface PricedLine {
  unitPrice: number;
  quantity: number;
  weightGrams: number;
}

export interface Totals {
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
  taxIncluded: boolean;
  itemCount: number;
  weightGrams: number;
}

/** round(numerator / denominator), half up, for non-negative integers. */
export function divRoundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

export function shippingCost(s: ShippingSettings, subtotal: number, weightGrams: number, itemCount: number): number {
  if (itemCount === 0) return 0;
  if (s.freeOver !== null && subtotal >= s.freeOver) return 0;
  if (s.mode === 'flat') return s.flatRate;
  const rates = [...s.weightRates].sort((a, b) => a.upToGrams - b.upToGrams);
  const band = rates.find((r) => weightGrams <= r.upToGrams) ?? rates.at(-1);
  return band ? band.rate : s.flatRate;
}

/** Subtotal, weight and item count of priced lines. */
export function lineTotals(lines: readonly PricedLine[]): { subtotal: number; weightGrams: number; itemCount: number } {
  let subtotal = 0;
  let weightGrams = 0;
  let itemCount = 0;
  for (const l of lines) {
    subtotal += l.unitPrice * l.quantity;
    weightGrams += l.weightGrams * l.quantity;
    itemCount += l.quantity;
  }
  return { subtotal, weightGrams, itemCount };
}

/** Tax on the taxable amount (goods after discounts, plus shipping) and the resulting total. */
export function applyTax(taxable: number, tax: TaxSettings): { tax: number; total: number; taxIncluded: boolean } {
  const bp = Math.round(tax.ratePercent * 100);
  const amount = bp === 0 ? 0 : tax.includedInPrices ? divRoundHalfUp(taxable * bp, 10_000 + bp) : divRoundHalfUp(taxable * bp, 10_000);
  return { tax: amount, total: tax.includedInPrices ? taxable : taxable + amount, taxIncluded: tax.includedInPrices };
}

/** The totals of the default pricing pipeline (no discounts, no tenders), synchronously. */
export function computeTotals(lines: readonly PricedLine[], shipping: ShippingSettings, tax: TaxSettings): Totals {
  const goods = lineTotals(lines);
  const ship = shippingCost(shipping, goods.subtotal, goods.weightGrams, goods.itemCount);
  const taxed = applyTax(goods.subtotal + ship, tax);
  return {
    subtotal: goods.subtotal,
    shipping: ship,
    tax: taxed.tax,
    total: taxed.total,
    taxIncluded: taxed.taxIncluded,
    itemCount: goods.itemCount,
    weightGrams: goods.weightGrams,
  };
}
