/**
 * The server-rendered storefront in a shopper's market, over real Postgres: the market follows the country
 * selector (cookie), a locale prefix with a region, Accept-Language's region, then the store's country; catalogue
 * prices are converted with the market's rate and rounding increment or its fixed price, exactly as the cart
 * charges; the selector moves the open cart to the new market; order pages format in the order's currency.
 */
import type { PricingMarket } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';
import { marketLanguage, selectableCountries, shopperCountry } from '../src/market.ts';

describe('choosing the shopper country', () => {
  it('prefers the selector cookie, then the prefix region, then Accept-Language, then the store country; ignores junk', () => {
    expect(shopperCountry({ cookie: 'fr', prefixCountry: 'DE', acceptCountry: 'AT', storeCountry: 'GB' })).toBe('FR');
    expect(shopperCountry({ cookie: 'ZZ', prefixCountry: 'DE', acceptCountry: 'AT', storeCountry: 'GB' })).toBe('DE');
    expect(shopperCountry({ cookie: undefined, prefixCountry: null, acceptCountry: 'AT', storeCountry: 'GB' })).toBe('AT');
    expect(shopperCountry({ cookie: '<x>', prefixCountry: null, acceptCountry: null, storeCountry: 'GB' })).toBe('GB');
    expect(shopperCountry({ cookie: undefined, prefixCountry: null, acceptCountry: null, storeCountry: null })).toBeNull();
  });

  it('moves the shopper to the market language when theirs is not one the market speaks', () => {
    const offered = ['en', 'de', 'fr'] as const;
    expect(marketLanguage({ languages: ['de'] }, offered, 'en')).toBe('de');
    // Regional tags match the store's language; the market's order decides.
    expect(marketLanguage({ languages: ['fr-CH', 'de-CH'] }, offered, 'en')).toBe('fr');
    // Already speaking one of them, or a market without (offered) languages: no change.
    expect(marketLanguage({ languages: ['fr-CH', 'de-CH'] }, offered, 'de')).toBeNull();
    expect(marketLanguage({ languages: [] }, offered, 'en')).toBeNull();
    expect(marketLanguage({ languages: ['ja'] }, offered, 'en')).toBeNull();
  });

  it('lists the store country and every market country once, by name in the shopper language', () => {
    const m = (countries: string[], currency: string): PricingMarket => ({
      id: 'x',
      name: 'x',
      countries,
      currency,
      storeCurrency: 'GBP',
      rate: { rate: '1', asOf: null, source: 'market' },
      roundingIncrement: 1,
      taxInclusive: true,
      languages: [],
    });
    const list = selectableCountries([m(['DE', 'FR'], 'EUR'), m(['CH'], 'CHF')], 'GB', 'de');
    expect(list.map((c) => c.code)).toEqual(['DE', 'FR', 'CH', 'GB']);
    expect(list.map((c) => c.name)).toEqual(['Deutschland', 'Frankreich', 'Schweiz', 'Vereinigtes Königreich']);
    expect(list.find((c) => c.code === 'FR')?.currency).toBe('EUR');
    // Built once per settings and locale: the same markets give the same list in each language, and the markets
    // of changed settings (a new array) a list of their own.
    const markets = [m(['DE', 'AT'], 'EUR')];
    expect(selectableCountries(markets, 'GB', 'de')).toBe(selectableCountries(markets, 'GB', 'de'));
    expect(selectableCountries(markets, 'GB', 'en').map((c) => c.name)).toEqual(['Austria', 'Germany', 'United Kingdom']);
    expect(selectableCountries(markets, 'GB', 'de').map((c) => c.name)).toEqual(['Deutschland', 'Österreich', 'Vereinigtes Königreich']);
    expect(selectableCountries([m(['DE', 'AT', 'NL'], 'EUR')], 'GB', 'en').map((c) => c.code)).toEqual(['AT', 'DE', 'NL', 'GB']);
  });
});

