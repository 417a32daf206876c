/** robots.txt and the sitemap (store origin, public pages only). */
import { ArticleService, PageService } from '@storeloom/content';
import { StorefrontCatalog } from '../catalog.ts';
import type { Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';
import { escXml } from '../pages.ts';

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

  app.get('/sitemap.xml', async (c) => {
    const origin = sf.origin(c);
    const [{ products, collections }, pages, articles] = await Promise.all([
      new StorefrontCatalog(c.var.tenant.t).sitemapEntries(),
      new PageService(c.var.tenant.t).list({ published: true }),
      new ArticleService(c.var.tenant.t).visible({ limit: 5000 }),
    ]);
    const url = (loc: string, lastmod?: Date) =>
      `<url><loc>${escXml(loc)}</loc>${lastmod ? `<lastmod>${new Date(lastmod).toISOString()}</lastmod>` : ''}</url>`;
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${[
      url(`${origin}/`),
      ...collections.map((x) => url(`${origin}/collections/${x.handle}`, x.updated_at)),
      ...products.map((x) => url(`${origin}/products/${encodeURIComponent(x.handle)}`, x.updated_at)),
      ...pages.map((x) => url(`${origin}/pages/${x.handle}`, new Date(x.updatedAt))),
      ...(articles.length ? [url(`${origin}/blog`)] : []),
      ...articles.map((x) => url(`${origin}/blog/${x.handle}`, new Date(x.updatedAt))),
    ].join('')}</urlset>`;
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body, 200, { 'Content-Type': 'application/xml; charset=utf-8' });
  });
}
