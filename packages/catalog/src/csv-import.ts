/**
 * Product import from Shopify's product CSV. Rows sharing a Handle form one
 * product (first row carries the product fields, later rows add variants and
 * images). Each product is written in its own transaction: a bad product is
 * reported with its row numbers and the valid ones are kept. Re-running an
 * import updates by handle, so a retried job applies its rows once.
 */
import type { ImportRowError, Kysely, ProductStatus, TenantDatabase, Transaction } from '@storeloom/db';
import { isAppError } from '@storeloom/errors';
import { parse } from 'csv-parse/sync';
import { parseMoney } from '@storeloom/money';
import { isProductHandle, normaliseHandle, unicodeSlugify } from './handles.ts';
import { readCsvCell } from '@storeloom/http/csv';
import type { CatalogLimits } from './limits.ts';
import { normaliseOptions, ProductService } from './products.ts';
import type { ImageInput, ProductInput, VariantInput } from './types.ts';

export interface ImportCounters {
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  errors: ImportRowError[];
  /** Rows imported with something the merchant should check (duplicate SKU, image kept as a link…). */
  warnings: ImportRowError[];
}

/** An image copied into the store's own storage. */
export interface FetchedImage {
  url: string;
  storageKey: string;
}

/**
 * Downloads one image into the store's storage (the worker supplies it: SSRF-
 * guarded egress, size and type caps, timeouts). Throws with a reason the
 * merchant can read when the image cannot be fetched.
 */
export type ImageFetcher = (sourceUrl: string) => Promise<FetchedImage>;

/** Deletes an object the import stored but did not keep (the product failed to save). */
export type StoredImageCleanup = (storageKey: string) => Promise<void>;

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

/** The last level of a taxonomy path ("Home & Garden > Decor > Candles" -> "Candles"). */
const leafOf = (path: string) => (path.split('>').pop() ?? '').trim();

export const MAX_IMPORT_ROWS = 50_000;
const MAX_REPORTED = 1000;

