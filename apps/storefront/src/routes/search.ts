/** The search page (engine behind the ProductSearch seam). */
import type { Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';

export function searchRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/search', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      const q = (c.req.query('q') ?? '').trim().slice(0, 200);
      const collectionHandle = c.req.query('collection') ?? '';
      const sortParam = c.req.query('sort');
      const sort = sortParam === 'price-asc' || sortParam === 'price-desc' ? sortParam : 'relevance';
      const inStock = c.req.query('inStock') === '1';
      const exact = c.req.query('exact') === '1';
      const collection = tenant.collections.find((x) => x.handle === collectionHandle) ?? null;
      const r = await sf.searchFor(tenant).search(q, { collection, inStock, sort }, c.req.query('cursor') ?? null, {
        record: c.var.consent?.granted.analytics ?? false,
        locale: c.var.lang,
        exact,
      });
      const t = sf.t(c);
      return sf.pages.render(
        c,
        {
          page: 'search',
          q,
          results: r.items,
          total: r.total,
          collections: r.facets.collections,
          corrected: r.corrected ?? null,
          filters: { collection: collection?.handle ?? '', sort, inStock, exact },
          nextCursor: r.nextCursor,
        },
        {
          title: `${q ? `${q} – ` : ''}${t('search')} – ${tenant.store.name}`,
          description: tenant.store.name,
          canonical: `${sf.origin(c)}/search`,
          noindex: true,
        },
        { count },
      );
    }),
  );
}
