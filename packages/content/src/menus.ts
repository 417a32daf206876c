/**
 * Navigation menus: one model for every menu (the storefront renders the
 * `main-menu` handle in the header and `footer` in the footer). Items nest up
 * to three levels and point at a collection, product, page or article by id
 * (so renaming a handle never breaks a link), at a policy by kind, at the blog,
 * home or search, or at a URL (http(s) or a path on the store). Links are
 * resolved when the storefront loads the store: an item whose target is gone,
 * a draft or unpublished is left out of what shoppers see.
 */
import { HANDLE_RE } from '@storeloom/catalog';
import { isUuid, type Kysely, type MenuItemRow, type MenusTable, newId, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation, notFound } from '@storeloom/errors';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { POLICY_HANDLES, POLICY_KINDS } from './policies.ts';

export const MENU_ITEM_TYPES = ['collection', 'product', 'page', 'article', 'blog', 'policy', 'home', 'search', 'url'] as const;
export const MAX_MENU_DEPTH = 3;
export const MAX_MENU_ITEMS = 250;
/** The menus the storefront chrome renders. */
export const HEADER_MENU = 'main-menu';
export const FOOTER_MENU = 'footer';

export type MenuItem = MenuItemRow;
export const menuItemSchema: z.ZodType<MenuItem> = z.lazy(() =>
  z.object({
    title: z.string().trim().min(1).max(100),
    type: z.enum(MENU_ITEM_TYPES),
    target: z.string().max(2000).optional(),
    items: z.array(menuItemSchema).max(50).optional(),
  }),
);

export interface MenuView {
  id: string;
  handle: string;
  title: string;
  items: MenuItem[];
  version: number;
  updatedAt: string;
}

/** A menu item as shoppers get it: a resolved link. */
export interface MenuLink {
  title: string;
  url: string;
  items: MenuLink[];
}