/** Parses a CSV; cells our exports neutralised against formula injection (`'=…`) read back as written (readCsvCell). */
export function parseCsv(text: string): Row[] {
  return parse(text, {
    columns: (h: string[]) => h.map((x) => x.trim()),
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
    trim: false,
    max_record_size: 1_000_000,
    cast: (value: string, context: { header: boolean }) => (context.header ? value : readCsvCell(value)),
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
    const given = get(r, 'Handle');
    const handle = given ? normaliseHandle(given) : unicodeSlugify(get(r, 'Title'));
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

/** One product of the file, validated, before anything is written. */
interface ParsedProduct {
  input: ProductInput;
  /** Image source URL -> the file row that named it first (for per-row warnings). */
  imageRows: Map<string, number>;
  /** Variant index -> its file row. */
  variantRows: number[];
  /** Source URL of each variant's image (Variant Image), or null. */
  variantImages: (string | null)[];
}

const isHttpUrl = (s: string) => /^https?:\/\/\S+$/i.test(s);

function toProductInput(g: Group, currency: string): ParsedProduct {
  const head = g.rows[0]?.r as Row;
  if (!g.handle) throw new RowError(g.firstRow, 'missing_handle', 'Handle (or Title) is required');
  if (!isProductHandle(g.handle))
    throw new RowError(g.firstRow, 'invalid_handle', `Handle "${g.handle.slice(0, 100)}" must be words of letters and digits joined by single hyphens`);
  const optionNames = [1, 2, 3].map((i) => get(head, `Option${i} Name`)).filter((n, i, a) => n && n !== 'Title' && a.indexOf(n) === i);
  const variants: VariantInput[] = [];
  const variantRows: number[] = [];
  const variantImages: (string | null)[] = [];
  const images: { url: string; alt: string | null; position: number; order: number }[] = [];
  const imageRows = new Map<string, number>();
  const addImage = (n: number, src: string, column: string, alt: string | null, position: number) => {
    if (!isHttpUrl(src)) throw new RowError(n, 'invalid_image', `${column} "${src.slice(0, 100)}" must be an http(s) URL`);
    if (imageRows.has(src)) return;
    imageRows.set(src, n);
    images.push({ url: src, alt, position, order: images.length });
  };
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
      // Shopify exports negative stock (oversold items); the catalogue never goes below zero.
      if (!Number.isInteger(qty) || qty > 2_000_000_000) throw new RowError(n, 'invalid_quantity', `Variant Inventory Qty "${qtyText}" must be a whole number`);
      const options: Record<string, string> = {};
      optionNames.forEach((name, idx) => {
        const v = get(r, `Option${idx + 1} Value`);
        if (!v) throw new RowError(n, 'missing_option', `Option${idx + 1} Value is required for option "${name}"`);
        options[name] = v;
      });
      const variantImage = get(r, 'Variant Image');
      // Without an Image Position a variant image goes after the product's own images.
      if (variantImage) addImage(n, variantImage, 'Variant Image', null, Number.MAX_SAFE_INTEGER);
      const gramsText = get(r, 'Variant Grams');
      const grams = gramsText ? Number(gramsText) : 0;
      if (!Number.isFinite(grams) || grams < 0 || grams > 2_000_000_000)
        throw new RowError(n, 'invalid_weight', `Variant Grams "${gramsText}" must be a weight in grams`);
      variants.push({
        sku: get(r, 'Variant SKU') || null,
        price,
        compareAtPrice: compareAt,
        inventoryQuantity: Math.max(0, qty),
        options,
        weightGrams: Math.round(grams),
      });
      variantRows.push(n);
      variantImages.push(variantImage || null);
    }
    const src = get(r, 'Image Src');
    if (src) {
      const positionText = get(r, 'Image Position');
      const position = positionText && /^\d+$/.test(positionText) ? Number(positionText) : Number.MAX_SAFE_INTEGER - 1;
      const known = images.find((i) => i.url === src);
      // A URL first seen as a Variant Image takes its gallery place and alt text from its Image Src row.
      if (known) {
        known.position = Math.min(known.position, position);
        known.alt ??= get(r, 'Image Alt Text') || null;
      } else addImage(n, src, 'Image Src', get(r, 'Image Alt Text') || null, position);
    }
  }
  if (!variants.length) throw new RowError(g.firstRow, 'missing_variant', 'A product needs at least one row with a Variant Price');
  const statusText = get(head, 'Status').toLowerCase();
  const published = get(head, 'Published', 'Published on online store').toLowerCase();
  // A Status that is given must be valid, even when a Published column could supply a fallback.
  if (statusText && statusText !== 'active' && statusText !== 'draft' && statusText !== 'archived')
    throw new RowError(g.firstRow, 'invalid_status', `Status "${statusText}" must be active, draft or archived`);
  const status: ProductStatus | undefined = statusText ? (statusText as ProductStatus) : published ? (published === 'true' ? 'active' : 'draft') : undefined;
  const tags = get(head, 'Tags')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  // Shopify's layouts: `Type` (all exports), `Custom Product Type` + `Standard(ized) Product Type`
  // (2021-2023), `Product Category` (a taxonomy path, 2022 on). The merchant's own type wins.
  const productType =
    get(head, 'Type', 'Custom Product Type', 'Product Type') ||
    leafOf(get(head, 'Standardized Product Type', 'Standard Product Type', 'Product Category')) ||
    null;
  images.sort((a, b) => a.position - b.position || a.order - b.order);
  return {
    input: {
      title: get(head, 'Title'),
      handle: g.handle,
      description: get(head, 'Body (HTML)', 'Body HTML', 'Description'),
      vendor: get(head, 'Vendor') || null,
      productType,
      tags,
      status,
      seoTitle: get(head, 'SEO Title') || null,
      seoDescription: get(head, 'SEO Description') || null,
      options: optionNames.map((name) => ({ name, values: [] })),
      variants,
      images: images.map((i) => ({ url: i.url, alt: i.alt })),
    },
    imageRows,
    variantRows,
    variantImages,
  };
}

interface ImportOptions {
  currency: string;
  /** The store's plan limits: rows that would publish past them fail with `plan_limit_reached`. */
  limits: CatalogLimits;
  /**
   * The import record: each applied product is recorded (import_rows) in its own transaction, and a run of the same
   * import (resumed after a crash) skips and counts what is recorded, so each row counts once.
   */
  importId?: string;
  actorUserId?: string | null;
  onProgress?: (c: ImportCounters) => Promise<void> | void;
  /** Copies each image into the store's storage; without it images stay links to their source. */
  fetchImage?: ImageFetcher;
  deleteStoredImage?: StoredImageCleanup;
}

function report(list: ImportRowError[], entry: ImportRowError) {
  if (list.length < MAX_REPORTED) list.push(entry);
  else if (list.length === MAX_REPORTED) list.push({ row: entry.row, code: 'too_many', message: 'Further entries omitted' });
}

/** SKUs other products of the store already use: SKU -> handles (duplicates are allowed, as on Shopify, but worth a warning). */
async function skusInStore(t: Kysely<TenantDatabase>, skus: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (let i = 0; i < skus.length; i += 1000) {
    const chunk = skus.slice(i, i + 1000);
    const rows = await t
      .selectFrom('variants')
      .innerJoin('products', 'products.id', 'variants.product_id')
      .select(['variants.sku', 'products.handle'])
      .where('variants.sku', 'in', chunk)
      .execute();
    for (const r of rows) if (r.sku) out.set(r.sku, (out.get(r.sku) ?? new Set()).add(r.handle));
  }
  return out;
}

/** Warnings about SKUs used more than once (in the file or by another product of the store). */
function skuWarnings(parsed: ParsedProduct, handle: string, fileSkus: Map<string, Set<string>>, storeSkus: Map<string, Set<string>>): ImportRowError[] {
  const out: ImportRowError[] = [];
  const seen = new Set<string>();
  parsed.input.variants.forEach((v, i) => {
    if (!v.sku) return;
    const row = parsed.variantRows[i] ?? 0;
    if (seen.has(v.sku)) {
      out.push({ row, handle, code: 'duplicate_sku', message: `SKU "${v.sku}" is used by another variant of this product` });
      return;
    }
    seen.add(v.sku);
    const others = new Set([...(fileSkus.get(v.sku) ?? []), ...(storeSkus.get(v.sku) ?? [])]);
    others.delete(handle);
    if (others.size)
      out.push({
        row,
        handle,
        code: 'duplicate_sku',
        message: `SKU "${v.sku}" is also used by ${[...others].slice(0, 3).join(', ')}${others.size > 3 ? '…' : ''}; imported anyway (SKUs need not be unique)`,
      });
  });
  return out;
}

interface Analysis {
  groups: Group[];
  totalRows: number;
  parsed: Map<Group, ParsedProduct | RowError>;
  fileSkus: Map<string, Set<string>>;
  storeSkus: Map<string, Set<string>>;
}

/** The file as a whole cannot be read (not CSV, too many rows): nothing of it is imported. */
export class InvalidCsvFile extends Error {}

async function analyse(t: Kysely<TenantDatabase>, csv: string, currency: string): Promise<Analysis> {
  let rows: Row[];
  try {
    rows = parseCsv(csv);
  } catch (e) {
    throw new InvalidCsvFile(e instanceof Error ? e.message : 'not a CSV file');
  }
  if (rows.length > MAX_IMPORT_ROWS) throw new InvalidCsvFile(`A file may have at most ${MAX_IMPORT_ROWS} rows`);
  const groups = groupRows(rows);
  const parsed = new Map<Group, ParsedProduct | RowError>();
  const fileSkus = new Map<string, Set<string>>();
  for (const g of groups) {
    try {
      const p = toProductInput(g, currency);
      parsed.set(g, p);
      for (const v of p.input.variants) if (v.sku) fileSkus.set(v.sku, (fileSkus.get(v.sku) ?? new Set()).add(g.handle));
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      parsed.set(g, e);
    }
  }
  const storeSkus = await skusInStore(t, [...fileSkus.keys()]);
  return { groups, totalRows: rows.length, parsed, fileSkus, storeSkus };
}

export interface ImportPreview {
  totalRows: number;
  /** Products the import would create and update. */
  createCount: number;
  updateCount: number;
  variantCount: number;
  imageCount: number;
  errorCount: number;
  warningCount: number;
  errors: ImportRowError[];
  warnings: ImportRowError[];
}

/**
 * What an import of `csv` would do, without writing anything: counts, per-row
 * errors (products that would be refused) and warnings. Product-level checks
 * (options, variants) run as the import would run them; images are counted,
 * not fetched.
 */
export async function previewProductsCsv(t: Kysely<TenantDatabase>, csv: string, opts: { currency: string }): Promise<ImportPreview> {
  const a = await analyse(t, csv, opts.currency);
  const out: ImportPreview = {
    totalRows: a.totalRows,
    createCount: 0,
    updateCount: 0,
    variantCount: 0,
    imageCount: 0,
    errorCount: 0,
    warningCount: 0,
    errors: [],
    warnings: [],
  };
  const existing = new Set<string>();
  const handles = a.groups.map((g) => g.handle).filter(Boolean);
  for (let i = 0; i < handles.length; i += 1000) {
    const rows = await t
      .selectFrom('products')
      .select('handle')
      .where('handle', 'in', handles.slice(i, i + 1000))
      .execute();
    for (const r of rows) existing.add(r.handle);
  }
  for (const g of a.groups) {
    const p = a.parsed.get(g) as ParsedProduct | RowError;
    try {
      if (p instanceof RowError) throw p;
      normaliseOptions(p.input.options, p.input.variants);
      if (!existing.has(g.handle) && !p.input.title) throw new RowError(g.firstRow, 'missing_title', 'Title is required for a new product');
      if (existing.has(g.handle)) out.updateCount++;
      else out.createCount++;
      out.variantCount += p.input.variants.length;
      out.imageCount += p.input.images?.length ?? 0;
      for (const w of skuWarnings(p, g.handle, a.fileSkus, a.storeSkus)) {
        report(out.warnings, w);
        out.warningCount++;
      }
    } catch (e) {
      out.errorCount++;
      report(out.errors, toRowError(e, g));
    }
  }
  return out;
}

function toRowError(e: unknown, g: Group): ImportRowError {
  const row = e instanceof RowError ? e.row : g.firstRow;
  const code = e instanceof RowError ? e.code : isAppError(e) ? e.code : 'row_failed';
  const message = e instanceof Error && (e instanceof RowError || isAppError(e)) ? e.message : 'This product could not be saved';
  return { row, ...(g.handle ? { handle: g.handle } : {}), code, message };
}

/**
 * Copies the product's images into the store's storage. An image the product
 * already has from the same source (a re-run, a re-import) is reused, not
 * fetched again. An image that cannot be fetched stays a link to its source,
 * with a warning on the row that named it.
 */
async function copyImages(
  t: Kysely<TenantDatabase>,
  p: ParsedProduct,
  existingId: string | null,
  handle: string,
  fetchImage: ImageFetcher,
  stored: string[],
  warnings: ImportRowError[],
): Promise<Map<string, ImageInput>> {
  const bySource = new Map<string, ImageInput>();
  const previous = existingId
    ? await t
        .selectFrom('images')
        .select(['url', 'storage_key', 'source_url'])
        .where('product_id', '=', existingId)
        .where('storage_key', 'is not', null)
        .execute()
    : [];
  const sources = [...p.imageRows.keys()];
  // A few at a time: one product's gallery, not the whole file, is in flight.
  for (let i = 0; i < sources.length; i += 4) {
    await Promise.all(
      sources.slice(i, i + 4).map(async (src) => {
        // Already in the store: fetched by an earlier run, or the store's own URL (an export re-imported).
        const reuse = previous.find((x) => x.source_url === src || x.url === src);
        if (reuse) {
          bySource.set(src, { url: reuse.url, storageKey: reuse.storage_key, sourceUrl: reuse.source_url });
          return;
        }
        try {
          const got = await fetchImage(src);
          stored.push(got.storageKey);
          bySource.set(src, { url: got.url, storageKey: got.storageKey, sourceUrl: src });
        } catch (e) {
          const why = e instanceof Error ? e.message.slice(0, 200) : 'unknown error';
          warnings.push({
            row: p.imageRows.get(src) ?? 0,
            handle,
            code: 'image_not_fetched',
            message: `Image ${src.slice(0, 200)} could not be copied into the store (${why}); it stays a link to that address until you upload it`,
          });
        }
      }),
    );
  }
  return bySource;
}

export async function importProductsCsv(t: Kysely<TenantDatabase>, csv: string, opts: ImportOptions): Promise<ImportCounters> {
  const a = await analyse(t, csv, opts.currency);
  const products = new ProductService(t, opts.limits);
  const counters: ImportCounters = { totalRows: a.totalRows, processedRows: 0, created: 0, updated: 0, errors: [], warnings: [] };
  let lastReport = 0;
  const importId = opts.importId;
  const applied = new Map<string, { outcome: 'created' | 'updated'; warnings: ImportRowError[] }>();
  if (importId)
    for (const r of await t.selectFrom('import_rows').select(['handle', 'outcome', 'warnings']).where('import_id', '=', importId).execute())
      applied.set(r.handle, { outcome: r.outcome, warnings: (r.warnings as ImportRowError[]) ?? [] });
  for (const g of a.groups) {
    const stored: string[] = [];
    const rowWarnings: ImportRowError[] = [];
    const done = g.handle ? applied.get(g.handle) : undefined;
    if (done) {
      // Applied by an earlier run of this import (before a crash): counted as it was, not written again.
      counters[done.outcome]++;
      for (const w of done.warnings) report(counters.warnings, w);
      counters.processedRows += g.rows.length;
      continue;
    }
    const record = (outcome: 'created' | 'updated') =>
      importId
        ? async (trx: Transaction<TenantDatabase>) => {
            await trx
              .insertInto('import_rows')
              .values({ import_id: importId, handle: g.handle, outcome, warnings: JSON.stringify(rowWarnings) })
              .execute();
          }
        : undefined;
    try {
      const p = a.parsed.get(g) as ParsedProduct | RowError;
      if (p instanceof RowError) throw p;
      const input = p.input;
      const existing = await products.getByHandle(g.handle);
      rowWarnings.push(...skuWarnings(p, g.handle, a.fileSkus, a.storeSkus));
      if (opts.fetchImage && input.images?.length) {
        const copies = await copyImages(t, p, existing?.id ?? null, g.handle, opts.fetchImage, stored, rowWarnings);
        input.images = input.images.map((img) => ({ ...img, ...copies.get(img.url) }));
      }
      const finalUrl = new Map((input.images ?? []).map((img) => [img.sourceUrl ?? img.url, img.url]));
      input.variants = input.variants.map((v, i) => {
        const src = p.variantImages[i];
        return { ...v, imageUrl: src ? (finalUrl.get(src) ?? null) : null };
      });
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
          record('updated'),
          'import',
        );
        counters.updated++;
      } else {
        if (!input.title) throw new RowError(g.firstRow, 'missing_title', 'Title is required for a new product');
        await products.create(input, record('created'), 'import');
        counters.created++;
      }
      for (const w of rowWarnings) report(counters.warnings, w);
    } catch (e) {
      report(counters.errors, toRowError(e, g));
      // The product was not saved: its freshly stored images are not referenced by anything.
      if (opts.deleteStoredImage) for (const key of stored) await opts.deleteStoredImage(key).catch(() => {});
    }
    counters.processedRows += g.rows.length;
    if (opts.onProgress && (counters.processedRows - lastReport >= 50 || counters.processedRows === counters.totalRows)) {
      lastReport = counters.processedRows;
      await opts.onProgress(counters);
    }
  }
  return counters;
}
