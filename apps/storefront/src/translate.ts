/**
 * Store content in the shopper's language: the merchant's translations (TranslationService in @storeloom/catalog)
 * over the originals, field by field, falling back to the original where a field has none. Nothing is read when
 * the page is in the store's default language.
 */
import { descriptionToHtml, type TranslationFields, TranslationService } from '@storeloom/catalog';
import { mapPageCards, pageCards } from './page-cards.ts';
import type { C } from './context.ts';
import type { Card, PageData } from './ui/types.ts';

/** The locale to translate into, or null when the page is in the store's default language (the originals). */
export function translationLocale(c: C): string | null {
  const defaultLang = c.var.tenant.settings.languages[0] ?? 'en';
  return c.var.lang === defaultLang ? null : c.var.lang;
}

type ProductOptionData = { name: string; values: string[]; label?: string; valueLabels?: Record<string, string> };

export async function translatedProduct<
  P extends {
    id: string;
    title: string;
    description: string;
    descriptionHtml: string;
    seoTitle: string | null;
    seoDescription: string | null;
    options: ProductOptionData[];
  },
>(c: C, p: P): Promise<P> {
  const locale = translationLocale(c);
  if (!locale) return p;
  const tr = (await new TranslationService(c.var.tenant.t).overlay('product', [p.id], locale)).get(p.id);
  if (!tr) return p;
  const description = tr.description ?? null;
  const options = tr.options ?? {};
  return {
    ...p,
    title: tr.title ?? p.title,
    ...(description ? { description, descriptionHtml: descriptionToHtml(description) } : {}),
    seoTitle: tr.seoTitle ?? p.seoTitle,
    seoDescription: tr.seoDescription ?? p.seoDescription,
    // Option names and values shown in the language; variants keep matching on the original values.
    options: p.options.map((o) => {
      const t = options[o.name];
      return t ? { ...o, ...(t.name ? { label: t.name } : {}), ...(t.values ? { valueLabels: t.values } : {}) } : o;
    }),
  };
}

/** Blog articles (cards and the article page) in the shopper's language, field by field over the originals. */
export async function translatedArticles<
  A extends { id: string; title: string; body: string; excerpt: string; seoTitle: string | null; seoDescription: string | null },
>(c: C, articles: A[]): Promise<A[]> {
  const locale = translationLocale(c);
  if (!locale || !articles.length) return articles;
  const trs = await new TranslationService(c.var.tenant.t).overlay(
    'article',
    articles.map((a) => a.id),
    locale,
  );
  return articles.map((a) => {
    const tr = trs.get(a.id);
    return tr
      ? {
          ...a,
          title: tr.title ?? a.title,
          body: tr.body ?? a.body,
          excerpt: tr.excerpt ?? a.excerpt,
          seoTitle: tr.seoTitle ?? a.seoTitle,
          seoDescription: tr.seoDescription ?? a.seoDescription,
        }
      : a;
  });
}

export async function translatedCollection<R extends { id: string; title: string; description: string }>(c: C, ref: R): Promise<R> {
  const locale = translationLocale(c);
  if (!locale) return ref;
  const tr = (await new TranslationService(c.var.tenant.t).overlay('collection', [ref.id], locale)).get(ref.id);
  return tr ? { ...ref, title: tr.title ?? ref.title, description: tr.description ?? ref.description } : ref;
}

export async function translatedPage<G extends { id: string; title: string; body: string; seoTitle: string | null; seoDescription: string | null }>(
  c: C,
  page: G,
): Promise<G> {
  const locale = translationLocale(c);
  if (!locale) return page;
  const tr = (await new TranslationService(c.var.tenant.t).overlay('page', [page.id], locale)).get(page.id);
  return tr
    ? {
        ...page,
        title: tr.title ?? page.title,
        body: tr.body ?? page.body,
        seoTitle: tr.seoTitle ?? page.seoTitle,
        seoDescription: tr.seoDescription ?? page.seoDescription,
      }
    : page;
}

/** Product cards' titles and the home page's collection titles in the shopper's language (two statements at most). */
export async function pageInLanguage(c: C, data: PageData): Promise<PageData> {
  const locale = translationLocale(c);
  if (!locale) return data;
  const cards = pageCards(data);
  const service = new TranslationService(c.var.tenant.t);
  const [products, collections] = await Promise.all([
    service.overlay(
      'product',
      cards.map((x) => x.id),
      locale,
    ),
    data.page === 'home'
      ? service.overlay(
          'collection',
          c.var.tenant.collections.filter((x) => data.collections.some((h) => h.handle === x.handle)).map((x) => x.id),
          locale,
        )
      : Promise.resolve(new Map<string, TranslationFields>()),
  ]);
  if (!products.size && !collections.size) return data;
  const translated = mapPageCards(data, (x: Card): Card => ({ ...x, title: products.get(x.id)?.title ?? x.title }));
  if (translated.page !== 'home' || !collections.size) return translated;
  const idOf = new Map(c.var.tenant.collections.map((x) => [x.handle, x.id]));
  return {
    ...translated,
    collections: translated.collections.map((h) => ({ ...h, title: collections.get(idOf.get(h.handle) ?? '')?.title ?? h.title })),
  };
}
