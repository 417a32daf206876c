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

export const TRANSLATABLE_KINDS = ['product', 'collection', 'page'] as const;
export type TranslatableKind = (typeof TRANSLATABLE_KINDS)[number];

/** The translatable fields of each kind, as the API names them. */
export const TRANSLATABLE_FIELDS = {
  product: ['title', 'description', 'seoTitle', 'seoDescription'],
  collection: ['title', 'description'],
  page: ['title', 'body', 'seoTitle', 'seoDescription'],
} as const satisfies Record<TranslatableKind, readonly string[]>;

export type TranslationFields = Partial<Record<'title' | 'description' | 'body' | 'seoTitle' | 'seoDescription', string | null>>;

export interface Translation {
  locale: string;
  fields: TranslationFields;
  updatedAt: string;
}

const LOCALE_RE = /^[a-z]{2}(-[A-Z]{2})?$/;
const LIMITS: Record<string, number> = { title: 255, seoTitle: 255, seoDescription: 500, description: 500_000, body: 500_000 };

/** Column of each API field, per kind's table. */
const COLUMNS: Record<string, string> = {
  title: 'title',
  description: 'description',
  body: 'body_html',
  seoTitle: 'seo_title',
  seoDescription: 'seo_description',
};
const TABLES = {
  product: { table: 'product_translations', key: 'product_id', owner: 'products' },
  collection: { table: 'collection_translations', key: 'collection_id', owner: 'collections' },
  page: { table: 'page_translations', key: 'page_id', owner: 'pages' },
} as const;

type Row = Record<string, string | Date | null>;

