/**
 * Translations of store content (products, collections, pages) per locale, with fallback to the original: a
 * field that is null or absent shows the store's default-language text. Descriptions and page bodies pass the
 * same sanitiser as the originals. CSV export/import lets a merchant hand a locale to a translator and back.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { readCsvCell, toCsv } from '@storeloom/http/csv';
import { parse } from 'csv-parse/sync';
import { cleanDescription, sanitizeRichText } from './html.ts';

export const TRANSLATABLE_KINDS = ['product', 'collection', 'page', 'article', 'menu', 'store'] as const;
export type TranslatableKind = (typeof TRANSLATABLE_KINDS)[number];

/** The translatable fields of each kind, as the API names them. */
export const TRANSLATABLE_FIELDS = {
  product: ['title', 'description', 'seoTitle', 'seoDescription', 'options'],
  collection: ['title', 'description'],
  page: ['title', 'body', 'seoTitle', 'seoDescription'],
  article: ['title', 'body', 'excerpt', 'seoTitle', 'seoDescription'],
  menu: ['title', 'items'],
  store: ['name', 'announcement', 'footerText'],
} as const satisfies Record<TranslatableKind, readonly string[]>;

/** The originals of the store's own strings (store settings), for the export, progress and the console's view. */
export interface StoreOriginals {
  storeName?: string;
  announcement?: string | null;
  footerText?: string | null;
}

/** Option names and values by the original name and value: `{"Size": {"name": "Größe", "values": {"Small": "Klein"}}}`. */
export type OptionTranslations = Record<string, { name?: string | null; values?: Record<string, string> }>;
/** Menu item titles by position path in the menu's tree: `{"0": "Neu", "1.0": "Hemden"}`. */
export type MenuItemTitles = Record<string, string>;

type TextField = 'title' | 'description' | 'body' | 'excerpt' | 'seoTitle' | 'seoDescription' | 'name' | 'announcement' | 'footerText';
export type TranslationFields = Partial<Record<TextField, string | null>> & { options?: OptionTranslations | null; items?: MenuItemTitles | null };

export interface Translation {
  locale: string;
  fields: TranslationFields;
  updatedAt: string;
}

const LOCALE_RE = /^[a-z]{2}(-[A-Z]{2})?$/;
const LIMITS: Record<string, number> = {
  title: 255,
  seoTitle: 255,
  seoDescription: 500,
  description: 500_000,
  body: 500_000,
  excerpt: 2000,
  name: 255,
  announcement: 500,
  footerText: 2000,
};
const JSON_FIELDS = new Set(['options', 'items']);

/** Column of each API field, per kind's table. */
const COLUMNS: Record<string, string> = {
  title: 'title',
  description: 'description',
  body: 'body_html',
  excerpt: 'excerpt',
  seoTitle: 'seo_title',
  seoDescription: 'seo_description',
  options: 'options',
  items: 'items',
  name: 'name',
  announcement: 'announcement',
  footerText: 'footer_text',
};
/** `key` null: one row per locale (the store's own strings). */
const TABLES: Record<TranslatableKind, { table: string; key: string | null; owner: string | null }> = {
  product: { table: 'product_translations', key: 'product_id', owner: 'products' },
  collection: { table: 'collection_translations', key: 'collection_id', owner: 'collections' },
  page: { table: 'page_translations', key: 'page_id', owner: 'pages' },
  article: { table: 'article_translations', key: 'article_id', owner: 'articles' },
  menu: { table: 'menu_translations', key: 'menu_id', owner: 'menus' },
  store: { table: 'store_translations', key: null, owner: null },
};
const STORE_ID = 'store';

type Row = Record<string, unknown>;
type MenuTree = { title: string; items?: MenuTree }[];

/** Every item of a menu tree with its position path ("0", "0.1"). */
export function menuItemPaths(items: MenuTree, prefix = ''): { path: string; title: string }[] {
  return items.flatMap((it, i) => {
    const path = prefix ? `${prefix}.${i}` : String(i);
    return [{ path, title: it.title }, ...menuItemPaths(it.items ?? [], path)];
  });
}

const bad = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });
const capitalised = (kind: string) => `${kind[0]?.toUpperCase()}${kind.slice(1)}`;

