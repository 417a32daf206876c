/**
 * Theme previews (issue 20): a request carrying a valid `?theme_preview=`
 * token (signed by the control plane for this store, short-lived) sees the
 * store's draft layouts. Such responses are never cached or indexed, and may
 * be framed by the console origin only (the editor's live preview iframe);
 * every other page keeps `frame-ancestors 'none'`. Without a valid token a
 * request is a shopper's and gets the published layouts.
 */
import { THEME_PREVIEW_PARAM, ThemeLayoutService, ThemeSettingsService, verifyThemePreview } from '@storeloom/content';
import type { Layout, ThemeSettings, ThemeTemplate } from '@storeloom/theme';
import type { MiddlewareHandler } from 'hono';
import type { C, Storefront, StorefrontEnv } from './context.ts';
import { storeMediaPath } from './ui/media.ts';

const previews = new WeakSet<Request>();

/** This request shows drafts (a valid preview token for its store). */
export const isThemePreview = (c: C | { req: { raw: Request } }) => previews.has(c.req.raw);

export function themePreview(sf: Storefront): MiddlewareHandler<StorefrontEnv> {
  const frameAncestors = `frame-ancestors ${new URL(sf.opts.consoleOrigin ?? 'http://localhost:3000').origin}`;
  return async (c, next) => {
    const token = c.req.query(THEME_PREVIEW_PARAM);
    if (token === undefined) return next();
    if (!verifyThemePreview(sf.secret, c.var.tenant.store.id, token)) return next();
    previews.add(c.req.raw);
    await next();
    c.res.headers.set('Cache-Control', 'private, no-store');
    c.res.headers.set('X-Robots-Tag', 'noindex');
    c.res.headers.delete('ETag');
    const csp = c.res.headers.get('Content-Security-Policy');
    if (csp) c.res.headers.set('Content-Security-Policy', csp.replace("frame-ancestors 'none'", frameAncestors));
  };
}

/** The layout a page renders: the draft in a preview, else the published one; null: the template's default page. */
export async function layoutFor(c: C, template: ThemeTemplate): Promise<Layout | null> {
  if (isThemePreview(c)) return (await new ThemeLayoutService(c.var.tenant.t).draftLayouts())[template] ?? null;
  return c.var.tenant.content.layouts[template] ?? null;
}

/**
 * The theme settings a page is drawn with: the draft in a preview, else the published ones (the tenant cache's),
 * with the favicon as a path on the store (uploaded media is served from the store's own /media).
 */
export async function themeFor(c: C): Promise<ThemeSettings> {
  const { tenant } = c.var;
  const theme = isThemePreview(c) ? await new ThemeSettingsService(tenant.t).draftTheme() : tenant.settings.theme;
  return theme.faviconUrl ? { ...theme, faviconUrl: storeMediaPath(theme.faviconUrl, tenant.store.id) } : theme;
}
