/** Collection and product pages (cached per store, language, cart size and URL). */
import { templateSections } from '../sections.ts';
import { descriptionToText, isProductHandle, normaliseHandle } from '@storeloom/catalog';
import { ReviewService } from '@storeloom/content';
import { toDecimalString } from '@storeloom/money';
import { StorefrontCatalog } from '../catalog.ts';
import type { Storefront } from '../context.ts';
import { absoluteMedia } from '../media.ts';
import type { StorefrontApp } from '../middleware.ts';
import { taxNote } from '../market.ts';
import { translatedCollection, translatedProduct } from '../translate.ts';
import { breadcrumbs } from '../pages.ts';

const HANDLE_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const COLLECTION_PAGE = 24;

export function catalogRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/collections/:handle', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      const handle = c.req.param('handle');
      const original = HANDLE_RE.test(handle) ? tenant.collections.find((x) => x.handle === handle) : undefined;
      if (!original) return sf.pages.notFound(c, count);
      const ref = await translatedCollection(c, original);
      const pageNumber = Math.max(1, Math.min(1000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
      const cards = await new StorefrontCatalog(tenant.t).inCollection(ref.id, COLLECTION_PAGE + 1, (pageNumber - 1) * COLLECTION_PAGE);
      if (pageNumber > 1 && cards.length === 0) return sf.pages.notFound(c, count);
      const origin = sf.origin(c);
      const t = sf.t(c);
      const canonical = `${origin}/collections/${ref.handle}${pageNumber > 1 ? `?page=${pageNumber}` : ''}`;
      return sf.pages.render(
        c,
        {
          page: 'collection',
          collection: { handle: ref.handle, title: ref.title, description: ref.description },
          products: cards.slice(0, COLLECTION_PAGE),
          pageNumber,
          hasNext: cards.length > COLLECTION_PAGE,
          ...(await templateSections(c, sf, 'collection')),
        },
        {
          title: `${ref.title} – ${tenant.store.name}`,
          description: (ref.description || `${ref.title} · ${tenant.store.name}`).slice(0, 160),
          canonical,
          jsonLd: [
            breadcrumbs([
              { name: t('home'), url: `${origin}/` },
              { name: ref.title, url: `${origin}/collections/${ref.handle}` },
            ]),
          ],
        },
        { count },
      );
    }),
  );

  app.get('/products/:handle', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      // Handles may be non-ASCII (Shopify's Japanese handles); browsers send them percent-encoded.
      const handle = normaliseHandle(c.req.param('handle'));
      const original = isProductHandle(handle)
        ? await new StorefrontCatalog(tenant.t).product(handle, { mayHaveModels: (id) => tenant.content.modelProductIds.has(id) })
        : null;
      const product = original ? await translatedProduct(c, original) : null;
      if (!product?.variants.length) return sf.pages.notFound(c, count);
      const wanted = c.req.query('variant');
      const selected = product.variants.find((v) => v.id === wanted) ?? product.variants.find((v) => v.available > 0) ?? product.variants[0];
      // Only products with published reviews (the tenant cache's list) cost the lookup.
      const [related, reviews] = await Promise.all([
        sf.recoFor(tenant).alsoBought(product.id, 4),
        tenant.content.reviewedProductIds.has(product.id) ? new ReviewService(tenant.t).forProductPage(product.id, 10) : null,
      ]);
      const collection = tenant.collections.find((x) => product.collectionIds.includes(x.id)) ?? null;
      const origin = sf.origin(c);
      const url = `${origin}/products/${encodeURIComponent(product.handle)}`;
      const t = sf.t(c);
      const decimal = (n: number) => toDecimalString(n, tenant.store.currency);
      const { collectionIds: _c, seoTitle, seoDescription, updatedAt: _u, description: rawDescription, ...productData } = product;
      const plainDescription = descriptionToText(rawDescription);
      const description = (seoDescription || plainDescription || `${product.title} · ${tenant.store.name}`).replace(/\s+/g, ' ').slice(0, 160);
      const crumbs = [{ name: t('home'), url: `${origin}/` }];
      if (collection) crumbs.push({ name: collection.title, url: `${origin}/collections/${collection.handle}` });
      crumbs.push({ name: product.title, url });
      return sf.pages.render(
        c,
        {
          page: 'product',
          product: productData,
          selectedVariantId: selected?.id ?? '',
          related,
          relatedTitle: 'alsoBought',
          collection: collection ? { handle: collection.handle, title: collection.title } : null,
          reviews: reviews?.count ? { average: reviews.average, count: reviews.count, items: reviews.reviews } : null,
          taxNote: taxNote(tenant.settings, c.var.market, c.var.country),
          ...(await templateSections(c, sf, 'product')),
        },
        {
          title: seoTitle || `${product.title} – ${tenant.store.name}`,
          description,
          canonical: url,
          ogType: 'product',
          modelViewer: product.models.length > 0,
          image: product.images[0] ? absoluteMedia(origin, product.images[0].url, tenant.store.id) : null,
          jsonLd: [
            {
              '@context': 'https://schema.org',
              '@type': 'Product',
              name: product.title,
              description: plainDescription || undefined,
              sku: selected?.sku ?? undefined,
              brand: product.vendor ? { '@type': 'Brand', name: product.vendor } : undefined,
              image: product.images.map((i) => absoluteMedia(origin, i.url, tenant.store.id)),
              url,
              // Each 3D model as a 3DModel encoding (schema.org, as Google's product rich results read it).
              subjectOf: product.models.length
                ? product.models.map((m) => ({
                    '@type': '3DModel',
                    name: m.alt ?? product.title,
                    encoding: [
                      { '@type': 'MediaObject', contentUrl: absoluteMedia(origin, m.url, tenant.store.id), encodingFormat: 'model/gltf-binary' },
                      ...(m.usdzUrl
                        ? [{ '@type': 'MediaObject', contentUrl: absoluteMedia(origin, m.usdzUrl, tenant.store.id), encodingFormat: 'model/vnd.usdz+zip' }]
                        : []),
                    ],
                  }))
                : undefined,
              aggregateRating: reviews?.count
                ? { '@type': 'AggregateRating', ratingValue: reviews.average, reviewCount: reviews.count, bestRating: 5, worstRating: 1 }
                : undefined,
              review: reviews?.count
                ? reviews.reviews.map((r) => ({
                    '@type': 'Review',
                    author: { '@type': 'Person', name: r.author || 'Anonymous' },
                    reviewRating: { '@type': 'Rating', ratingValue: r.rating, bestRating: 5, worstRating: 1 },
                    name: r.title || undefined,
                    reviewBody: r.body || undefined,
                    image: r.photos.length ? r.photos.map((ph) => `${origin}/media/${encodeURIComponent(ph.name)}?w=1280`) : undefined,
                    datePublished: r.createdAt,
                  }))
                : undefined,
              offers: product.variants.map((v) => ({
                '@type': 'Offer',
                url: `${url}?variant=${v.id}`,
                sku: v.sku ?? undefined,
                price: decimal(v.price),
                priceCurrency: tenant.store.currency,
                availability: v.available > 0 ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
              })),
            },
            breadcrumbs(crumbs),
          ],
        },
        { count },
      );
    }),
  );
}