export class TranslationService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  // Untyped across the kinds' tables; the TABLES map fixes table and key names.
  private get db() {
    return this.t as unknown as Kysely<Record<string, Row>>;
  }

  /** The resource being translated (404 when it does not exist); `{}` for the store's own strings. */
  private async owner(kind: TranslatableKind, id: string): Promise<Row> {
    const spec = TABLES[kind];
    if (!spec.owner) return {};
    const row = await this.db.selectFrom(spec.owner).selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError(ErrorCode.NotFound, `${capitalised(kind)} not found`);
    return row;
  }

  /** Sets a locale's text for one resource (fields left out keep their value; null clears one). 404 when the resource does not exist. */
  async put(kind: TranslatableKind, id: string, locale: string, fields: TranslationFields): Promise<Translation> {
    checkLocale(locale);
    const spec = TABLES[kind];
    const values = this.columns(kind, fields, await this.owner(kind, id));
    const now = new Date();
    const key = spec.key ? { [spec.key]: id } : {};
    await this.db
      .insertInto(spec.table)
      .values({ ...key, locale, ...values, updated_at: now })
      .onConflict((oc) => oc.columns(spec.key ? [spec.key, 'locale'] : ['locale']).doUpdateSet({ ...values, updated_at: now }))
      .execute();
    return (await this.get(kind, id, locale)) as Translation;
  }

  async get(kind: TranslatableKind, id: string, locale: string): Promise<Translation | null> {
    checkLocale(locale);
    return (await this.list(kind, id)).find((x) => x.locale === locale) ?? null;
  }

  /** Every locale's translation of one resource; 404 when the resource does not exist (not an empty list). */
  async list(kind: TranslatableKind, id: string): Promise<Translation[]> {
    const spec = TABLES[kind];
    await this.owner(kind, id);
    let q = this.db.selectFrom(spec.table).selectAll();
    if (spec.key) q = q.where(spec.key, '=', id);
    const rows = await q.orderBy('locale').execute();
    return rows.map((r) => this.view(kind, r));
  }

  async remove(kind: TranslatableKind, id: string, locale: string): Promise<boolean> {
    checkLocale(locale);
    const spec = TABLES[kind];
    let q = this.db.deleteFrom(spec.table).where('locale', '=', locale);
    if (spec.key) q = q.where(spec.key, '=', id);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** One locale's fields for many resources of a kind (what a page overlays on the originals), in one statement. */
  async overlay(kind: TranslatableKind, ids: readonly string[], locale: string): Promise<Map<string, TranslationFields>> {
    const spec = TABLES[kind];
    if (!LOCALE_RE.test(locale) || (spec.key && !ids.length)) return new Map();
    let q = this.db.selectFrom(spec.table).selectAll().where('locale', '=', locale);
    if (spec.key) q = q.where(spec.key, 'in', [...new Set(ids)]);
    const rows = await q.execute();
    return new Map(rows.map((r) => [spec.key ? (r[spec.key] as string) : STORE_ID, this.view(kind, r).fields]));
  }

  /** Every locale's translations of a kind (small kinds the storefront keeps with the store: menus, the store's strings). */
  async allLocales(kind: 'menu' | 'store'): Promise<{ id: string; locale: string; fields: TranslationFields }[]> {
    const spec = TABLES[kind];
    const rows = await this.db.selectFrom(spec.table).selectAll().execute();
    return rows.map((r) => ({ id: spec.key ? (r[spec.key] as string) : STORE_ID, locale: r.locale as string, fields: this.view(kind, r).fields }));
  }

  /**
   * How much of the store is translated into each locale: translatable texts with a non-empty original, and how
   * many of them have a translation (the console's progress per language).
   */
  async progress(locales: readonly string[], originals: StoreOriginals = {}): Promise<{ locale: string; total: number; translated: number }[]> {
    const out: { locale: string; total: number; translated: number }[] = [];
    for (const locale of locales) {
      if (!LOCALE_RE.test(locale)) continue;
      const rows = csvRows(await this.exportRows(locale, originals));
      const filled = rows.filter((r) => String(r[4] ?? '').trim() !== '');
      out.push({ locale, total: filled.length, translated: filled.filter((r) => String(r[5] ?? '').trim() !== '').length });
    }
    return out;
  }

  /**
   * Every translatable text of the store for one locale as CSV: `type, id, handle, field, original, translation`.
   * A translator fills in the last column; `import` reads the same layout back. Option names are the field
   * `option:<name>`, option values `option:<name>=<value>`, menu items `item:<position path>`.
   */
  async exportCsv(locale: string, originals: StoreOriginals = {}): Promise<string> {
    checkLocale(locale);
    return toCsv([['type', 'id', 'handle', 'field', 'original', 'translation'], ...csvRows(await this.exportRows(locale, originals))]);
  }

  /** The export's rows as objects (the console's translation view: each text's original next to its translation). */
  async texts(locale: string, originals: StoreOriginals = {}): Promise<ExportRow[]> {
    checkLocale(locale);
    return this.exportRows(locale, originals);
  }

  private async exportRows(locale: string, originals: StoreOriginals): Promise<ExportRow[]> {
    const db = this.db;
    const all = (table: string, order = 'handle') => db.selectFrom(table).selectAll().orderBy(order).execute();
    const trs = (kind: TranslatableKind) => db.selectFrom(TABLES[kind].table).selectAll().where('locale', '=', locale).execute();
    const [products, collections, pages, articles, menus, pt, ct, gt, at, mt, st] = await Promise.all([
      all('products'),
      all('collections'),
      all('pages'),
      all('articles'),
      all('menus'),
      trs('product'),
      trs('collection'),
      trs('page'),
      trs('article'),
      trs('menu'),
      trs('store'),
    ]);
    const out: ExportRow[] = [];
    const by = (xs: Row[], key: string) => new Map(xs.map((x) => [x[key] as string, x]));
    const simple = (kind: TranslatableKind, owners: Row[], trRows: Row[]) => {
      const m = by(trRows, TABLES[kind].key as string);
      for (const r of owners) {
        const tr = m.get(r.id as string);
        for (const field of TRANSLATABLE_FIELDS[kind]) {
          if (JSON_FIELDS.has(field)) continue;
          const col = COLUMNS[field] as string;
          out.push({
            kind,
            id: r.id as string,
            handle: r.handle as string,
            field,
            original: (r[col] as string | null) ?? '',
            translation: (tr?.[col] as string | null) ?? '',
          });
        }
        if (kind === 'product') {
          const opts = (tr?.options ?? {}) as OptionTranslations;
          for (const o of (r.options ?? []) as { name: string; values: string[] }[]) {
            const field = (f: string, original: string, translation: string | null | undefined) =>
              out.push({ kind, id: r.id as string, handle: r.handle as string, field: f, original, translation: translation ?? '' });
            field(`option:${o.name}`, o.name, opts[o.name]?.name);
            for (const v of o.values) field(`option:${o.name}=${v}`, v, opts[o.name]?.values?.[v]);
          }
        }
        if (kind === 'menu') {
          const items = (tr?.items ?? {}) as MenuItemTitles;
          for (const it of menuItemPaths((r.items ?? []) as MenuTree))
            out.push({ kind, id: r.id as string, handle: r.handle as string, field: `item:${it.path}`, original: it.title, translation: items[it.path] ?? '' });
        }
      }
    };
    simple('product', products, pt);
    simple('collection', collections, ct);
    simple('page', pages, gt);
    simple('article', articles, at);
    simple('menu', menus, mt);
    // The store's own strings: its name, announcement bar and footer text (store settings).
    for (const [field, original] of [
      ['name', originals.storeName],
      ['announcement', originals.announcement],
      ['footerText', originals.footerText],
    ] as const)
      out.push({
        kind: 'store',
        id: STORE_ID,
        handle: '',
        field,
        original: original ?? '',
        translation: (st[0]?.[COLUMNS[field] as string] as string | null) ?? '',
      });
    return out;
  }

  /**
   * Reads the export's layout back: each non-empty translation cell sets that field (an empty cell leaves the
   * field as it is). All or nothing: any bad row refuses the whole file with every problem listed.
   */
  async importCsv(locale: string, csv: string): Promise<{ updated: number; productIds: string[] }> {
    checkLocale(locale);
    let records: string[][];
    try {
      records = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
    } catch {
      throw new AppError(ErrorCode.ValidationFailed, 'The file is not valid CSV');
    }
    const [header, ...body] = records;
    const cols = (header ?? []).map((h) => h.trim().toLowerCase());
    const at = (name: string) => cols.indexOf(name);
    if (at('type') < 0 || at('id') < 0 || at('field') < 0 || at('translation') < 0)
      throw new AppError(ErrorCode.ValidationFailed, 'The CSV needs the columns type, id, field and translation (as exported)');
    const problems: { row: number; message: string }[] = [];
    const updates = new Map<string, { kind: TranslatableKind; id: string; fields: TranslationFields }>();
    for (const [i, r] of body.entries()) {
      const kind = (r[at('type')] ?? '').trim() as TranslatableKind;
      const id = (r[at('id')] ?? '').trim();
      const field = (r[at('field')] ?? '').trim();
      const value = readCsvCell(r[at('translation')] ?? '');
      const problem = (message: string) => problems.push({ row: i + 2, message });
      if (!value.trim()) continue;
      if (!TRANSLATABLE_KINDS.includes(kind)) {
        problem(`unknown type "${kind}"`);
        continue;
      }
      const option = kind === 'product' && field.startsWith('option:') ? field.slice('option:'.length) : null;
      const item = kind === 'menu' && field.startsWith('item:') ? field.slice('item:'.length) : null;
      if (option === null && item === null && (JSON_FIELDS.has(field) || !(TRANSLATABLE_FIELDS[kind] as readonly string[]).includes(field))) {
        problem(`a ${kind} has no field "${field}"`);
        continue;
      }
      if (kind === 'store' ? id !== STORE_ID : !/^[0-9a-f-]{36}$/i.test(id)) {
        problem('id is not one of this store’s');
        continue;
      }
      const key = `${kind}:${id}`;
      const u = updates.get(key) ?? { kind, id, fields: {} };
      if (option !== null) {
        const eq = option.indexOf('=');
        const name = eq < 0 ? option : option.slice(0, eq);
        const options: OptionTranslations = u.fields.options ?? {};
        const entry = options[name] ?? {};
        if (eq < 0) entry.name = value;
        else entry.values = { ...entry.values, [option.slice(eq + 1)]: value };
        options[name] = entry;
        u.fields.options = options;
      } else if (item !== null) u.fields.items = { ...u.fields.items, [item]: value };
      else u.fields[field as TextField] = value;
      updates.set(key, u);
    }
    if (problems.length) throw new AppError(ErrorCode.ValidationFailed, `${problems.length} rows could not be read`, { details: problems.slice(0, 50) });
    await this.t.transaction().execute(async (tx) => {
      const inTx = new TranslationService(tx);
      for (const u of updates.values()) {
        try {
          // Options and menu items merge with what the locale already has (the file's empty cells leave them).
          if (u.fields.options || u.fields.items) {
            const current = (await inTx.get(u.kind, u.id, locale))?.fields;
            if (u.fields.options) u.fields.options = mergeOptions(current?.options ?? {}, u.fields.options);
            if (u.fields.items) u.fields.items = { ...(current?.items ?? {}), ...u.fields.items };
          }
          await inTx.put(u.kind, u.id, locale, u.fields);
        } catch (e) {
          if (e instanceof AppError && e.code === ErrorCode.NotFound)
            throw new AppError(ErrorCode.ValidationFailed, `${u.kind} ${u.id} is not one of this store’s`);
          throw e;
        }
      }
    });
    return { updated: updates.size, productIds: [...updates.values()].filter((u) => u.kind === 'product').map((u) => u.id) };
  }

  private columns(kind: TranslatableKind, fields: TranslationFields, owner: Row): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const [field, raw] of Object.entries(fields)) {
      if (raw === undefined) continue;
      if (!(TRANSLATABLE_FIELDS[kind] as readonly string[]).includes(field))
        throw new AppError(ErrorCode.ValidationFailed, `${field}: not a translatable field of a ${kind}`, { details: [{ path: field, message: 'unknown' }] });
      if (field === 'options') {
        out.options = raw === null ? null : checkOptions(raw as OptionTranslations, (owner.options ?? []) as { name: string; values: string[] }[]);
        continue;
      }
      if (field === 'items') {
        out.items = raw === null ? null : checkItems(raw as MenuItemTitles, (owner.items ?? []) as MenuTree);
        continue;
      }
      if (typeof raw !== 'string' && raw !== null) throw bad(field, 'a string or null');
      let value = raw === null ? null : raw.trim() === '' ? null : raw;
      if (value !== null && value.length > (LIMITS[field] ?? 255)) throw bad(field, `at most ${LIMITS[field]} characters`);
      if (value !== null && field === 'description') value = cleanDescription(value);
      if (value !== null && field === 'body') value = sanitizeRichText(value);
      if (
        value !== null &&
        (field === 'title' ||
          field === 'seoTitle' ||
          field === 'seoDescription' ||
          field === 'name' ||
          field === 'excerpt' ||
          field === 'announcement' ||
          field === 'footerText')
      )
        value = value.trim();
      out[COLUMNS[field] as string] = value;
    }
    return out;
  }

  private view(kind: TranslatableKind, r: Row): Translation {
    const fields: TranslationFields = {};
    for (const field of TRANSLATABLE_FIELDS[kind]) (fields as Record<string, unknown>)[field] = r[COLUMNS[field] as string] ?? null;
    return { locale: r.locale as string, fields, updatedAt: new Date(r.updated_at as Date).toISOString() };
  }
}

