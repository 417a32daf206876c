/** The cart page and its two forms (add, change quantity); add answers JSON to the hydrated page. */
import { CartPromotions, CartService, cartState, cleanGiftCardRecipient } from '@storeloom/commerce';
import { AppError, ErrorCode, isAppError } from '@storeloom/errors';
import { getCookie, setCookie } from 'hono/cookie';
import { type C, CART_COOKIE, CART_COOKIE_SECONDS, type Storefront } from '../context.ts';
import { cartAddForm, cartUpdateForm, formFields, parseForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';
import { lineData, promotionsData } from '../pages.ts';
import type { MessageKey } from '../ui/i18n.ts';

const NOTICES: Record<string, MessageKey> = { failed: 'paymentFailed', expired: 'checkoutExpired', stock: 'notEnoughStock' };

type FormError = { field: 'discount' | 'giftCard'; message: string; value: string };

export function cartRoutes(app: StorefrontApp, sf: Storefront) {
  const promotionsOf = (c: C) =>
    new CartPromotions(c.var.tenant.t, {
      storeId: c.var.tenant.store.id,
      settings: c.var.tenant.settings,
      currency: c.var.tenant.store.currency,
      locale: sf.locale(c),
    });

  /** The cart page; a refused code or gift card renders it again (422) with the message at its field. */
  const renderCart = async (c: C, formError: FormError | null = null) => {
    const { tenant } = c.var;
    const cartId = await new CartService(tenant.t).find(getCookie(c, CART_COOKIE));
    const quote = cartId ? await sf.orders(c).quote(cartId, tenant.settings) : null;
    const lines = quote?.lines ?? [];
    const state = cartId ? await cartState(tenant.t, cartId) : null;
    const addOns = lines.length
      ? await sf.recoFor(tenant).forCart(
          lines.map((l) => l.productId),
          4,
        )
      : [];
    const noticeKey = NOTICES[c.req.query('notice') ?? ''];
    const t = sf.t(c);
    const totals = quote?.totals ?? { subtotal: 0, shipping: 0, tax: 0, total: 0, taxIncluded: false, itemCount: 0 };
    const page = await sf.pages.render(
      c,
      {
        page: 'cart',
        lines: lines.map(lineData),
        totals,
        notice: noticeKey ? t(noticeKey) : null,
        addOns,
        freeOver: tenant.settings.shipping.freeOver,
        promotions: promotionsData(quote?.adjustments ?? [], totals.total, state?.discountCodes ?? []),
        formError,
      },
      { title: `${t('cart')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${sf.origin(c)}/cart`, noindex: true },
      { count: quote?.totals.itemCount ?? 0, ...(quote ? { market: quote.market } : {}) },
    );
    return sf.pages.send(c, formError ? { ...page, status: 422 } : page, 'private');
  };

  app.get('/cart', (c) => renderCart(c));

  /** Codes and gift cards: plain form posts, so they work without JavaScript. */
  const codeOf = async (c: C) => {
    const fields = await formFields(c);
    const v = fields.code;
    return (typeof v === 'string' ? v : '').trim().slice(0, 64);
  };
  const cartOf = (c: C) => new CartService(c.var.tenant.t).find(getCookie(c, CART_COOKIE));

  app.post('/cart/discount', async (c) => {
    const code = await codeOf(c);
    const cartId = await cartOf(c);
    if (!cartId) return c.redirect('/cart', 303);
    try {
      if (!code) throw new AppError(ErrorCode.DiscountNotApplicable, sf.t(c)('discountCode'));
      await promotionsOf(c).applyCode(cartId, code);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return renderCart(c, { field: 'discount', message: e.message, value: code });
    }
    return c.redirect('/cart', 303);
  });

  app.post('/cart/discount/remove', async (c) => {
    const code = await codeOf(c);
    const cartId = await cartOf(c);
    if (cartId && code)
      await promotionsOf(c)
        .removeCode(cartId, code)
        .catch((e) => {
          if (!isAppError(e)) throw e;
        });
    return c.redirect('/cart', 303);
  });

  app.post('/cart/gift-card', async (c) => {
    const code = await codeOf(c);
    const cartId = await cartOf(c);
    if (!cartId) return c.redirect('/cart', 303);
    try {
      await promotionsOf(c).applyGiftCard(cartId, code);
    } catch (e) {
      if (!isAppError(e)) throw e;
      // The code itself is not echoed back into the page: a gift-card code is a bearer secret.
      return renderCart(c, { field: 'giftCard', message: e.message, value: '' });
    }
    return c.redirect('/cart', 303);
  });

  app.post('/cart/gift-card/remove', async (c) => {
    const fields = await formFields(c);
    const last4 = typeof fields.last4 === 'string' ? fields.last4.trim().slice(0, 8) : '';
    const cartId = await cartOf(c);
    if (cartId && last4)
      await promotionsOf(c)
        .removeGiftCard(cartId, last4)
        .catch((e) => {
          if (!isAppError(e)) throw e;
        });
    return c.redirect('/cart', 303);
  });

  app.post('/cart/add', async (c) => {
    const form = parseForm(cartAddForm, await formFields(c));
    const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
    const carts = new CartService(c.var.tenant.t);
    try {
      if (!form.ok) throw new AppError(ErrorCode.NotFound, 'Product not found');
      const cart = await carts.findOrCreate(getCookie(c, CART_COOKIE), { country: c.var.country });
      if (cart.created) setCookie(c, CART_COOKIE, cart.token, sf.cookieOpts(CART_COOKIE_SECONDS));
      const giftCardRecipient = cleanGiftCardRecipient({
        email: form.data.recipientEmail,
        name: form.data.recipientName,
        message: form.data.recipientMessage,
      });
      await carts.add(cart.id, form.data.variantId, form.data.quantity, { giftCardRecipient });
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
