/** The order status page behind a signed link (`&placed=1`: the confirmation). */
import type { OrderDetail } from '@storeloom/commerce';
import { reviewLinkSignature } from '@storeloom/content';
import type { C, Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';
import { orderData } from '../pages.ts';

export function orderRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/orders/:orderId', async (c) => {
    const order = await sf.signedOrder(c);
    if (!order) return sf.pages.send(c, await sf.pages.notFound(c, await sf.cartCount(c)), 'private');
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      { page: 'order', order: orderData(order), justPlaced: c.req.query('placed') === '1', reviewLinks: reviewLinks(sf, c, order) },
      {
        title: `${t('orderNumber', { n: order.number })} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/`,
        noindex: true,
      },
      { count: await sf.cartCount(c), currency: order.currency },
    );
    return sf.pages.sendNoStore(c, page);
  });
}

/** After fulfilment, one signed review link per bought product (the verified-buyer reviews; the shipped mail links to this page). */
function reviewLinks(sf: Storefront, c: C, order: OrderDetail): { title: string; url: string }[] {
  if (order.fulfillmentStatus !== 'fulfilled') return [];
  const seen = new Set<string>();
  return order.lines.flatMap((l) => {
    if (!l.productId || seen.has(l.productId)) return [];
    seen.add(l.productId);
    const q = new URLSearchParams({ order: order.id, product: l.productId, sig: reviewLinkSignature(sf.secret, c.var.tenant.store.id, order.id, l.productId) });
    return [{ title: l.title, url: `/reviews/new?${q.toString()}` }];
  });
}