export interface ExportRow {
  kind: TranslatableKind;
  id: string;
  handle: string;
  field: string;
  original: string;
  translation: string;
}
const csvRows = (rows: ExportRow[]) => rows.map((r) => [r.kind, r.id, r.handle, r.field, r.original, r.translation]);

function mergeOptions(a: OptionTranslations, b: OptionTranslations): OptionTranslations {
  const out: OptionTranslations = { ...a };
  for (const [name, o] of Object.entries(b))
    out[name] = { ...out[name], ...(o.name !== undefined ? { name: o.name } : {}), values: { ...out[name]?.values, ...o.values } };
  return out;
}

/** Option translations name the product's own options and values; empty texts are dropped (the original shows). JSON text, or null when empty. */
function checkOptions(raw: OptionTranslations, options: { name: string; values: string[] }[]): string | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('options', 'an object keyed by option name');
  const out: OptionTranslations = {};
  for (const [name, o] of Object.entries(raw)) {
    const option = options.find((x) => x.name === name);
    if (!option) throw bad(`options.${name}`, 'not an option of this product');
    if (!o || typeof o !== 'object') throw bad(`options.${name}`, 'an object {name?, values?}');
    const entry: { name?: string; values?: Record<string, string> } = {};
    if (o.name !== undefined && o.name !== null) {
      if (typeof o.name !== 'string' || o.name.length > 255) throw bad(`options.${name}.name`, 'a text of at most 255 characters');
      if (o.name.trim()) entry.name = o.name.trim();
    }
    for (const [value, text] of Object.entries(o.values ?? {})) {
      if (!option.values.includes(value)) throw bad(`options.${name}.values.${value}`, 'not a value of this option');
      if (typeof text !== 'string' || text.length > 255) throw bad(`options.${name}.values.${value}`, 'a text of at most 255 characters');
      if (text.trim()) entry.values = { ...entry.values, [value]: text.trim() };
    }
    if (entry.name || entry.values) out[name] = entry;
  }
  return Object.keys(out).length ? JSON.stringify(out) : null;
}

/** Item titles by position path of one of the menu's items. */
function checkItems(raw: MenuItemTitles, items: MenuTree): string | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('items', 'an object keyed by item position ("0", "1.0")');
  const paths = new Set(menuItemPaths(items).map((x) => x.path));
  const out: MenuItemTitles = {};
  for (const [path, text] of Object.entries(raw)) {
    if (!paths.has(path)) throw bad(`items.${path}`, 'not an item of this menu');
    if (typeof text !== 'string' || text.length > 100) throw bad(`items.${path}`, 'a text of at most 100 characters');
    if (text.trim()) out[path] = text.trim();
  }
  return Object.keys(out).length ? JSON.stringify(out) : null;
}

function checkLocale(locale: string) {
  if (!LOCALE_RE.test(locale))
    throw new AppError(ErrorCode.ValidationFailed, 'locale: a language such as de or zh-CN', { details: [{ path: 'locale', message: 'invalid' }] });
}