export class TranslationService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** Sets a locale's text for one resource (fields left out keep their value; null clears one). 404 when the resource does not exist. */
  async put(kind: TranslatableKind, id: string, locale: string, fields: TranslationFields): Promise<Translation> {
    checkLocale(locale);
    const spec = TABLES[kind];
    const values = this.columns(kind, fields);
    // Untyped across three tables; the kind map above fixes table and key names.
    const db = this.t as unknown as Kysely<Record<string, Row>>;
    const exists = await db.selectFrom(spec.owner).select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw new AppError(ErrorCode.NotFound, `${kind[0]?.toUpperCase()}${kind.slice(1)} not found`);
    const now = new Date();
    await db
      .insertInto(spec.table)
      .values({ [spec.key]: id, locale, ...values, updated_at: now })
      .onConflict((oc) => oc.columns([spec.key, 'locale']).doUpdateSet({ ...values, updated_at: now }))
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
    const db = this.t as unknown as Kysely<Record<string, Row>>;
    const exists = await db.selectFrom(spec.owner).select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw new AppError(ErrorCode.NotFound, `${kind[0]?.toUpperCase()}${kind.slice(1)} not found`);
    const rows = await db.selectFrom(spec.table).selectAll().where(spec.key, '=', id).orderBy('locale').execute();
    return rows.map((r) => this.view(kind, r));
  }

  async remove(kind: TranslatableKind, id: string, locale: string): Promise<boolean> {
    checkLocale(locale);
    const spec = TABLES[kind];
    const db = this.t as unknown as Kysely<Record<string, Row>>;
    const r = await db.deleteFrom(spec.table).where(spec.key, '=', id).where('locale', '=', locale).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** One locale's fields for many resources of a kind (what a page overlays on the originals), in one statement. */
  async overlay(kind: TranslatableKind, ids: readonly string[], locale: string): Promise<Map<string, TranslationFields>> {
    if (!ids.length || !LOCALE_RE.test(locale)) return new Map();
    const spec = TABLES[kind];
    const db = this.t as unknown as Kysely<Record<string, Row>>;
    const rows = await db
      .selectFrom(spec.table)
      .selectAll()
      .where(spec.key, 'in', [...new Set(ids)])
      .where('locale', '=', locale)
      .execute();
    return new Map(rows.map((r) => [r[spec.key] as string, this.view(kind, r).fields]));
  }

  /**
   * Every translatable text of the store for one locale as CSV: `type, id, handle, field, original, translation`.
   * A translator fills in the last column; `import` reads the same layout back.
   */
  async exportCsv(locale: string): Promise<string> {
    checkLocale(locale);
    const [products, collections, pages, pt, ct, gt] = await Promise.all([
      this.t.selectFrom('products').select(['id', 'handle', 'title', 'description', 'seo_title', 'seo_description']).orderBy('handle').execute(),
      this.t.selectFrom('collections').select(['id', 'handle', 'title', 'description']).orderBy('handle').execute(),
      this.t.selectFrom('pages').select(['id', 'handle', 'title', 'body_html', 'seo_title', 'seo_description']).orderBy('handle').execute(),
      this.t.selectFrom('product_translations').selectAll().where('locale', '=', locale).execute(),
      this.t.selectFrom('collection_translations').selectAll().where('locale', '=', locale).execute(),
      this.t.selectFrom('page_translations').selectAll().where('locale', '=', locale).execute(),
    ]);
    const rows: unknown[][] = [['type', 'id', 'handle', 'field', 'original', 'translation']];
    const add = (kind: TranslatableKind, r: Row, tr: Row | undefined) => {
      for (const field of TRANSLATABLE_FIELDS[kind]) {
        const col = COLUMNS[field] as string;
        rows.push([kind, r.id, r.handle, field, r[col] ?? '', tr?.[col] ?? '']);
      }
    };
    const by = (xs: Row[], key: string) => new Map(xs.map((x) => [x[key] as string, x]));
    const [pm, cm, gm] = [by(pt as Row[], 'product_id'), by(ct as Row[], 'collection_id'), by(gt as Row[], 'page_id')];
    for (const p of products as Row[]) add('product', p, pm.get(p.id as string));
    for (const c of collections as Row[]) add('collection', c, cm.get(c.id as string));
    for (const p of pages as Row[]) add('page', p, gm.get(p.id as string));
    return toCsv(rows);
  }

  /**
   * Reads the export's layout back: each non-empty translation cell sets that field (an empty cell leaves the
   * field as it is). All or nothing: any bad row refuses the whole file with every problem listed.
   */
  async importCsv(locale: string, csv: string): Promise<{ updated: number }> {
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
      if (!(TRANSLATABLE_FIELDS[kind] as readonly string[]).includes(field)) {
        problem(`a ${kind} has no field "${field}"`);
        continue;
      }
      if (!/^[0-9a-f-]{36}$/i.test(id)) {
        problem('id is not one of this store’s');
        continue;
      }
      const key = `${kind}:${id}`;
      const u = updates.get(key) ?? { kind, id, fields: {} };
      u.fields[field as keyof TranslationFields] = value;
      updates.set(key, u);
    }
    if (problems.length) throw new AppError(ErrorCode.ValidationFailed, `${problems.length} rows could not be read`, { details: problems.slice(0, 50) });
    await this.t.transaction().execute(async (tx) => {
      const inTx = new TranslationService(tx);
      for (const u of updates.values()) {
        try {
          await inTx.put(u.kind, u.id, locale, u.fields);
        } catch (e) {
          if (e instanceof AppError && e.code === ErrorCode.NotFound)
            throw new AppError(ErrorCode.ValidationFailed, `${u.kind} ${u.id} is not one of this store’s`);
          throw e;
        }
      }
    });
    return { updated: updates.size };
  }

  private columns(kind: TranslatableKind, fields: TranslationFields): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const [field, raw] of Object.entries(fields)) {
      if (raw === undefined) continue;
      if (!(TRANSLATABLE_FIELDS[kind] as readonly string[]).includes(field))
        throw new AppError(ErrorCode.ValidationFailed, `${field}: not a translatable field of a ${kind}`, { details: [{ path: field, message: 'unknown' }] });
      let value = raw === null ? null : raw.trim() === '' ? null : raw;
      if (value !== null && value.length > (LIMITS[field] ?? 255))
        throw new AppError(ErrorCode.ValidationFailed, `${field}: at most ${LIMITS[field]} characters`, { details: [{ path: field, message: 'too long' }] });
      if (value !== null && field === 'description') value = cleanDescription(value);
      if (value !== null && field === 'body') value = sanitizeRichText(value);
      if (value !== null && (field === 'title' || field === 'seoTitle' || field === 'seoDescription')) value = value.trim();
      out[COLUMNS[field] as string] = value;
    }
    return out;
  }

  private view(kind: TranslatableKind, r: Row): Translation {
    const fields: TranslationFields = {};
    for (const field of TRANSLATABLE_FIELDS[kind]) fields[field] = (r[COLUMNS[field] as string] as string | null) ?? null;
    return { locale: r.locale as string, fields, updatedAt: new Date(r.updated_at as Date).toISOString() };
  }
}

function checkLocale(locale: string) {
  if (!LOCALE_RE.test(locale))
    throw new AppError(ErrorCode.ValidationFailed, 'locale: a language such as de or zh-CN', { details: [{ path: 'locale', message: 'invalid' }] });
}