describe('a GBP store selling to the euro area', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let slug: string;
  let storeId: string;
  let cookie: string;
  let tea: { handle: string; variants: { id: string }[] };
  let mug: { handle: string; variants: { id: string }[] };
  let marketId: string;
  const host = () => `${slug}.localhost`;
  const shop = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    sf.request(`http://${host()}${path}`, { ...init, headers: { host: host(), ...(init.headers ?? {}) } });
  const html = async (path: string, headers: Record<string, string> = {}) => {
    const res = await shop(path, { headers });
    expect(res.status, path).toBe(200);
    return (await res.text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/!]*-->/g, '');
  };
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    shop(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://${host()}`, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const cookieOf = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0];

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'markets-sf-test-secret-0123456789abcdef',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie, undefined, 'GBP');
    storeId = store.id;
    slug = store.slug;
    const set = await p.request('PUT', `/api/v1/stores/${storeId}/settings`, { cookie, body: { country: 'GB', languages: ['en', 'de'] } });
    expect(set.status, set.text).toBe(200);
    const market = await p.request('POST', `/api/v1/stores/${storeId}/markets`, {
      cookie,
      body: {
        name: 'Euro area',
        countries: ['DE', 'FR'],
        currency: 'EUR',
        exchangeRate: '1.1634',
        roundingIncrement: 5,
        taxInclusive: true,
        languages: ['de'],
      },
    });
    expect(market.status, market.text).toBe(201);
    marketId = market.body.id;
    tea = await createProduct(p, cookie, storeId, { title: 'Sencha', variants: [{ sku: 'TEA-1', price: 1000, compareAtPrice: 1200, inventoryQuantity: 20 }] });
    mug = await createProduct(p, cookie, storeId, { title: 'Mug', variants: [{ sku: 'MUG-1', price: 2000, inventoryQuantity: 20 }] });
    const fixed = await p.request('PUT', `/api/v1/stores/${storeId}/markets/${marketId}/prices/${mug.variants[0]?.id}`, { cookie, body: { price: 1999 } });
    expect(fixed.status, fixed.text).toBe(200);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('shows store prices in the store country and converted euro prices under /de-de, in German', async () => {
    const home = await html(`/products/${tea.handle}`);
    expect(home).toContain('£10.00');
    expect(home).not.toContain('€');
    const de = await html(`/de-de/products/${tea.handle}`);
    expect(de).toContain('<html lang="de">');
    // 1000 × 1.1634 = 1163.4 → increment 5 → 1165; compare-at 1200 × 1.1634 = 1396.08 → 1395.
    expect(de).toMatch(/11,65\s€/);
    expect(de).toMatch(/13,95\s€/);
    expect(de).not.toContain('£');
    // Search engines read the same offer as the shopper: JSON-LD in the market's price and currency.
    expect(de).toContain('"price":"11.65","priceCurrency":"EUR"');
    expect(home).toContain('"price":"10.00","priceCurrency":"GBP"');
    expect(de).toContain('Land/Region');
  });

  it('uses a fixed market price over the conversion, on the product page and on cards', async () => {
    expect(await html(`/products/${mug.handle}`, { cookie: 'sf_country=FR' })).toMatch(/19[.,]99\s?€|€\s?19[.,]99/);
    const search = await html('/search?q=mug', { cookie: 'sf_country=FR' });
    expect(search).toMatch(/19[.,]99\s?€|€\s?19[.,]99/);
  });

  it('follows Accept-Language region when nothing else says, and keeps the store market for other countries', async () => {
    expect(await html(`/products/${tea.handle}`, { 'accept-language': 'fr-FR,fr;q=0.9' })).toMatch(/11[.,]65\s?€|€\s?11[.,]65/);
    expect(await html(`/products/${tea.handle}`, { 'accept-language': 'en-US' })).toContain('£10.00');
  });

  it('moves the open cart to the chosen market and prices it there with VAT included', async () => {
    const added = await form('/cart/add', { variantId: tea.variants[0]?.id as string, quantity: '2' });
    expect(added.status).toBe(303);
    const cart = cookieOf(added, 'sf_cart') as string;
    expect(cart).toBeTruthy();
    expect(await html('/cart', { cookie: cart })).toContain('£20.00');

    const chose = await form('/country', { country: 'DE', to: '/cart' }, { cookie: cart });
    expect(chose.status).toBe(303);
    expect(chose.headers.get('location')).toBe('/cart');
    const country = cookieOf(chose, 'sf_country') as string;
    expect(country).toBe('sf_country=DE');
    const page = await html('/cart', { cookie: `${cart}; ${country}` });
    // 2 × €11.65 in a tax-inclusive market: the total is the gross sum.
    expect(page).toMatch(/€23\.30|23,30\s€/);
    expect(page).not.toContain('£');

    // A country the store does not sell to separately is refused quietly: no cookie, cart unchanged.
    const other = await form('/country', { country: 'US', to: '/cart' }, { cookie: cart });
    expect(cookieOf(other, 'sf_country')).toBeUndefined();
    expect(await html('/cart', { cookie: cart })).toMatch(/€23\.30|23,30\s€/);
  });

  it('back in the home market, a shopper whose language the selector chose gets the store language again; a chosen one stays', async () => {
    /** A cookie jar over the storefront's Set-Cookie answers (a deleted cookie leaves the jar). */
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(';');
        const [name, value] = (pair as string).split('=') as [string, string];
        if (value === '' || attrs.some((a) => /max-age=0$/i.test(a.trim()))) jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    };
    const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const lang = async (path: string) => (await html(path, { cookie: cookies() })).match(/<html lang="([^"]+)"/)?.[1];
    const pick = async (country: string, to: string) => keep(await form('/country', { country, to }, { cookie: cookies() }));

    expect((await pick('DE', `/products/${tea.handle}`)).status).toBe(303);
    expect(await lang(`/products/${tea.handle}`)).toBe('de');
    const home = await pick('GB', `/de/products/${tea.handle}`);
    // The prefix the German page carried goes with the language the selector had chosen.
    expect(home.headers.get('location')).toBe(`/products/${tea.handle}`);
    expect(await lang(`/products/${tea.handle}`)).toBe('en');
    expect(await html(`/products/${tea.handle}`, { cookie: cookies() })).toContain('£10.00');

    // A language the shopper chose in the language menu is theirs: the selector leaves it, at home and abroad.
    keep(await shop('/lang/de?to=/', { headers: { cookie: cookies() } }));
    await pick('DE', '/');
    await pick('GB', '/');
    expect(await lang(`/products/${tea.handle}`)).toBe('de');
  });

  it('caches catalogue pages per country, so a shopper in Germany never gets the British page', async () => {
    const cachedSf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'markets-sf-test-secret-0123456789abcdef',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 60_000,
    });
    const get = async (headers: Record<string, string>) =>
      (await cachedSf.request(`http://${host()}/products/${tea.handle}`, { headers: { host: host(), ...headers } })).text();
    expect(await get({})).toContain('£10.00');
    expect(await get({ cookie: 'sf_country=DE' })).toMatch(/€11\.65|11,65\s€/);
    expect(await get({})).toContain('£10.00');
  });
});

