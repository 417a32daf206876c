export const DEFAULT_LOW_STOCK = 5;

/** Out of stock at zero; low at or below the variant's threshold (or the default when it has none). */
export function stockLevel(quantity: number, threshold: number | null | undefined): 'out' | 'low' | 'ok' {
  if (quantity <= 0) return 'out';
  return quantity <= (threshold ?? DEFAULT_LOW_STOCK) ? 'low' : 'ok';
}
