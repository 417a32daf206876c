/**
 * Catalogue -> search documents. Only active products are searchable; a
 * product that is missing, draft or archived is removed from the index.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from '@storeloom/db';
import type { SearchDocument } from '@storeloom/search';
import type { IndexedDoc, LocaleText, SearchDb } from './tables.ts';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Product descriptions are HTML: index their text. */
export function htmlToText(html: string): string {
  if (!html.includes('<') && !html.includes('&')) return html;
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#?\w+);/g, (m, e: string) => ENTITIES[e.toLowerCase()] ?? m)
    .replace(/\s+/g, ' ')
    .trim();
}

export function toSearchDocument(id: string, d: IndexedDoc): SearchDocument {
  return {
    id,
    title: d.title,
    description: d.description,
    ...(d.vendor ? { vendor: d.vendor } : {}),
    ...(d.productType ? { productType: d.productType } : {}),
    tags: d.tags,
    collections: d.collections,
    options: d.options,
    skus: d.skus,
  };
}

/**
 * The product's translation for `locale`: the exact locale ("de-CH") or, failing that, one of the same language
 * ("de"); undefined when there is none.
 */
export function pickTranslation(d: IndexedDoc, locale: string): LocaleText | undefined {
  const all = d.translations;
  if (!all) return undefined;
  const want = locale.toLowerCase();
  const lang = want.split('-')[0];
  let sameLanguage: LocaleText | undefined;
  for (const [key, text] of Object.entries(all)) {
    const k = key.toLowerCase();
    if (k === want) return text;
    if (!sameLanguage && k.split('-')[0] === lang) sameLanguage = text;
  }
  return sameLanguage;
}

/**
 * The product as the engine of `locale` indexes it: the translated title in the title field, the translated
 * description and option values in theirs; each part the product has not translated falls back to the
 * default-language text (a product without any translation is searchable in every locale by its original text).
 * Vendor, type, tags, collections and SKUs are the default document's.
 */
export function localeDocument(id: string, d: IndexedDoc, locale: string): SearchDocument {
  const tr = pickTranslation(d, locale);
  const base = toSearchDocument(id, d);
  if (!tr) return base;
  const options = tr.options?.length ? [...new Set([...tr.options, ...d.options])] : d.options;
  return { ...base, title: tr.title || d.title, description: tr.description || d.description, options };
}

export const docHash = (d: IndexedDoc) => createHash('sha1').update(JSON.stringify(d)).digest('base64url');

/** Builds the documents of the given products (absent ids: not searchable). One query per table. */
export async function buildDocuments(t: Kysely<SearchDb>, productIds: readonly string[]): Promise<Map<string, IndexedDoc>> {
  const out = new Map<string, IndexedDoc>();
  if (!productIds.length) return out;
  const ids = [...new Set(productIds)];
  const [products, variants, links, images, translations, ratings] = await Promise.all([
    t
      .selectFrom('products')
      .select(['id', 'handle', 'title', 'description', 'vendor', 'product_type', 'tags', 'options', 'created_at'])
      .where('id', 'in', ids)
      .where('status', '=', 'active')
      .execute(),
    t
      .selectFrom('variants')
      .select(['product_id', 'sku', 'price', 'inventory_quantity', 'option_values'])
      .where('product_id', 'in', ids)
      .orderBy('product_id')
      .orderBy('position')
      .execute(),
    t
      .selectFrom('collection_products')
      .innerJoin('collections', 'collections.id', 'collection_products.collection_id')
      .select(['collection_products.product_id', 'collections.id', 'collections.title'])
      .where('collection_products.product_id', 'in', ids)
      .execute(),
    t.selectFrom('images').select(['product_id', 'url']).where('product_id', 'in', ids).where('position', '=', 0).execute(),
    t
      .selectFrom('product_translations')
      .select(['product_id', 'locale', 'title', 'description', 'options'])
      .where('product_id', 'in', ids)
      .orderBy('product_id')
      .orderBy('locale')
      .execute(),
    // The review signal: published reviews only (pending and hidden ones never move a product).
    t
      .selectFrom('reviews')
      .select(['product_id', sql<string>`avg(rating)`.as('average'), sql<string>`count(*)`.as('count')])
      .where('product_id', 'in', ids)
      .where('status', '=', 'published')
      .groupBy('product_id')
      .execute(),
  ]);
  const group = <T extends { product_id: string }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) {
      const list = m.get(r.product_id);
      if (list) list.push(r);
      else m.set(r.product_id, [r]);
    }
    return m;
  };
  const vby = group(variants);
  const cby = group(links);
  const iby = new Map(images.map((i) => [i.product_id, i.url]));
  const tby = group(translations);
  const rby = new Map(ratings.map((r) => [r.product_id, { average: Math.round(Number(r.average) * 1000) / 1000, count: Number(r.count) }]));
  for (const p of products) {
    const vs = vby.get(p.id) ?? [];
    const cs = (cby.get(p.id) ?? []).sort((a, b) => (a.id < b.id ? -1 : 1));
    const options: string[] = [];
    const optionPairs: string[] = [];
    for (const v of vs)
      for (const [name, value] of Object.entries((v.option_values ?? {}) as Record<string, string>)) {
        if (value === 'Default Title') continue;
        if (!options.includes(value)) options.push(value);
        const pair = `${name.toLowerCase()}:${value}`;
        if (!optionPairs.includes(pair)) optionPairs.push(pair);
      }
    const prices = vs.map((v) => v.price);
    out.set(p.id, {
      handle: p.handle,
      title: p.title,
      description: htmlToText(p.description),
      vendor: p.vendor,
      productType: p.product_type,
      tags: p.tags,
      collectionIds: cs.map((c) => c.id),
      collections: cs.map((c) => c.title),
      options,
      optionPairs,
      skus: vs.map((v) => v.sku).filter((s): s is string => !!s),
      priceMin: prices.length ? Math.min(...prices) : 0,
      priceMax: prices.length ? Math.max(...prices) : 0,
      inStock: vs.some((v) => v.inventory_quantity > 0),
      createdAt: new Date(p.created_at).toISOString(),
      image: iby.get(p.id) ?? null,
      ...translatedText(tby.get(p.id) ?? []),
      ...(rby.has(p.id) ? { rating: rby.get(p.id) } : {}),
    });
  }
  return out;
}

/** Each locale's translated title, description text and option values (no translations: no `translations` key). */
function translatedText(rows: { locale: string; title: string | null; description: string | null; options: unknown }[]): {
  translations?: Record<string, LocaleText>;
} {
  const out: Record<string, LocaleText> = {};
  for (const r of rows) {
    const text: LocaleText = {};
    if (r.title) text.title = r.title;
    const description = r.description ? htmlToText(r.description) : '';
    if (description) text.description = description;
    const values: string[] = [];
    for (const o of Object.values((r.options ?? {}) as Record<string, { name?: string | null; values?: Record<string, string> }>))
      for (const v of Object.values(o.values ?? {})) if (v && !values.includes(v)) values.push(v);
    if (values.length) text.options = values;
    if (text.title || text.description || text.options) out[r.locale] = text;
  }
  return Object.keys(out).length ? { translations: out } : {};
}
