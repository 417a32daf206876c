/**
 * Product export as Shopify's product CSV, with exactly the columns the
 * importer reads, so export → import round-trips. Streams page by page: the
 * whole catalogue is never in memory.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { toDecimalString } from '@storeloom/money';
import { ProductService } from './products.ts';
import type { ProductView } from './types.ts';

export const EXPORT_COLUMNS = [
  'Handle',
  'Title',
  'Body (HTML)',
  'Vendor',
  'Type',
  'Tags',
  'Published',
  'Option1 Name',
  'Option1 Value',
  'Option2 Name',
  'Option2 Value',
  'Option3 Name',
  'Option3 Value',
  'Variant SKU',
  'Variant Inventory Qty',
  'Variant Price',
  'Variant Compare At Price',
  'Image Src',
  'Image Alt Text',
  'SEO Title',
  'SEO Description',
  'Status',
] as const;
type Column = (typeof EXPORT_COLUMNS)[number];

export function csvField(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
const line = (row: Partial<Record<Column, string>>) => `${EXPORT_COLUMNS.map((c) => csvField(row[c] ?? '')).join(',')}\n`;

/** The rows of one product: the first carries the product fields; one row per variant; extra images on their own rows. */
export function productRows(p: ProductView, currency: string): string {
  const names = p.options.map((o) => o.name);
  const rows: Partial<Record<Column, string>>[] = [];
  p.variants.forEach((v, i) => {
    const row: Partial<Record<Column, string>> = { Handle: p.handle };
    if (i === 0) {
      Object.assign(row, {
        Title: p.title,
        'Body (HTML)': p.description,
        Vendor: p.vendor ?? '',
        Type: p.productType ?? '',
        Tags: p.tags.join(', '),
        Published: p.status === 'active' ? 'true' : 'false',
        'SEO Title': p.seoTitle ?? '',
        'SEO Description': p.seoDescription ?? '',
        Status: p.status,
      });
      names.forEach((n, k) => {
        row[`Option${k + 1} Name` as Column] = n;
      });
    }
    names.forEach((n, k) => {
      row[`Option${k + 1} Value` as Column] = v.options[n] ?? '';
    });
    row['Variant SKU'] = v.sku ?? '';
    row['Variant Inventory Qty'] = String(v.inventoryQuantity);
    row['Variant Price'] = toDecimalString(v.price, currency);
    row['Variant Compare At Price'] = v.compareAtPrice === null ? '' : toDecimalString(v.compareAtPrice, currency);
    const img = p.images[i];
    if (img) {
      row['Image Src'] = img.url;
      row['Image Alt Text'] = img.alt ?? '';
    }
    rows.push(row);
  });
  for (const img of p.images.slice(p.variants.length)) rows.push({ Handle: p.handle, 'Image Src': img.url, 'Image Alt Text': img.alt ?? '' });
  return rows.map(line).join('');
}

export async function* exportProductsCsv(t: Kysely<TenantDatabase>, currency: string, pageSize = 100): AsyncGenerator<string> {
  yield line(Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, c])));
  const products = new ProductService(t);
  let cursor: string | undefined;
  for (;;) {
    const page = await products.list({ limit: pageSize, sort: 'createdAt', ...(cursor ? { cursor } : {}) });
    if (page.data.length) yield page.data.map((p) => productRows(p, currency)).join('');
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
