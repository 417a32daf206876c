/**
 * Checkout: the page (with the signed price snapshot), placing the order
 * through the CheckoutService, and the manual provider's pay page (Pay now /
 * Fail payment). A failed or expired checkout puts its lines back in the cart.
 */
import { CartService, CustomerService, ISO_COUNTRY_CODES, MarketingConsentService, type OrderDetail } from '@storeloom/commerce';
import { AppError, ErrorCode, isAppError } from '@storeloom/errors';
import { getCookie, setCookie } from 'hono/cookie';
import { type C, CART_COOKIE, CART_COOKIE_SECONDS, type Storefront } from '../context.ts';
import { ADDRESS_FIELDS, checkoutForm, formFields, parseForm, payForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';
import { lineData, orderData, promotionsData } from '../pages.ts';

export function checkoutRoutes(app: StorefrontApp, sf: Storefront) {
  async function checkoutPage(c: C, cartId: string, values: Record<string, string>, error: { message: string; field: string | null } | null, status = 200) {
    const { tenant } = c.var;
    const customer = await sf.customer(c);
    const { lines, totals, quoteToken, adjustments, market } = await sf
      .checkout(c)
      .quote(cartId, tenant.settings, { customerId: customer?.id ?? null, email: customer?.email ?? null });
    if (!lines.length) return c.redirect('/cart', 303);
    const addresses = customer ? await new CustomerService(tenant.t).addresses(customer.id) : [];
    const first = addresses[0];
    // A signed-in customer finds their name, e-mail and newest saved address filled in (a link's or a refused
    // form's values win).
    const prefill: Record<string, string> = {
      // The country the shopper chose (selector, locale prefix) until an address says otherwise.
      country: c.var.country ?? '',
      email: customer?.email ?? '',
      name: customer?.name ?? '',
      ...(first && !values.line1 ? Object.fromEntries(ADDRESS_FIELDS.map((k) => [k, first[k] ?? ''])) : {}),
      ...values,
    };
    const shipsTo = tenant.settings.shippingZones?.length ? [...new Set(tenant.settings.shippingZones.flatMap((z) => z.countries))].sort() : null;
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      {
        page: 'checkout',
        lines: lines.map(lineData),
        totals,
        promotions: promotionsData(adjustments, totals.total),
        quoteToken,
        values: prefill,
        error: error?.message ?? null,
        errorField: error?.field ?? null,
        addresses,
        signedIn: Boolean(customer),
        // "Email me with news and offers" (unchecked by default) when the store sends marketing mail at all.
        marketingOptIn: tenant.settings.promotions.marketingEmails,
        shipsTo,
        // With shipping zones only the countries the store ships to are offered (others would be refused); else all.
        countries: shipsTo ?? [...ISO_COUNTRY_CODES],
        defaultCountry: tenant.store.country ?? null,
      },
      { title: `${t('secureCheckout')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${sf.origin(c)}/checkout`, noindex: true },
      { status, count: totals.itemCount, signedIn: Boolean(customer), market },
    );
    return sf.pages.sendNoStore(c, page);
  }

  app.get('/checkout', async (c) => {
    const cartId = await new CartService(c.var.tenant.t).find(getCookie(c, CART_COOKIE));
    if (!cartId) return c.redirect('/cart', 303);
    // An address prefilled by link (?name=…); values too long for the form are left out.
    const values = Object.fromEntries(ADDRESS_FIELDS.map((k) => [k, c.req.query(k) ?? '']).filter(([, v]) => v && v.length <= 200));
    return checkoutPage(c, cartId, values, null);
  });

  app.post('/checkout', async (c) => {
    const { tenant } = c.var;
    const fields = await formFields(c);
    const cartId = await new CartService(tenant.t).find(getCookie(c, CART_COOKIE));
    if (!cartId) return c.redirect('/cart', 303);
    const form = parseForm(checkoutForm, fields);
    // What the shopper typed goes back into the form (a value longer than any field allows is left out).
    const echo = Object.fromEntries(['email', ...ADDRESS_FIELDS].map((k) => [k, (fields[k] ?? '').length <= 500 ? (fields[k] ?? '') : '']));
    echo.acceptsMarketing = fields.acceptsMarketing === '1' ? '1' : '';
    if (!form.ok) return checkoutPage(c, cartId, echo, { message: form.message, field: form.field }, 400);
    const { email, saveAddress, expectedTotal, quoteToken, acceptsMarketing, ...address } = form.data;
    const t = sf.t(c);
    const customer = await sf.customer(c);
    // The ticked box is the shopper's consent to marketing mail, recorded when the form is sent (an order refused
    // for stock or a changed price keeps it: the shopper gave it). An unticked box records nothing (no withdrawal).
    if (acceptsMarketing && tenant.settings.promotions.marketingEmails && email.includes('@'))
      await new MarketingConsentService(tenant.t).record({ email, agreed: true, source: 'checkout', customerId: customer?.id ?? null });
    try {
      const placed = await sf.checkout(c).place({
        cartId,
        email,
        address,
        customerId: customer?.id ?? null,
        saveAddress,
        locale: c.var.lang,
        settings: tenant.settings,
        ...(expectedTotal !== undefined ? { expectedTotal } : {}),
        ...(quoteToken ? { quoteToken } : {}),
      });
      // Paid by gift cards alone: no provider step, straight to the confirmation.
      return c.redirect(placed.redirectUrl ?? `${sf.origin(c)}${placed.statusPath}&placed=1`, 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.InvalidState) return c.redirect('/cart', 303);
      const field = (e.details as { field?: string } | undefined)?.field ?? null;
      const message =
        e.code === ErrorCode.Conflict
          ? t('pricesChanged')
          : e.code === ErrorCode.InsufficientStock
            ? `${t('notEnoughStock')} (${(e.details as { title?: string })?.title ?? ''})`
            : e.message;
      return checkoutPage(c, cartId, echo, { message, field }, e.status);
    }
  });

  /** Puts a failed or expired checkout's lines back into the shopper's cart. */
  async function restoreCart(c: C, order: OrderDetail) {
    const carts = new CartService(c.var.tenant.t);
    const cart = await carts.findOrCreate(getCookie(c, CART_COOKIE), { country: c.var.country });
    if (cart.created) setCookie(c, CART_COOKIE, cart.token, sf.cookieOpts(CART_COOKIE_SECONDS));
    for (const l of order.lines) if (l.variantId) await carts.add(cart.id, l.variantId, l.quantity).catch(() => undefined);
  }

  /** A draft order's invoice link (token in the path, kept hashed): the invoice, and Pay. */
  async function invoicePage(c: C, token: string, error: string | null, status = 200) {
    const draft = await sf.drafts(c).byInvoiceToken(token);
    if (!draft || draft.status === 'cancelled') return sf.pages.send(c, await sf.pages.notFound(c, 0), 'private');
    const paid = draft.status === 'completed';
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      {
        page: 'invoice',
        invoice: {
          name: draft.name,
          lines: draft.pricedLines.map((l) => ({
            title: l.title,
            variantTitle: l.variantTitle,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            total: l.total,
            imageUrl: l.imageUrl,
          })),
          totals: {
            subtotal: draft.totals.subtotal,
            shipping: draft.totals.shipping,
            tax: draft.totals.tax,
            total: draft.totals.total,
            taxIncluded: draft.totals.taxIncluded,
            itemCount: draft.totals.itemCount,
          },
          promotions: {
            discounts: draft.adjustments.map((a) => ({ code: a.code, title: a.label, amount: a.amount })),
            codes: [],
            giftCards: [],
            amountDue: draft.totals.total,
          },
          shippingAddress: draft.shippingAddress ?? null,
        },
        action: paid ? null : `/invoices/${token}`,
        orderLink: paid && draft.orderId ? sf.orderLink(c, draft.orderId) : null,
        error,
      },
      {
        title: `${t('invoiceTitle', { name: draft.name })} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/`,
        noindex: true,
      },
      { status, count: 0, currency: draft.currency },
    );
    return sf.pages.sendNoStore(c, page);
  }

  app.get('/invoices/:token', (c) => invoicePage(c, c.req.param('token'), null));

  app.post('/invoices/:token', async (c) => {
    const token = c.req.param('token');
    try {
      const placed = await sf.checkout(c).payInvoice(sf.drafts(c), token, c.var.lang);
      return c.redirect(placed.redirectUrl ?? `${sf.origin(c)}${placed.statusPath}&placed=1`, 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.NotFound) return sf.pages.send(c, await sf.pages.notFound(c, 0), 'private');
      const t = sf.t(c);
      const message = e.code === ErrorCode.InsufficientStock ? `${t('notEnoughStock')} (${(e.details as { title?: string })?.title ?? ''})` : e.message;
      return invoicePage(c, token, message, e.status);
    }
  });

  app.get('/checkout/pay/:orderId', async (c) => {
    const order = await sf.signedOrder(c);
    if (!order) return sf.pages.send(c, await sf.pages.notFound(c, 0), 'private');
    if (order.paymentStatus !== 'pending' || order.payment.provider !== 'manual') return c.redirect(sf.orderLink(c, order.id), 303);
    const t = sf.t(c);
    const expiresAt = await sf.orders(c).reservationExpiresAt(order.id);
    if (!expiresAt) throw new AppError(ErrorCode.NotFound, 'Order not found');
    const page = await sf.pages.render(
      c,
      {
        page: 'pay',
        order: orderData(order),
        action: `/checkout/pay/${order.id}?sig=${c.req.query('sig')}`,
        expiresAt: expiresAt.toISOString(),
      },
      { title: `${t('payTitle')} – ${c.var.tenant.store.name}`, description: c.var.tenant.store.name, canonical: `${sf.origin(c)}/checkout`, noindex: true },
      { count: 0, currency: order.currency },
    );
    return sf.pages.sendNoStore(c, page);
  });

  app.post('/checkout/pay/:orderId', async (c) => {
    const order = await sf.signedOrder(c);
    if (!order) return c.text('Not found', 404);
    // Only an order placed with the manual provider is settled on this page; a Stripe order is paid (or not) at Stripe.
    if (order.payment.provider !== 'manual') return c.redirect(sf.orderLink(c, order.id), 303);
    const form = parseForm(payForm, await formFields(c));
    const service = sf.orders(c);
    if (form.ok && form.data.outcome === 'fail') {
      const r = await service.failPayment(order.id, 'Declined on the test payment page');
      if (r.applied) await restoreCart(c, order);
      return c.redirect('/cart?notice=failed', 303);
    }
    try {
      // The manual provider's confirmation of what it collects (the total less gift cards); a real provider confirms through its webhook instead.
      await service.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.amountDue });
    } catch (e) {
      if (isAppError(e) && e.code === ErrorCode.InvalidState) {
        await restoreCart(c, order);
        return c.redirect('/cart?notice=expired', 303);
      }
      throw e;
    }
    return c.redirect(`${sf.orderLink(c, order.id)}&placed=1`, 303);
  });
}
