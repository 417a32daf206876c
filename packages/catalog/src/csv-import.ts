/**
 * Product import from Shopify's product CSV. Rows sharing a Handle form one
 * product (first row carries the product fields, later rows add variants and
 * images). Each product is written in its own transaction: a bad product is
 * reported with its row numbers and the valid ones are kept. Re-running an
 * import updates by handle, so a retried job applies its rows once.
 */
import type { ImportRowError, Kysely, ProductStatus, TenantDatabase } from '@storeloom/db';
import { isAppError } from '@storeloom/errors';
import { parse } from 'csv-parse/sync';
import { HANDLE_RE, slugify } from './handles.ts';
import { parseMoney } from '@storeloom/money';
import { ProductService } from './products.ts';
import type { ImageInput, VariantInput } from './types.ts';

export interface ImportCounters {
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  errors: ImportRowError[];
}

type Row = Record<string, string | undefined>;
/** Prices are `integer` columns. */
const PRICE_LIMIT = { max: 2_147_483_647 };

const get = (r: Row, ...names: string[]) => {
  for (const n of names) {
    const v = r[n];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return '';
};

export const MAX_IMPORT_ROWS = 50_000;

export function parseCsv(text: string): Row[] {
  return parse(text, {
    columns: (h: string[]) => h.map((x) => x.trim()),
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
    trim: false,
    max_record_size: 1_000_000,
  }) as Row[];
}

interface Group {
  handle: string;
  firstRow: number;
  rows: { n: number; r: Row }[];
}

export function groupRows(rows: Row[]): Group[] {
  const groups: Group[] = [];
  const byHandle = new Map<string, Group>();
  rows.forEach((r, i) => {
    const n = i + 2; // line number in the file: header is line 1
    const handle = get(r, 'Handle') || slugify(get(r, 'Title'), '');
    const key = handle || `__row_${n}`;
    let g = byHandle.get(key);
    if (!g) {
      g = { handle, firstRow: n, rows: [] };
      byHandle.set(key, g);
      groups.push(g);
    }
    g.rows.push({ n, r });
  });
  return groups;
}

class RowError extends Error {
  constructor(
    readonly row: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function toProductInput(g: Group, currency: string) {
  const head = g.rows[0]?.r as Row;
  if (!g.handle) throw new RowError(g.firstRow, 'missing_handle', 'Handle (or Title) is required');
  if (!HANDLE_RE.test(g.handle)) throw new RowError(g.firstRow, 'invalid_handle', `Handle "${g.handle}" must be lower-case letters, digits and hyphens`);
  const optionNames = [1, 2, 3].map((i) => get(head, `Option${i} Name`)).filter((n, i, a) => n && n !== 'Title' && a.indexOf(n) === i);
  const variants: VariantInput[] = [];
  const images: ImageInput[] = [];
  for (const { n, r } of g.rows) {
    const priceText = get(r, 'Variant Price');
    const isVariantRow = priceText !== '' || get(r, 'Variant SKU') !== '' || get(r, 'Option1 Value') !== '';
    if (isVariantRow) {
      if (!priceText) throw new RowError(n, 'missing_price', 'Variant Price is required');
      const price = parseMoney(priceText, currency, PRICE_LIMIT);
      if (price === null) throw new RowError(n, 'invalid_price', `Variant Price "${priceText}" is not a valid amount in ${currency}`);
      const compareText = get(r, 'Variant Compare At Price');
      const compareAt = compareText ? parseMoney(compareText, currency, PRICE_LIMIT) : null;
      if (compareText && compareAt === null) throw new RowError(n, 'invalid_price', `Variant Compare At Price "${compareText}" is not a valid amount`);
      const qtyText = get(r, 'Variant Inventory Qty');
      const qty = qtyText ? Number(qtyText) : 0;
      if (!Number.isInteger(qty) || qty < 0 || qty > 2_000_000_000)
        throw new RowError(n, 'invalid_quantity', `Variant Inventory Qty "${qtyText}" must be a whole number >= 0`);
      const options: Record<string, string> = {};
      optionNames.forEach((name, idx) => {
        const v = get(r, `Option${idx + 1} Value`);
        if (!v) throw new RowError(n, 'missing_option', `Option${idx + 1} Value is required for option "${name}"`);
        options[name] = v;
      });
      variants.push({ sku: get(r, 'Variant SKU') || null, price, compareAtPrice: compareAt, inventoryQuantity: qty, options });
    }
    const src = get(r, 'Image Src');
    if (src) {
      if (!/^https?:\/\/\S+$/i.test(src)) throw new RowError(n, 'invalid_image', `Image Src "${src.slice(0, 100)}" must be an http(s) URL`);
      if (!images.some((i) => i.url === src)) images.push({ url: src, alt: get(r, 'Image Alt Text') || null });
    }
  }
  if (!variants.length) throw new RowError(g.firstRow, 'missing_variant', 'A product needs at least one row with a Variant Price');
  const statusText = get(head, 'Status').toLowerCase();
  const published = get(head, 'Published').toLowerCase();
  // A Status that is given must be valid, even when a Published column could supply a fallback.
  if (statusText && statusText !== 'active' && statusText !== 'draft' && statusText !== 'archived')
    throw new RowError(g.firstRow, 'invalid_status', `Status "${statusText}" must be active, draft or archived`);
  const status: ProductStatus | undefined = statusText ? (statusText as ProductStatus) : published ? (published === 'true' ? 'active' : 'draft') : undefined;
  const tags = get(head, 'Tags')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    title: get(head, 'Title'),
    handle: g.handle,
    description: get(head, 'Body (HTML)', 'Body HTML', 'Description'),
    vendor: get(head, 'Vendor') || null,
    productType: get(head, 'Type', 'Product Type', 'Product Category') || null,
    tags,
    status,
    seoTitle: get(head, 'SEO Title') || null,
    seoDescription: get(head, 'SEO Description') || null,
    options: optionNames.map((name) => ({ name, values: [] })),
    variants,
    images,
  };
}

export async function importProductsCsv(
  t: Kysely<TenantDatabase>,
  csv: string,
  opts: { currency: string; actorUserId?: string | null; onProgress?: (c: ImportCounters) => Promise<void> | void },
): Promise<ImportCounters> {
  const rows = parseCsv(csv);
  if (rows.length > MAX_IMPORT_ROWS) throw new Error(`A file may have at most ${MAX_IMPORT_ROWS} rows`);
  const groups = groupRows(rows);
  const products = new ProductService(t);
  const counters: ImportCounters = { totalRows: rows.length, processedRows: 0, created: 0, updated: 0, errors: [] };
  let lastReport = 0;
  for (const g of groups) {
    try {
      const input = toProductInput(g, opts.currency);
      const existing = await products.getByHandle(g.handle);
      if (existing) {
        // Keep variant ids (and their history) where the SKU or option values match.
        const variants = input.variants.map((v) => {
          const match = existing.variants.find((e) => (v.sku && e.sku === v.sku) || (!v.sku && JSON.stringify(e.options) === JSON.stringify(v.options)));
          return match ? { ...v, id: match.id } : v;
        });
        const ids = variants.map((v) => v.id).filter(Boolean);
        const deduped = variants.map((v, i) => (v.id && ids.indexOf(v.id) !== i ? { ...v, id: undefined } : v));
        await products.update(
          existing.id,
          {
            version: existing.version,
            title: input.title || existing.title,
            description: input.description,
            vendor: input.vendor,
            productType: input.productType,
            tags: input.tags,
            ...(input.status ? { status: input.status } : {}),
            seoTitle: input.seoTitle,
            seoDescription: input.seoDescription,
            options: input.options,
            variants: deduped,
            images: input.images,
          },
          opts.actorUserId ?? null,
        );
        counters.updated++;
      } else {
        if (!input.title) throw new RowError(g.firstRow, 'missing_title', 'Title is required for a new product');
        await products.create(input);
        counters.created++;
      }
    } catch (e) {
      const row = e instanceof RowError ? e.row : g.firstRow;
      const code = e instanceof RowError ? e.code : isAppError(e) ? e.code : 'row_failed';
      const message = e instanceof Error && (e instanceof RowError || isAppError(e)) ? e.message : 'This product could not be saved';
      if (counters.errors.length < 1000) counters.errors.push({ row, handle: g.handle || undefined, code, message });
      else if (counters.errors.length === 1000) counters.errors.push({ row, code: 'too_many_errors', message: 'Further errors omitted' });
    }
    counters.processedRows += g.rows.length;
    if (opts.onProgress && (counters.processedRows - lastReport >= 50 || counters.processedRows === counters.totalRows)) {
      lastReport = counters.processedRows;
      await opts.onProgress(counters);
    }
  }
  return counters;
}
