/**
 * Until its merchant launches a store, shoppers get an "opening soon" page
 * (503 with Retry-After, so search engines come back later) on every path; the
 * JSON APIs answer 503 `store_unavailable` in their error shape (api-errors.ts). The merchant's preview link
 * (`/?preview=<token>`, from the console) sets a host-only cookie that lets
 * that browser see the real store, marked noindex. On the JSON APIs' paths the
 * link's `?preview=<token>` lets that one request through instead (no redirect,
 * no cookie; noindex, no-store). Media stay reachable so the page can show the logo.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AppError, ErrorCode } from '@storeloom/errors';
import { apiError, isApiPath } from './api-errors.ts';
import type { StorefrontEnv } from './context.ts';
import { FONTS } from './render.ts';
import { isThemePreview } from './theme-preview.ts';
import { storeMediaPath } from './ui/media.ts';
import { translator } from './messages/index.ts';

export const PREVIEW_COOKIE = 'sf_preview';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export function launchGate(opts: { secureCookies: boolean }): MiddlewareHandler<StorefrontEnv> {
  return async (c, next) => {
    const { store, settings } = c.get('tenant');
    if (store.launched_at || isThemePreview(c)) return next();
    const token = store.preview_token;
    const offered = c.req.query('preview');
    if (offered !== undefined && token && same(offered, token)) {
      // The JSON APIs take the link as it is: a 303 would turn a POST into a GET without its body, and an API client
      // keeps no cookie (nor does the API set one). The answer is marked as the cookie's is, and kept by no cache: its URL
      // carries the token. The token is in no answer: the access log records the path without the query.
      if (isApiPath(c.req.path)) {
        await next();
        c.res.headers.set('X-Robots-Tag', 'noindex');
        c.res.headers.set('Cache-Control', 'no-store');
        return;
      }
      setCookie(c, PREVIEW_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: opts.secureCookies, maxAge: 30 * 86_400 });
      const url = new URL(c.req.url);
      url.searchParams.delete('preview');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const cookie = getCookie(c, PREVIEW_COOKIE);
    if (cookie && token && same(cookie, token)) {
      await next();
      c.res.headers.set('X-Robots-Tag', 'noindex');
      // The store before launch, seen by its merchant: a shared cache must not keep it and show it to shoppers.
      c.res.headers.set('Cache-Control', 'private, no-store');
      return;
    }
    if (c.req.path.startsWith('/media/')) return next();
    c.header('Retry-After', '3600');
    c.header('Cache-Control', 'no-store');
    const api = apiError(c, new AppError(ErrorCode.StoreUnavailable, 'This store has not opened yet'));
    if (api) return api;
    if (c.req.path === '/robots.txt') return c.text('User-agent: *\nDisallow: /\n', 503);
    const t = translator(c.var.lang);
    const theme = settings.theme;
    const logo = theme.logoUrl ? storeMediaPath(theme.logoUrl, store.id) : null;
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    return c.html(
      `<!doctype html><html lang="${esc(c.var.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(`${t('openingSoon')} – ${store.name}`)}</title><style>` +
        // Theme values are validated #rrggbb colours and a font from a fixed list.
        `:root{--primary:${theme.primaryColor};--bg:${theme.backgroundColor};--text:${theme.textColor}}` +
        `*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:17px/1.6 ${FONTS[theme.font]};padding:24px}` +
        'main{max-width:34rem;text-align:center}.logo{max-height:72px;max-width:220px;margin:0 auto 28px;display:block}' +
        '.mark{width:64px;height:64px;border-radius:18px;margin:0 auto 28px;display:grid;place-items:center;background:var(--primary);color:#fff;font-weight:700;font-size:1.8rem}' +
        'p.kicker{text-transform:uppercase;letter-spacing:.14em;font-size:.8rem;font-weight:600;margin:0 0 8px}' +
        'h1{font-size:clamp(2rem,1.4rem + 3vw,3.2rem);line-height:1.1;margin:0 0 16px;letter-spacing:-.02em}p{margin:0}' +
        `</style></head><body><main>${logo ? `<img class="logo" src="${esc(logo)}" alt="${esc(store.name)}">` : `<div class="mark" aria-hidden="true">${esc(store.name.slice(0, 1).toUpperCase())}</div>`}` +
        `<p class="kicker">${esc(store.name)}</p><h1>${esc(t('openingSoon'))}</h1><p>${esc(t('openingSoonText', { name: store.name }))}</p></main></body></html>`,
      503,
    );
  };
}
