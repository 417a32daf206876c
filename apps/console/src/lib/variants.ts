/** Options (Size: S/M/L, Colour: Red/Blue) → one variant row per combination, keeping what was typed into existing rows. */
import type { ProductOption } from './api.ts';

export interface VariantRow {
  /** Existing variant id, kept so the API updates rather than recreates it. */
  id?: string;
  options: Record<string, string>;
  price: string;
  compareAtPrice: string;
  sku: string;
  inventoryQuantity: string;
  /** Weight in grams (shipping zone rates bounded by weight read it); blank is 0. */
  weightGrams: string;
}

export const emptyRow = (options: Record<string, string> = {}): VariantRow => ({
  options,
  price: '',
  compareAtPrice: '',
  sku: '',
  inventoryQuantity: '0',
  weightGrams: '',
});

/** Options with a name and at least one value, values trimmed and de-duplicated, in the merchant's order. */
export function cleanOptions(options: ProductOption[]): ProductOption[] {
  const out: ProductOption[] = [];
  const names = new Set<string>();
  for (const o of options) {
    const name = o.name.trim();
    if (!name || names.has(name.toLowerCase())) continue;
    const values = [...new Set(o.values.map((v) => v.trim()).filter(Boolean))];
    if (!values.length) continue;
    names.add(name.toLowerCase());
    out.push({ name, values });
  }
  return out;
}

/** Every combination of option values, first option varying slowest. */
export function combinations(options: ProductOption[]): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const o of options) combos = combos.flatMap((c) => o.values.map((v) => ({ ...c, [o.name]: v })));
  return combos;
}

export const variantTitle = (options: Record<string, string>, order: ProductOption[]) =>
  order
    .map((o) => options[o.name])
    .filter(Boolean)
    .join(' / ');

const signature = (options: Record<string, string>, order: ProductOption[]) => order.map((o) => `${o.name}=${options[o.name] ?? ''}`).join('\u0000');

/**
 * Rows for the options: an existing row whose option values still form a
 * combination keeps its price/SKU/stock; a renamed or added option keeps the
 * rows' data in order when the number of combinations is unchanged.
 */
export function generateVariantRows(rawOptions: ProductOption[], existing: VariantRow[]): VariantRow[] {
  const options = cleanOptions(rawOptions);
  if (!options.length) {
    const first = existing[0];
    return [first ? { ...first, options: {} } : emptyRow()];
  }
  const combos = combinations(options);
  const bySignature = new Map(existing.map((r) => [signature(r.options, options), r]));
  const matched = combos.map((c) => bySignature.get(signature(c, options)));
  // No row matched (e.g. an option was renamed) but the shape is the same: carry the rows over positionally.
  if (matched.every((m) => !m) && existing.length === combos.length) return combos.map((c, i) => ({ ...(existing[i] as VariantRow), options: c }));
  // A first option added to a single default row: that row's data seeds every new combination.
  const seed = existing.length === 1 && Object.keys(existing[0]?.options ?? {}).length === 0 ? existing[0] : undefined;
  return combos.map((c, i) => {
    const m = matched[i];
    if (m) return { ...m, options: c };
    if (seed) return { ...seed, id: i === 0 ? seed.id : undefined, options: c, sku: i === 0 ? seed.sku : '' } as VariantRow;
    return emptyRow(c);
  });
}
