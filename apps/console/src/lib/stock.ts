/** Out of stock at zero; low at or below the variant's threshold; a variant without a threshold never alerts (as the API's `lowStock`). */
export function stockLevel(quantity: number, threshold: number | null | undefined): 'out' | 'low' | 'ok' {
  if (quantity <= 0) return 'out';
  return threshold !== null && threshold !== undefined && quantity <= threshold ? 'low' : 'ok';
}
