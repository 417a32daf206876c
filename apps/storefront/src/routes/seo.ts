/** robots.txt and the sitemap (store origin, public pages only). */
import { ArticleService, PageService } from '@storeloom/content';
import { StorefrontCatalog } from '../catalog.ts';
import type { C, Storefront } from '../context.ts';
import { hreflangAlternates, prefixOf } from '../locale.ts';
import type { StorefrontApp } from '../middleware.ts';
import { escXml } from '../pages.ts';
import type { Lang } from '../ui/i18n.ts';

export function seoRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/robots.txt', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.text(
      [
        'User-agent: *',
        'Disallow: /cart',
        'Disallow: /checkout',
        'Disallow: /account',
        'Disallow: /orders',
        'Disallow: /search',
        `Sitemap: ${sf.origin(c)}/sitemap.xml`,
        '',
      ].join('\n'),
    );
  });

  /**
   * One language: the sitemap. Several: /sitemap.xml is an index of one sitemap per language (/sitemap-de.xml),
   * each listing that language's URLs with their hreflang alternates.
   */
  app.get('/sitemap.xml', async (c) => {
    const langs = c.var.tenant.settings.languages as Lang[];
    if (langs.length < 2) return sitemap(c, langs[0] ?? 'en');
    const origin = sf.origin(c);
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${langs
      .map((l) => `<sitemap><loc>${escXml(`${origin}/sitemap-${l.toLowerCase()}.xml`)}</loc></sitemap>`)
      .join('')}</sitemapindex>`;
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body, 200, { 'Content-Type': 'application/xml; charset=utf-8' });
  });

  app.get('/:file{sitemap-[a-zA-Z-]+\\.xml}', async (c) => {
    const code = c.req.param('file').slice('sitemap-'.length, -'.xml'.length).toLowerCase();
    const lang = (c.var.tenant.settings.languages as Lang[]).find((l) => l.toLowerCase() === code);
    if (!lang) return c.notFound();
    return sitemap(c, lang);
  });

  async function sitemap(c: C, lang: Lang) {
    const origin = sf.origin(c);
    const langs = c.var.tenant.settings.languages as Lang[];
    const defaultLang = langs[0] ?? 'en';
    const [{ products, collections }, pages, articles] = await Promise.all([
      new StorefrontCatalog(c.var.tenant.t).sitemapEntries(),
      new PageService(c.var.tenant.t).list({ published: true }),
      new ArticleService(c.var.tenant.t).visible({ limit: 5000 }),
    ]);
    const url = (path: string, lastmod?: Date) =>
      `<url><loc>${escXml(`${origin}${prefixOf(lang, defaultLang)}${path === '/' && lang !== defaultLang ? '' : path}`)}</loc>${lastmod ? `<lastmod>${new Date(lastmod).toISOString()}</lastmod>` : ''}${hreflangAlternates(
        origin,
        path,
        langs,
        defaultLang,
      )
        .map((a) => `<xhtml:link rel="alternate" hreflang="${escXml(a.hreflang)}" href="${escXml(a.href)}"/>`)
        .join('')}</url>`;
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"${langs.length > 1 ? ' xmlns:xhtml="http://www.w3.org/1999/xhtml"' : ''}>${[
      url('/'),
      ...collections.map((x) => url(`/collections/${x.handle}`, x.updated_at)),
      ...products.map((x) => url(`/products/${encodeURIComponent(x.handle)}`, x.updated_at)),
      ...pages.map((x) => url(`/pages/${x.handle}`, new Date(x.updatedAt))),
      ...(articles.length ? [url('/blog')] : []),
      ...articles.map((x) => url(`/blog/${x.handle}`, new Date(x.updatedAt))),
    ].join('')}</urlset>`;
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body, 200, { 'Content-Type': 'application/xml; charset=utf-8' });
  }
}
