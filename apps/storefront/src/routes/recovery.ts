/**
 * Abandoned-cart reminder links: the signed restore link (the cart on any
 * device) and one-click unsubscribe from the store's marketing mail. GET of
 * the unsubscribe link only asks (mail scanners follow links); the button, or
 * a mail client's RFC 8058 one-click POST, unsubscribes. The signature is the
 * credential, so the unsubscribe POST is exempt from the same-origin check.
 */
import { CartPromotions, CartService, restoreRecoveredCart, unsubscribeMarketing, verifyRecoveryLink, verifyUnsubscribe } from '@storeloom/commerce';
import { isUuid } from '@storeloom/db';
import { isAppError } from '@storeloom/errors';
import { getCookie, setCookie } from 'hono/cookie';
import { CART_COOKIE, CART_COOKIE_SECONDS, type C, type Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';

export const UNSUBSCRIBE_PATH = '/unsubscribe';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small standalone page (no shop chrome: the link comes from a mail). */
function messagePage(lang: string, title: string, body: string): string {
  return `<!doctype html><html lang="${esc(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title><style>body{margin:0;min-height:100vh;display:grid;place-items:center;font:16px/1.5 system-ui,sans-serif;color:#1f2937;background:#f8fafc}main{max-width:32rem;text-align:center;padding:24px}h1{font-size:1.6rem}button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1f2937;background:#1f2937;color:#fff;cursor:pointer}button:focus-visible,a:focus-visible{outline:3px solid #2563eb;outline-offset:2px}a{color:#1d4ed8}</style></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

export function recoveryRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/cart/recover/:cartId', async (c) => {
    const { tenant } = c.var;
    const cartId = c.req.param('cartId');
    if (!isUuid(cartId) || !verifyRecoveryLink(sf.secret, tenant.store.id, cartId, c.req.query('sig'))) return c.notFound();
    const current = await new CartService(tenant.t).find(getCookie(c, CART_COOKIE));
    const restored = await restoreRecoveredCart(tenant.t, cartId, current);
    // Already ordered (or emptied): the shopper lands on their cart as it is.
    if (!restored) return c.redirect('/cart', 303);
    if (restored.token) setCookie(c, CART_COOKIE, restored.token, sf.cookieOpts(CART_COOKIE_SECONDS));
    const code = c.req.query('code');
    if (code) {
      try {
        await new CartPromotions(tenant.t, { storeId: tenant.store.id, settings: tenant.settings, currency: tenant.store.currency }).applyCode(
          restored.cartId,
          code,
        );
      } catch (e) {
        // A code that no longer applies (expired, used up) leaves the cart as it is; the cart page shows no error for it.
        if (!isAppError(e)) throw e;
      }
    }
    return c.redirect('/cart', 303);
  });

  const signedEmail = (c: C) => {
    const email = (c.req.query('email') ?? '').trim().toLowerCase();
    if (!email || email.length > 254 || !verifyUnsubscribe(sf.secret, c.var.tenant.store.id, email, c.req.query('sig'))) return null;
    return email;
  };

  app.get(UNSUBSCRIBE_PATH, (c) => {
    const email = signedEmail(c);
    const store = c.var.tenant.store.name;
    c.header('Cache-Control', 'no-store');
    if (!email)
      return c.html(messagePage(c.var.lang, 'Link not valid', '<p>This unsubscribe link is not valid. Please use the link from the e-mail.</p>'), 404);
    const action = `${UNSUBSCRIBE_PATH}?${new URLSearchParams({ email, sig: c.req.query('sig') ?? '' })}`;
    return c.html(
      messagePage(
        c.var.lang,
        `Unsubscribe from ${store}`,
        `<p>Stop reminders and other marketing e-mail from ${esc(store)} to <strong>${esc(email)}</strong>? Order confirmations still arrive.</p><form method="post" action="${esc(action)}"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  app.post(UNSUBSCRIBE_PATH, async (c) => {
    const email = signedEmail(c);
    const store = c.var.tenant.store.name;
    c.header('Cache-Control', 'no-store');
    if (!email)
      return c.html(messagePage(c.var.lang, 'Link not valid', '<p>This unsubscribe link is not valid. Please use the link from the e-mail.</p>'), 404);
    await unsubscribeMarketing(c.var.tenant.t, email);
    return c.html(
      messagePage(
        c.var.lang,
        'You are unsubscribed',
        `<p>${esc(email)} gets no more reminders or marketing e-mail from ${esc(store)}.</p><p><a href="/">Back to the shop</a></p>`,
      ),
    );
  });
}
