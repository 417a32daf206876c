/** The cart page and its two forms (add, change quantity); add answers JSON to the hydrated page. */
import { CartService } from '@storeloom/commerce';
import { AppError, ErrorCode, isAppError } from '@storeloom/errors';
import { getCookie, setCookie } from 'hono/cookie';
import { CART_COOKIE, CART_COOKIE_SECONDS, type Storefront } from '../context.ts';
import { cartAddForm, cartUpdateForm, formFields, parseForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';
import { lineData } from '../pages.ts';
import type { MessageKey } from '../ui/i18n.ts';

const NOTICES: Record<string, MessageKey> = { failed: 'paymentFailed', expired: 'checkoutExpired', stock: 'notEnoughStock' };

export function cartRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/cart', async (c) => {
    const { tenant } = c.var;
    const cartId = await new CartService(tenant.t).find(getCookie(c, CART_COOKIE));
    const { lines, totals } = cartId ? await sf.orders(c).quote(cartId, tenant.settings) : { lines: [], totals: null };
    const addOns = lines.length
      ? await sf.recoFor(tenant).forCart(
          lines.map((l) => l.productId),
          4,
        )
      : [];
    const noticeKey = NOTICES[c.req.query('notice') ?? ''];
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      {
        page: 'cart',
        lines: lines.map(lineData),
        totals: totals ?? { subtotal: 0, shipping: 0, tax: 0, total: 0, taxIncluded: false, itemCount: 0 },
        notice: noticeKey ? t(noticeKey) : null,
        addOns,
        freeOver: tenant.settings.shipping.freeOver,
      },
      { title: `${t('cart')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${sf.origin(c)}/cart`, noindex: true },
      { count: totals?.itemCount ?? 0 },
    );
    return sf.pages.send(c, page, 'private');
  });

  app.post('/cart/add', async (c) => {
    const form = parseForm(cartAddForm, await formFields(c));
    const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
    const carts = new CartService(c.var.tenant.t);
    try {
      if (!form.ok) throw new AppError(ErrorCode.NotFound, 'Product not found');
      const cart = await carts.findOrCreate(getCookie(c, CART_COOKIE));
      if (cart.created) setCookie(c, CART_COOKIE, cart.token, sf.cookieOpts(CART_COOKIE_SECONDS));
      await carts.add(cart.id, form.data.variantId, form.data.quantity);
      if (wantsJson) return c.json({ count: await carts.count(cart.id) });
      return c.redirect('/cart', 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const message = e.code === ErrorCode.InsufficientStock ? sf.t(c)('notEnoughStock') : e.message;
      if (wantsJson) return c.json({ message }, e.status as 404);
      return c.redirect(e.code === ErrorCode.InsufficientStock ? '/cart?notice=stock' : '/cart', 303);
    }
  });

  app.post('/cart/update', async (c) => {
    const form = parseForm(cartUpdateForm, await formFields(c));
    const carts = new CartService(c.var.tenant.t);
    const cartId = await carts.find(getCookie(c, CART_COOKIE));
    if (cartId && form.ok) await carts.setQuantity(cartId, form.data.variantId, form.data.quantity);
    return c.redirect('/cart', 303);
  });
}
