/** The order status page behind a signed link (`&placed=1`: the confirmation). */
import type { Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';
import { orderData } from '../pages.ts';

export function orderRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/orders/:orderId', async (c) => {
    const order = await sf.signedOrder(c);
    if (!order) return sf.pages.send(c, await sf.pages.notFound(c, await sf.cartCount(c)), 'private');
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      { page: 'order', order: orderData(order), justPlaced: c.req.query('placed') === '1' },
      {
        title: `${t('orderNumber', { n: order.number })} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/`,
        noindex: true,
      },
      { count: await sf.cartCount(c) },
    );
    return sf.pages.sendNoStore(c, page);
  });
}
