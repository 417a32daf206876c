/** The home page, the language switch and the country (market) selector. */
import { safeRedirectPath } from '@storeloom/http';
import { CartPromotions, CartService, marketFor } from '@storeloom/commerce';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { StorefrontCatalog } from '../catalog.ts';
import { CART_COOKIE, LANG_BY_MARKET_COOKIE, LANG_COOKIE, type Storefront } from '../context.ts';
import { formFields } from '../forms.ts';
import { negotiateLanguage, parseLocalePrefix, prefixOf } from '../locale.ts';
import { COUNTRY_COOKIE, countryCode, marketLanguage, marketSpeaks } from '../market.ts';
import type { StorefrontApp } from '../middleware.ts';
import { sectionsData } from '../sections.ts';
import { layoutFor } from '../theme-preview.ts';
import type { Lang } from '../ui/i18n.ts';
import type { PageData } from '../ui/types.ts';

export function homeRoutes(app: StorefrontApp, sf: Storefront) {
  app.get('/', (c) =>
    sf.pages.cached(c, async (count) => {
      const { tenant } = c.var;
      const t = sf.t(c);
      const origin = sf.origin(c);
      // The saved home layout (a draft in a theme preview); without one, the default home page.
      const layout = await layoutFor(c, 'home');
      let data: PageData;
      if (layout) data = { page: 'home', collections: [], newest: [], sections: await sectionsData(c, sf, layout) };
      else {
        const catalog = new StorefrontCatalog(tenant.t);
        const featuredRefs = tenant.collections.slice(0, 2);
        const [featured, newest] = await Promise.all([catalog.featured(featuredRefs, 4), sf.recoFor(tenant).forHome({ viewedProductIds: [] }, 8)]);
        data = {
          page: 'home',
          collections: featuredRefs.map((r) => ({ handle: r.handle, title: r.title, products: featured.get(r.id) ?? [] })).filter((x) => x.products.length > 0),
          newest,
        };
      }
      return sf.pages.render(
        c,
        data,
        {
          title: tenant.store.name,
          description: `${tenant.store.name} — ${t('heroText')}`,
          canonical: `${origin}/`,
          jsonLd: [
            {
              '@context': 'https://schema.org',
              '@type': 'WebSite',
              name: tenant.store.name,
              url: `${origin}/`,
              potentialAction: {
                '@type': 'SearchAction',
                target: `${origin}/search?q={search_term_string}`,
                'query-input': 'required name=search_term_string',
              },
            },
          ],
        },
        { count },
      );
    }),
  );

  app.get('/lang/:code', (c) => {
    const code = c.req.param('code');
    if (c.var.tenant.settings.languages.includes(code as Lang)) {
      setCookie(c, LANG_COOKIE, code, { ...sf.cookieOpts(365 * 86_400), httpOnly: false });
      // The shopper's own choice: the country selector no longer moves it back.
      deleteCookie(c, LANG_BY_MARKET_COOKIE, { path: '/' });
    }
    return c.redirect(safeRedirectPath(c.req.query('to'), '/'), 303);
  });

  /**
   * The country selector: remembered in a cookie, and the open cart moves to that country's market at once
   * (its currency and prices follow). Only the store's own country and its markets' countries are accepted.
   */
  app.post('/country', async (c) => {
    const fields = await formFields(c);
    const { tenant } = c.var;
    const country = countryCode(fields.country);
    const offered = new Set([...(tenant.settings.markets ?? []).flatMap((m) => m.countries), ...(tenant.store.country ? [tenant.store.country] : [])]);
    let to = safeRedirectPath(fields.to, '/');
    if (country && offered.has(country)) {
      setCookie(c, COUNTRY_COOKIE, country, { ...sf.cookieOpts(365 * 86_400), httpOnly: false });
      // The market's language, when the shopper's is not one it speaks (the page comes back in it).
      const langs = tenant.settings.languages as Lang[];
      const market = marketFor(tenant.settings, tenant.store.currency, country);
      const current = c.var.lang as Lang;
      let lang = marketLanguage(market, langs, current);
      if (lang) {
        setCookie(c, LANG_COOKIE, lang, { ...sf.cookieOpts(365 * 86_400), httpOnly: false });
        setCookie(c, LANG_BY_MARKET_COOKIE, '1', { ...sf.cookieOpts(365 * 86_400), httpOnly: false });
      } else if (getCookie(c, LANG_BY_MARKET_COOKIE) && !marketSpeaks(market, langs, current)) {
        // The selector had chosen the language and this market (e.g. the primary one, back home) does not speak it:
        // the shopper gets the language they had before it, by Accept-Language, else the store's default.
        deleteCookie(c, LANG_COOKIE, { path: '/' });
        deleteCookie(c, LANG_BY_MARKET_COOKIE, { path: '/' });
        lang = negotiateLanguage(c.req.header('accept-language'), langs) ?? langs[0] ?? current;
      }
      if (lang && lang !== current) {
        const prefix = parseLocalePrefix(to);
        if (prefix) to = `${prefixOf(lang, langs[0] ?? lang)}${to.slice(prefix.prefix.length) || '/'}`;
      }
      const cartId = await new CartService(tenant.t).find(getCookie(c, CART_COOKIE));
      if (cartId)
        await new CartPromotions(tenant.t, { storeId: tenant.store.id, settings: tenant.settings, currency: tenant.store.currency }).setContact(cartId, {
          country,
        });
    }
    return c.redirect(to, 303);
  });
}