describe('the product page says whether its price includes tax', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let slug: string;
  let storeId: string;
  let cookie: string;
  let handle: string;
  const page = async (path: string, headers: Record<string, string> = {}) => {
    const res = await sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost`, ...headers } });
    expect(res.status, path).toBe(200);
    const html = await res.text();
    return html.match(/data-testid="tax-note"[^>]*>([^<]*)</)?.[1] ?? null;
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'markets-sf-test-secret-0123456789abcdef',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie, undefined, 'GBP');
    storeId = store.id;
    slug = store.slug;
    const set = await p.request('PUT', `/api/v1/stores/${storeId}/settings`, {
      cookie,
      body: { country: 'GB', languages: ['en', 'de', 'fr', 'es', 'ja', 'zh-CN'] },
    });
    expect(set.status, set.text).toBe(200);
    for (const body of [
      { name: 'Euro area', countries: ['DE'], currency: 'EUR', exchangeRate: '1.1634', taxInclusive: true, languages: ['de'] },
      { name: 'United States', countries: ['US'], currency: 'USD', exchangeRate: '1.27', taxInclusive: false },
    ]) {
      const market = await p.request('POST', `/api/v1/stores/${storeId}/markets`, { cookie, body });
      expect(market.status, market.text).toBe(201);
    }
    handle = (await createProduct(p, cookie, storeId, { title: 'Sencha', variants: [{ sku: 'TEA-N', price: 1000, inventoryQuantity: 20 }] })).handle;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('shows no note while the store charges no tax', async () => {
    expect(await page(`/products/${handle}`)).toBeNull();
    expect(await page(`/de-de/products/${handle}`)).toBeNull();
  });

  it('says "excl. tax" at home (exclusive), "inkl. MwSt." in Germany (inclusive), nothing where no rate applies', async () => {
    for (const country of ['GB', 'DE']) {
      const r = await p.request('POST', `/api/v1/stores/${storeId}/tax-rates/enable`, { cookie, body: { country } });
      expect(r.status, r.text).toBeLessThan(300);
    }
    expect(await page(`/products/${handle}`)).toBe('excl. tax');
    expect(await page(`/de-de/products/${handle}`)).toBe('inkl. MwSt.');
    expect(await page(`/products/${handle}`, { cookie: 'sf_country=US' })).toBeNull();
  });

  it('in every storefront language', async () => {
    const de = { cookie: 'sf_country=DE' };
    expect(await page(`/fr/products/${handle}`, de)).toBe('TTC');
    expect(await page(`/es/products/${handle}`, de)).toBe('impuestos incluidos');
    expect(await page(`/ja/products/${handle}`, de)).toBe('税込');
    expect(await page(`/zh-cn/products/${handle}`, de)).toBe('含税');
    expect(await page(`/fr/products/${handle}`)).toBe('HT');
    expect(await page(`/ja/products/${handle}`)).toBe('税抜');
    // zh-cn's region is China, where this store has no rate: the British shopper (selector cookie) sees the note.
    expect(await page(`/zh-cn/products/${handle}`)).toBeNull();
    expect(await page(`/zh-cn/products/${handle}`, { cookie: 'sf_country=GB' })).toBe('不含税');
    expect(await page(`/es/products/${handle}`)).toBe('impuestos no incluidos');
    expect(await page(`/de/products/${handle}`)).toBe('zzgl. MwSt.');
  });

  it('the Storefront API product read says whether each price includes tax, in the market currency, as the page does', async () => {
    // Rates for GB and DE are enabled by the test above.
    const read = async (query: string, headers: Record<string, string> = {}) => {
      const res = await sf.request(`http://${slug}.localhost/api/storefront/v1/products/${handle}${query}`, {
        headers: { host: `${slug}.localhost`, ...headers },
      });
      expect(res.status, query).toBe(200);
      return (await res.json()) as {
        currency: string;
        taxInclusive: boolean;
        taxNote: string | null;
        variants: { price: number; currency: string; taxInclusive: boolean }[];
      };
    };
    const de = await read('?country=DE');
    // 1000 × 1.1634 = 1163.4 → 1163 cents, VAT inside (inclusive market).
    expect(de).toMatchObject({ currency: 'EUR', taxInclusive: true, taxNote: 'included', variants: [{ price: 1163, currency: 'EUR', taxInclusive: true }] });
    const us = await read('?country=US');
    // Exclusive market, and no US rate: nothing added, no note.
    expect(us).toMatchObject({ currency: 'USD', taxInclusive: false, taxNote: null, variants: [{ price: 1270, currency: 'USD', taxInclusive: false }] });
    const home = await read('');
    // The primary market (GB, exclusive, UK VAT added at checkout).
    expect(home).toMatchObject({
      currency: 'GBP',
      taxInclusive: false,
      taxNote: 'excluded',
      variants: [{ price: 1000, currency: 'GBP', taxInclusive: false }],
    });
    // Without `country`, the request's country (the selector's cookie) decides, as on the page.
    expect(await read('', { cookie: 'sf_country=DE' })).toMatchObject({ currency: 'EUR', taxNote: 'included', variants: [{ taxInclusive: true }] });
  });

  it('with a store-wide rate and no rates by destination, follows the store rate', async () => {
    const other = await createStore(p, cookie, undefined, 'GBP');
    const r = await p.request('PUT', `/api/v1/stores/${other.id}/checkout-settings`, {
      cookie,
      body: { shipping: { mode: 'flat', flatRate: 0, freeOver: null, weightRates: [] }, tax: { ratePercent: 20, includedInPrices: true } },
    });
    expect(r.status, r.text).toBe(200);
    const h = (await createProduct(p, cookie, other.id, { title: 'Kettle', variants: [{ sku: 'K-1', price: 3000, inventoryQuantity: 2 }] })).handle;
    const res = await sf.request(`http://${other.slug}.localhost/products/${h}`, { headers: { host: `${other.slug}.localhost` } });
    expect(await res.text()).toMatch(/data-testid="tax-note"[^>]*>incl\. tax</);
  });
});
