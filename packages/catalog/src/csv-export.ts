/**
 * Product export as Shopify's product CSV, with exactly the columns the
 * importer reads, so export → import round-trips. Streams page by page: the
 * whole catalogue is never in memory.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { csvCell } from '@storeloom/http/csv';
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
  'Variant Grams',
  'Variant Price',
  'Variant Compare At Price',
  'Variant Image',
  'Image Src',
  'Image Position',
  'Image Alt Text',
  'SEO Title',
  'SEO Description',
  'Status',
] as const;
type Column = (typeof EXPORT_COLUMNS)[number];

/** One cell: the platform's CSV rule (formula injection neutralised, RFC 4180 quoting); the importer reads it back. */
export const csvField = (v: string): string => csvCell(v);
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
    row['Variant Grams'] = String(v.weightGrams);
    row['Variant Price'] = toDecimalString(v.price, currency);
    row['Variant Compare At Price'] = v.compareAtPrice === null ? '' : toDecimalString(v.compareAtPrice, currency);
    row['Variant Image'] = v.imageUrl ?? '';
    const img = p.images[i];
    if (img) {
      row['Image Src'] = img.url;
      row['Image Position'] = String(i + 1);
      row['Image Alt Text'] = img.alt ?? '';
    }
    rows.push(row);
  });
  p.images.slice(p.variants.length).forEach((img, k) => {
    rows.push({ Handle: p.handle, 'Image Src': img.url, 'Image Position': String(p.variants.length + k + 1), 'Image Alt Text': img.alt ?? '' });
  });
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

/**
 * The template merchants download before their first import: Shopify's column
 * names, one product with two variants, a variant image and a second gallery
 * image, so the file shows every shape the importer reads.
 */
export function productCsvTemplate(): string {
  const rows: Partial<Record<Column, string>>[] = [
    {
      Handle: 'linen-apron',
      Title: 'Linen apron',
      'Body (HTML)': '<p>Stonewashed linen with two deep pockets.</p>',
      Vendor: 'Your brand',
      Type: 'Aprons',
      Tags: 'kitchen, linen',
      Published: 'true',
      'Option1 Name': 'Colour',
      'Option1 Value': 'Natural',
      'Variant SKU': 'APRON-NAT',
      'Variant Inventory Qty': '12',
      'Variant Grams': '250',
      'Variant Price': '28.00',
      'Variant Compare At Price': '32.00',
      'Variant Image': 'https://example.com/images/apron-natural.jpg',
      'Image Src': 'https://example.com/images/apron-natural.jpg',
      'Image Position': '1',
      'Image Alt Text': 'Natural linen apron',
      'SEO Title': 'Linen apron',
      'SEO Description': 'Stonewashed linen apron with two pockets.',
      Status: 'active',
    },
    {
      Handle: 'linen-apron',
      'Option1 Value': 'Charcoal',
      'Variant SKU': 'APRON-CHA',
      'Variant Inventory Qty': '8',
      'Variant Price': '28.00',
      'Variant Image': 'https://example.com/images/apron-charcoal.jpg',
      'Image Src': 'https://example.com/images/apron-charcoal.jpg',
      'Image Position': '2',
      'Image Alt Text': 'Charcoal linen apron',
    },
  ];
  return line(Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, c]))) + rows.map(line).join('');
}
