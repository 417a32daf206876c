/**
 * Products → a Shopify-format product CSV (the format the importer reads), so
 * an export can be edited in a spreadsheet and imported back. One row per
 * variant; product fields on the first row, extra images on rows of their own.
 */
import type { Product } from './api.ts';
import { minorToInput } from './format.ts';

export const CSV_HEADER = [
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
  'Image Position',
  'Image Alt Text',
  'SEO Title',
  'SEO Description',
  'Status',
] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is defused so spreadsheets do not run it as a formula. */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function productsToCsv(products: Product[], currency: string): string {
  const rows: string[][] = [[...CSV_HEADER]];
  for (const p of products) {
    const rowCount = Math.max(p.variants.length, p.images.length, 1);
    for (let i = 0; i < rowCount; i++) {
      const v = p.variants[i];
      const img = p.images[i];
      const first = i === 0;
      const optionCells = [0, 1, 2].flatMap((k) => {
        const o = p.options[k];
        if (!o || !v) return ['', ''];
        return [first ? o.name : '', v.options[o.name] ?? ''];
      });
      rows.push([
        p.handle,
        first ? p.title : '',
        first ? p.description : '',
        first ? (p.vendor ?? '') : '',
        first ? (p.productType ?? '') : '',
        first ? p.tags.join(', ') : '',
        first ? String(p.status === 'active') : '',
        ...optionCells,
        v?.sku ?? '',
        v ? String(v.inventoryQuantity) : '',
        v ? minorToInput(v.price, currency) : '',
        v ? minorToInput(v.compareAtPrice, currency) : '',
        img?.url ?? '',
        img ? String(i + 1) : '',
        img?.alt ?? '',
        first ? (p.seoTitle ?? '') : '',
        first ? (p.seoDescription ?? '') : '',
        first ? p.status : '',
      ]);
    }
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
