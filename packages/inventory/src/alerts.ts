/**
 * Low-stock alert on a downward crossing of the reorder point: fires once when
 * stock goes from above the reorder point to at or below it, not again while
 * it stays low, and again after it has been replenished above and falls back.
 * `prev` null/undefined (first observation of the variant) counts as above.
 */
export function shouldAlertLowStock(prev: number | null | undefined, next: number, reorderPoint: number): boolean {
  if (!Number.isFinite(next) || !Number.isFinite(reorderPoint)) return false;
  if (next > reorderPoint) return false;
  if (prev === null || prev === undefined || !Number.isFinite(prev)) return true;
  return prev > reorderPoint;
}