const view = (r: Selectable<MenusTable>): MenuView => ({
  id: r.id,
  handle: r.handle,
  title: r.title,
  items: r.items,
  version: r.version,
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** A URL item: absolute http(s), or a path on the store (never `javascript:`, `//host` or other schemes). */
const SAFE_URL_RE = /^(https?:\/\/[^\s]+|\/(?!\/)[^\s]*)$/i;

/** Structural rules the schema cannot say: depth, total size, each type's target. */
export function checkMenuItems(items: MenuItem[]): MenuItem[] {
  const details: { path: string; message: string }[] = [];
  let count = 0;
  const walk = (list: MenuItem[], depth: number, path: string): MenuItem[] =>
    list.map((it, i) => {
      const p = `${path}[${i}]`;
      count++;
      if (depth > MAX_MENU_DEPTH) details.push({ path: p, message: `menus nest at most ${MAX_MENU_DEPTH} levels` });
      const needsId = it.type === 'collection' || it.type === 'product' || it.type === 'page' || it.type === 'article';
      if (needsId && !isUuid(it.target ?? '')) details.push({ path: `${p}.target`, message: `the ${it.type}'s id` });
      if (it.type === 'policy' && !POLICY_KINDS.includes(it.target as never))
        details.push({ path: `${p}.target`, message: `one of ${POLICY_KINDS.join(', ')}` });
      if (it.type === 'url' && !SAFE_URL_RE.test(it.target ?? '')) details.push({ path: `${p}.target`, message: 'an http(s) URL or a path starting with /' });
      const out: MenuItem = { title: it.title, type: it.type };
      if (it.target !== undefined && !['blog', 'home', 'search'].includes(it.type)) out.target = it.target;
      if (it.items?.length) out.items = walk(it.items, depth + 1, `${p}.items`);
      return out;
    });
  const clean = walk(items, 1, 'items');
  if (count > MAX_MENU_ITEMS) details.push({ path: 'items', message: `at most ${MAX_MENU_ITEMS} items in a menu` });
  if (details.length) throw new AppError(ErrorCode.ValidationFailed, `Menu: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details });
  return clean;
}

function checkMenuHandle(handle: string): string {
  if (!HANDLE_RE.test(handle) || handle.length > 100)
    throw new AppError(ErrorCode.ValidationFailed, 'handle: lower-case letters, digits and single hyphens', {
      details: [{ path: 'handle', message: 'invalid' }],
    });
  return handle;
}

export class MenuService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async list(): Promise<MenuView[]> {
    return (await this.t.selectFrom('menus').selectAll().orderBy('handle').execute()).map(view);
  }

  async get(id: string): Promise<MenuView | null> {
    if (!isUuid(id)) return null;
    const r = await this.t.selectFrom('menus').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? view(r) : null;
  }

  async create(input: { handle: string; title: string; items: MenuItem[] }): Promise<MenuView> {
    const id = newId();
    const now = new Date();
    try {
      await this.t
        .insertInto('menus')
        .values({
          id,
          handle: checkMenuHandle(input.handle),
          title: input.title.trim(),
          items: JSON.stringify(checkMenuItems(input.items)),
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.HandleTaken, 'A menu with this handle already exists');
      throw e;
    }
    return (await this.get(id)) as MenuView;
  }

  /** Replaces what is given (`version` guards against overwriting someone else's edit). */
  async update(id: string, patch: { handle?: string; title?: string; items?: MenuItem[]; version?: number }): Promise<MenuView> {
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.handle !== undefined) set.handle = checkMenuHandle(patch.handle);
    if (patch.title !== undefined) set.title = patch.title.trim();
    if (patch.items !== undefined) set.items = JSON.stringify(checkMenuItems(patch.items));
    try {
      await this.t.transaction().execute(async (trx) => {
        const cur = await trx.selectFrom('menus').select('version').where('id', '=', id).forUpdate().executeTakeFirst();
        if (!cur) throw notFound('Menu');
        if (patch.version !== undefined && cur.version !== patch.version)
          throw new AppError(ErrorCode.VersionConflict, 'This menu was changed by someone else; reload it', { details: { currentVersion: cur.version } });
        await trx
          .updateTable('menus')
          .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
          .where('id', '=', id)
          .execute();
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.HandleTaken, 'A menu with this handle already exists');
      throw e;
    }
    return (await this.get(id)) as MenuView;
  }

  async delete(id: string): Promise<void> {
    const r = await this.t.deleteFrom('menus').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Menu');
  }

  /**
   * The header and footer menus as links, each target looked up once (four
   * queries at most, for every menu together). Unresolvable items are dropped
   * with their children.
   */
  async resolved(handles: string[] = [HEADER_MENU, FOOTER_MENU]): Promise<Record<string, MenuLink[]>> {
    return (await this.resolvedInLocales(handles, false)).original;
  }

  /**
   * The menus as links in the original text and, per locale with a translation, with the translated item titles
   * (the same links; an item without a translated title keeps the original). One statement more than `resolved`.
   */
  async resolvedInLocales(
    handles: string[] = [HEADER_MENU, FOOTER_MENU],
    translated = true,
  ): Promise<{ original: Record<string, MenuLink[]>; byLocale: Record<string, Record<string, MenuLink[]>> }> {
    const menus = await this.t.selectFrom('menus').select(['id', 'handle', 'items']).where('handle', 'in', handles).execute();
    const translations =
      translated && menus.length
        ? await this.t
            .selectFrom('menu_translations')
            .select(['menu_id', 'locale', 'items'])
            .where(
              'menu_id',
              'in',
              menus.map((m) => m.id),
            )
            .execute()
        : [];
    const ids: Record<'collection' | 'product' | 'page' | 'article', Set<string>> = {
      collection: new Set(),
      product: new Set(),
      page: new Set(),
      article: new Set(),
    };
    let policyItems = false;
    const collect = (list: MenuItem[]) => {
      for (const it of list) {
        if (it.type === 'policy') policyItems = true;
        if (it.type in ids && it.target && isUuid(it.target)) ids[it.type as keyof typeof ids].add(it.target);
        if (it.items) collect(it.items);
      }
    };
    for (const m of menus) collect(m.items);
    const handleMap = async (table: 'collections' | 'products' | 'pages' | 'articles', set: Set<string>) => {
      if (!set.size) return new Map<string, string>();
      let q = this.t
        .selectFrom(table)
        .select(['id', 'handle'])
        .where('id', 'in', [...set]);
      if (table === 'products') q = q.where('status', '=', 'active');
      if (table === 'pages') q = q.where('published', '=', true);
      if (table === 'articles') q = q.where('published', '=', true).where('published_at', '<=', new Date());
      return new Map((await q.execute()).map((r) => [r.id, r.handle]));
    };
    const publishedPolicies = async () =>
      policyItems
        ? new Set((await this.t.selectFrom('policies').select('kind').where('published', '=', true).execute()).map((r) => r.kind as string))
        : new Set<string>();
    const [collections, products, pages, articles, policies] = await Promise.all([
      handleMap('collections', ids.collection),
      handleMap('products', ids.product),
      handleMap('pages', ids.page),
      handleMap('articles', ids.article),
      publishedPolicies(),
    ]);
    const url = (it: MenuItem): string | null => {
      const t = it.target ?? '';
      switch (it.type) {
        case 'home':
          return '/';
        case 'search':
          return '/search';
        case 'blog':
          return '/blog';
        case 'url':
          return SAFE_URL_RE.test(t) ? t : null;
        case 'policy':
          return policies.has(t) ? `/policies/${POLICY_HANDLES[t as (typeof POLICY_KINDS)[number]]}` : null;
        case 'collection':
          return collections.has(t) ? `/collections/${collections.get(t)}` : null;
        case 'product':
          return products.has(t) ? `/products/${encodeURIComponent(products.get(t) as string)}` : null;
        case 'page':
          return pages.has(t) ? `/pages/${pages.get(t)}` : null;
        case 'article':
          return articles.has(t) ? `/blog/${articles.get(t)}` : null;
      }
    };
    // Titles by position path ("0", "1.0"), as the menu's translations key them.
    const resolve = (list: MenuItem[], titles: Record<string, string> = {}, prefix = ''): MenuLink[] =>
      list.flatMap((it, i) => {
        const path = prefix ? `${prefix}.${i}` : String(i);
        const u = url(it);
        return u ? [{ title: titles[path] ?? it.title, url: u, items: resolve(it.items ?? [], titles, path) }] : [];
      });
    const byLocale: Record<string, Record<string, MenuLink[]>> = {};
    for (const tr of translations) {
      const menu = menus.find((m) => m.id === tr.menu_id);
      if (!menu || !tr.items) continue;
      byLocale[tr.locale] = { ...byLocale[tr.locale], [menu.handle]: resolve(menu.items, tr.items) };
    }
    const original = Object.fromEntries(menus.map((m) => [m.handle, resolve(m.items)]));
    for (const locale of Object.keys(byLocale)) byLocale[locale] = { ...original, ...byLocale[locale] };
    return { original, byLocale };
  }
}
