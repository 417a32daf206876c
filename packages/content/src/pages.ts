/**
 * Merchant pages (About, FAQ, …): rich HTML sanitised on every write with the
 * product-description allow-list (@storeloom/catalog/html), SEO fields, a URL
 * handle, and draft/published. Shoppers only ever get published pages.
 */
import { HANDLE_RE, slugify } from '@storeloom/catalog';
import { sanitizeRichText } from '@storeloom/catalog/html';
import { type Kysely, newId, type PagesTable, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation, notFound } from '@storeloom/errors';
import type { Selectable } from 'kysely';

export interface PageView {
  id: string;
  handle: string;
  title: string;
  body: string;
  seoTitle: string | null;
  seoDescription: string | null;
  published: boolean;
  publishedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PageInput {
  title: string;
  body: string;
  handle?: string;
  published?: boolean;
  seoTitle?: string | null;
  seoDescription?: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const pageView = (r: Selectable<PagesTable>): PageView => ({
  id: r.id,
  handle: r.handle,
  title: r.title,
  body: r.body_html,
  seoTitle: r.seo_title,
  seoDescription: r.seo_description,
  published: r.published,
  publishedAt: iso(r.published_at),
  version: r.version,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** An ILIKE pattern for "contains `text`", with LIKE's own characters escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

export function checkHandle(handle: string): string {
  if (!HANDLE_RE.test(handle) || handle.length > 255)
    throw new AppError(ErrorCode.ValidationFailed, 'handle: lower-case letters, digits and single hyphens', {
      details: [{ path: 'handle', message: 'invalid handle' }],
    });
  return handle;
}

/** `base`, or `base-2`, `base-3`… the first handle no row of `table` has. */
export async function freeHandle(t: Kysely<TenantDatabase>, table: 'pages' | 'articles', base: string): Promise<string> {
  const taken = new Set(
    (
      await t
        .selectFrom(table)
        .select('handle')
        .where((eb) => eb.or([eb('handle', '=', base), eb('handle', 'like', `${base}-%`)]))
        .execute()
    ).map((r) => r.handle),
  );
  let handle = base;
  for (let i = 2; taken.has(handle); i++) handle = `${base}-${i}`;
  return handle;
}

const taken = () => new AppError(ErrorCode.HandleTaken, 'A page with this handle already exists');

export class PageService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async create(input: PageInput): Promise<PageView> {
    const id = newId();
    const now = new Date();
    const handle = input.handle ? checkHandle(input.handle) : await freeHandle(this.t, 'pages', slugify(input.title, 'page'));
    const published = input.published ?? false;
    try {
      await this.t
        .insertInto('pages')
        .values({
          id,
          handle,
          title: input.title.trim(),
          body_html: sanitizeRichText(input.body),
          seo_title: input.seoTitle ?? null,
          seo_description: input.seoDescription ?? null,
          published,
          published_at: published ? now : null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw taken();
      throw e;
    }
    return (await this.get(id)) as PageView;
  }

  async get(id: string): Promise<PageView | null> {
    const r = await this.t.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? pageView(r) : null;
  }

  /** Every page, newest first (a store has tens, not thousands). */
  /** Newest first; `query` keeps pages whose title or handle contains it (case-insensitive). */
  async list(opts: { published?: boolean; query?: string | undefined; limit?: number | undefined } = {}): Promise<PageView[]> {
    let q = this.t.selectFrom('pages').selectAll();
    if (opts.published !== undefined) q = q.where('published', '=', opts.published);
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
    ).map(pageView);
  }

  /** What a shopper may see at /pages/<handle>: published only. */
  async published(handle: string): Promise<PageView | null> {
    if (!HANDLE_RE.test(handle)) return null;
    const r = await this.t.selectFrom('pages').selectAll().where('handle', '=', handle).where('published', '=', true).executeTakeFirst();
    return r ? pageView(r) : null;
  }

  async update(id: string, patch: Partial<PageInput> & { version?: number }): Promise<PageView> {
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.title !== undefined) set.title = patch.title.trim();
    if (patch.body !== undefined) set.body_html = sanitizeRichText(patch.body);
    if (patch.handle !== undefined) set.handle = checkHandle(patch.handle);
    if (patch.seoTitle !== undefined) set.seo_title = patch.seoTitle;
    if (patch.seoDescription !== undefined) set.seo_description = patch.seoDescription;
    try {
      const r = await this.t.transaction().execute(async (trx) => {
        const cur = await trx.selectFrom('pages').select(['version', 'published', 'published_at']).where('id', '=', id).forUpdate().executeTakeFirst();
        if (!cur) throw notFound('Page');
        if (patch.version !== undefined && patch.version !== cur.version)
          throw new AppError(ErrorCode.VersionConflict, 'This page was changed by someone else; reload it', { details: { currentVersion: cur.version } });
        if (patch.published !== undefined) {
          set.published = patch.published;
          // The first publication date stays when a page is re-published.
          if (patch.published && !cur.published_at) set.published_at = new Date();
        }
        return trx
          .updateTable('pages')
          .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
          .where('id', '=', id)
          .executeTakeFirst();
      });
      if (Number(r.numUpdatedRows) === 0) throw notFound('Page');
    } catch (e) {
      if (isUniqueViolation(e)) throw taken();
      throw e;
    }
    return (await this.get(id)) as PageView;
  }

  async delete(id: string): Promise<void> {
    const r = await this.t.deleteFrom('pages').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Page');
  }
}
