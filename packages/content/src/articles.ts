/**
 * The store's blog: articles with author, tags, cover image, excerpt and a
 * publish date. An article is visible to shoppers when it is published and its
 * publish date has come (a future date schedules it). Bodies are sanitised
 * with the product-description allow-list on every write.
 */
import { HANDLE_RE, slugify } from '@storeloom/catalog';
import { descriptionToText, sanitizeRichText } from '@storeloom/catalog/html';
import { type ArticlesTable, type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation, notFound } from '@storeloom/errors';
import type { Selectable } from 'kysely';
import { checkHandle, containsPattern, freeHandle } from './pages.ts';

export interface ArticleView {
  id: string;
  handle: string;
  title: string;
  body: string;
  excerpt: string;
  author: string;
  tags: string[];
  coverImageUrl: string | null;
  coverImageAlt: string | null;
  seoTitle: string | null;
  seoDescription: string | null;
  published: boolean;
  publishedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ArticleInput {
  title: string;
  body: string;
  handle?: string;
  excerpt?: string;
  author?: string;
  tags?: string[];
  coverImageUrl?: string | null;
  coverImageAlt?: string | null;
  seoTitle?: string | null;
  seoDescription?: string | null;
  published?: boolean;
  /** ISO date-time; defaults to the moment it is first published. */
  publishedAt?: string | null;
}

const view = (r: Selectable<ArticlesTable>): ArticleView => ({
  id: r.id,
  handle: r.handle,
  title: r.title,
  body: r.body_html,
  excerpt: r.excerpt,
  author: r.author,
  tags: r.tags,
  coverImageUrl: r.cover_image_url,
  coverImageAlt: r.cover_image_alt,
  seoTitle: r.seo_title,
  seoDescription: r.seo_description,
  published: r.published,
  publishedAt: r.published_at ? new Date(r.published_at).toISOString() : null,
  version: r.version,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const cleanTags = (tags: string[]) => [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))].slice(0, 50);
/** Cover images: http(s) URLs only (an uploaded one is a /media URL on the store's media origin). */
const checkCover = (url: string | null | undefined) => {
  if (url && !/^https?:\/\/\S+$/i.test(url) && !/^\/media\/\S+$/.test(url))
    throw new AppError(ErrorCode.ValidationFailed, 'coverImageUrl: an http(s) URL', { details: [{ path: 'coverImageUrl', message: 'an http(s) URL' }] });
  return url ?? null;
};
const taken = () => new AppError(ErrorCode.HandleTaken, 'An article with this handle already exists');

export class ArticleService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async create(input: ArticleInput): Promise<ArticleView> {
    const id = newId();
    const now = new Date();
    const handle = input.handle ? checkHandle(input.handle) : await freeHandle(this.t, 'articles', slugify(input.title, 'article'));
    const published = input.published ?? false;
    const body = sanitizeRichText(input.body);
    try {
      await this.t
        .insertInto('articles')
        .values({
          id,
          handle,
          title: input.title.trim(),
          body_html: body,
          // The excerpt is plain text: the first words of the body when none is given.
          excerpt: (input.excerpt ?? '').trim() || descriptionToText(body).slice(0, 280),
          author: (input.author ?? '').trim(),
          tags: JSON.stringify(cleanTags(input.tags ?? [])),
          cover_image_url: checkCover(input.coverImageUrl),
          cover_image_alt: input.coverImageAlt ?? null,
          seo_title: input.seoTitle ?? null,
          seo_description: input.seoDescription ?? null,
          published,
          published_at: input.publishedAt ? new Date(input.publishedAt) : published ? now : null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw taken();
      throw e;
    }
    return (await this.get(id)) as ArticleView;
  }

  async get(id: string): Promise<ArticleView | null> {
    const r = await this.t.selectFrom('articles').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? view(r) : null;
  }

  /** Every article for the merchant, newest first. */
  /** Newest first; `query` keeps articles whose title or handle contains it (case-insensitive). */
  async list(opts: { query?: string | undefined; limit?: number | undefined } = {}): Promise<ArticleView[]> {
    let q = this.t.selectFrom('articles').selectAll();
    if (opts.query) {
      const like = containsPattern(opts.query);
      q = q.where((eb) => eb.or([eb('title', 'ilike', like), eb('handle', 'ilike', like)]));
    }
    return (
      await q
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(Math.min(opts.limit ?? 1000, 1000))
        .execute()
    ).map(view);
  }

  /** What shoppers see: published, publish date reached, newest first; optionally one tag. */
  async visible(opts: { limit: number; offset?: number; tag?: string; now?: Date }): Promise<ArticleView[]> {
    let q = this.t
      .selectFrom('articles')
      .selectAll()
      .where('published', '=', true)
      .where('published_at', '<=', opts.now ?? new Date());
    if (opts.tag) q = q.where(sql<boolean>`tags @> ${JSON.stringify([opts.tag.toLowerCase()])}::jsonb`);
    const rows = await q
      .orderBy('published_at', 'desc')
      .orderBy('id')
      .limit(opts.limit)
      .offset(opts.offset ?? 0)
      .execute();
    return rows.map(view);
  }

  async visibleByHandle(handle: string, now = new Date()): Promise<ArticleView | null> {
    if (!HANDLE_RE.test(handle)) return null;
    const r = await this.t
      .selectFrom('articles')
      .selectAll()
      .where('handle', '=', handle)
      .where('published', '=', true)
      .where('published_at', '<=', now)
      .executeTakeFirst();
    return r ? view(r) : null;
  }

  async update(id: string, patch: Partial<ArticleInput> & { version?: number }): Promise<ArticleView> {
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.title !== undefined) set.title = patch.title.trim();
    if (patch.body !== undefined) set.body_html = sanitizeRichText(patch.body);
    if (patch.handle !== undefined) set.handle = checkHandle(patch.handle);
    if (patch.excerpt !== undefined) set.excerpt = patch.excerpt.trim();
    if (patch.author !== undefined) set.author = patch.author.trim();
    if (patch.tags !== undefined) set.tags = JSON.stringify(cleanTags(patch.tags));
    if (patch.coverImageUrl !== undefined) set.cover_image_url = checkCover(patch.coverImageUrl);
    if (patch.coverImageAlt !== undefined) set.cover_image_alt = patch.coverImageAlt;
    if (patch.seoTitle !== undefined) set.seo_title = patch.seoTitle;
    if (patch.seoDescription !== undefined) set.seo_description = patch.seoDescription;
    if (patch.publishedAt !== undefined) set.published_at = patch.publishedAt ? new Date(patch.publishedAt) : null;
    try {
      await this.t.transaction().execute(async (trx) => {
        const cur = await trx.selectFrom('articles').select(['version', 'published_at']).where('id', '=', id).forUpdate().executeTakeFirst();
        if (!cur) throw notFound('Article');
        if (patch.version !== undefined && patch.version !== cur.version)
          throw new AppError(ErrorCode.VersionConflict, 'This article was changed by someone else; reload it', { details: { currentVersion: cur.version } });
        if (patch.published !== undefined) {
          set.published = patch.published;
          if (patch.published && !cur.published_at && set.published_at == null) set.published_at = new Date();
        }
        await trx
          .updateTable('articles')
          .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
          .where('id', '=', id)
          .execute();
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw taken();
      throw e;
    }
    return (await this.get(id)) as ArticleView;
  }

  async delete(id: string): Promise<void> {
    const r = await this.t.deleteFrom('articles').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Article');
  }
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

export interface FeedContext {
  storeName: string;
  origin: string;
  /** Absolute URL of a cover image (store media paths made absolute). */
  absolute: (url: string) => string;
}

/** Atom 1.0 (RFC 4287) of the visible articles; content is the sanitised HTML, escaped. */
export function atomFeed(articles: ArticleView[], ctx: FeedContext): string {
  const self = `${ctx.origin}/blog/feed.atom`;
  // ISO-8601 UTC strings sort as the instants they name.
  const updated =
    articles
      .map((a) => a.updatedAt)
      .sort()
      .at(-1) ?? new Date(0).toISOString();
  const entries = articles.map((a) => {
    const url = `${ctx.origin}/blog/${a.handle}`;
    return [
      '<entry>',
      `<id>${xml(url)}</id>`,
      `<title>${xml(a.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${xml(url)}"/>`,
      `<published>${a.publishedAt}</published>`,
      `<updated>${a.updatedAt}</updated>`,
      `<author><name>${xml(a.author || ctx.storeName)}</name></author>`,
      ...a.tags.map((t) => `<category term="${xml(t)}"/>`),
      a.excerpt ? `<summary>${xml(a.excerpt)}</summary>` : '',
      `<content type="html">${xml(a.body)}</content>`,
      '</entry>',
    ].join('');
  });
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>${xml(`${ctx.origin}/blog`)}</id><title>${xml(`${ctx.storeName} – Blog`)}</title><link rel="self" href="${xml(self)}"/><link rel="alternate" type="text/html" href="${xml(`${ctx.origin}/blog`)}"/><updated>${updated}</updated>${entries.join('')}</feed>`;
}

/** RSS 2.0 of the same articles (readers that predate Atom). */
export function rssFeed(articles: ArticleView[], ctx: FeedContext): string {
  const items = articles.map((a) => {
    const url = `${ctx.origin}/blog/${a.handle}`;
    return [
      '<item>',
      `<title>${xml(a.title)}</title>`,
      `<link>${xml(url)}</link>`,
      `<guid isPermaLink="true">${xml(url)}</guid>`,
      a.publishedAt ? `<pubDate>${new Date(a.publishedAt).toUTCString()}</pubDate>` : '',
      a.author ? `<dc:creator>${xml(a.author)}</dc:creator>` : '',
      ...a.tags.map((t) => `<category>${xml(t)}</category>`),
      `<description>${xml(a.excerpt || a.body)}</description>`,
      a.coverImageUrl ? `<enclosure url="${xml(ctx.absolute(a.coverImageUrl))}" type="image/jpeg" length="0"/>` : '',
      '</item>',
    ].join('');
  });
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${xml(`${ctx.storeName} – Blog`)}</title><link>${xml(`${ctx.origin}/blog`)}</link><description>${xml(`News from ${ctx.storeName}`)}</description><atom:link href="${xml(`${ctx.origin}/blog/feed.rss`)}" rel="self" type="application/rss+xml"/>${items.join('')}</channel></rss>`;
}
