/**
 * Storefront languages: six catalogues with the same keys and placeholders, the language of a request (locale
 * prefix, cookie, Accept-Language, store default), hreflang alternates and per-language sitemaps, over real
 * Postgres through the API and the storefront in-process.
 */
import { LANGUAGES } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { messagePlaceholders as placeholders, STORE_LANGUAGES } from '@storeloom/money';
import { SUPPORTED_LOCALES } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';
import { hreflangAlternates, negotiateLanguage, parseLocalePrefix } from '../src/locale.ts';
import { CATALOGS } from '../src/messages/index.ts';
import { english, LANG_NAMES, LANGS } from '../src/ui/i18n.ts';

describe('storefront catalogues', () => {
  it('the storefront, the store settings and the commerce settings offer the one list of @storeloom/money, each with a catalogue', () => {
    expect(LANGUAGES).toBe(STORE_LANGUAGES);
    expect(SUPPORTED_LOCALES).toBe(STORE_LANGUAGES);
    expect(LANGS).toBe(STORE_LANGUAGES);
    expect(Object.keys(CATALOGS).sort()).toEqual([...LANGS].sort());
    expect(Object.keys(LANG_NAMES).sort()).toEqual([...LANGS].sort());
  });

  it('every catalogue has exactly the English keys, each non-empty with the same placeholders', () => {
    const keys = Object.keys(english).sort();
    for (const [lang, messages] of Object.entries(CATALOGS)) {
      expect(Object.keys(messages).sort(), lang).toEqual(keys);
      for (const key of keys) {
        const text = messages[key as keyof typeof english];
        expect(text.trim(), `${lang}.${key}`).not.toBe('');
        expect(placeholders(text), `${lang}.${key}`).toEqual(placeholders(english[key as keyof typeof english]));
      }
    }
  });

  it('translations are translations: most strings differ from English', () => {
    for (const [lang, messages] of Object.entries(CATALOGS)) {
      if (lang === 'en') continue;
      const same = Object.entries(messages).filter(([k, v]) => v === english[k as keyof typeof english]).length;
      expect(same / Object.keys(english).length, lang).toBeLessThan(0.1);
    }
  });
});

describe('language of a request', () => {
  it('reads a locale prefix: language, optional region, zh as Simplified Chinese', () => {
    expect(parseLocalePrefix('/de/products/x')).toEqual({ lang: 'de', country: null, prefix: '/de' });
    expect(parseLocalePrefix('/DE-at')).toEqual({ lang: 'de', country: 'AT', prefix: '/de-at' });
    expect(parseLocalePrefix('/zh-cn/cart')).toEqual({ lang: 'zh-CN', country: 'CN', prefix: '/zh-cn' });
    expect(parseLocalePrefix('/zh-tw/cart')).toBeNull();
    expect(parseLocalePrefix('/xx/cart')).toBeNull();
    expect(parseLocalePrefix('/products/de')).toBeNull();
    expect(parseLocalePrefix('/design')).toBeNull();
  });

  it('negotiates Accept-Language by q-value among the store languages, falling back to the primary language', () => {
    const offered = ['en', 'de', 'ja'] as const;
    expect(negotiateLanguage('fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7', offered)).toBe('de');
    expect(negotiateLanguage('de-AT', offered)).toBe('de');
    expect(negotiateLanguage('en;q=0.2, ja;q=0.9', offered)).toBe('ja');
    expect(negotiateLanguage('zh-Hans-CN,zh;q=0.9', ['en', 'zh-CN'])).toBe('zh-CN');
    expect(negotiateLanguage('fr', offered)).toBeNull();
    expect(negotiateLanguage('de;q=0', offered)).toBeNull();
    expect(negotiateLanguage(undefined, offered)).toBeNull();
  });

  it('lists hreflang alternates with x-default, the default language unprefixed', () => {
    expect(hreflangAlternates('https://s.example', '/products/a', ['en', 'de'], 'en')).toEqual([
      { hreflang: 'en', href: 'https://s.example/products/a' },
      { hreflang: 'de', href: 'https://s.example/de/products/a' },
      { hreflang: 'x-default', href: 'https://s.example/products/a' },
    ]);
    expect(hreflangAlternates('https://s.example', '/', ['de', 'zh-CN'], 'de').map((a) => a.href)).toEqual([
      'https://s.example/',
      'https://s.example/zh-cn',
      'https://s.example/',
    ]);
    expect(hreflangAlternates('https://s.example', '/', ['en'], 'en')).toEqual([]);
  });
});

describe('a store in English, German and Japanese', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let slug: string;
  let handle: string;
  const shop = (path: string, headers: Record<string, string> = {}) =>
    sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost`, ...headers } });
  const html = async (path: string, headers: Record<string, string> = {}) => {
    const res = await shop(path, headers);
    expect(res.status, path).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'languages-test-secret-0123456789abcdef',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
    });
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    slug = store.slug;
    const set = await p.request('PUT', `/api/v1/stores/${store.id}/settings`, { cookie, body: { languages: ['en', 'de', 'ja'] } });
    expect(set.status, set.text).toBe(200);
    handle = (await createProduct(p, cookie, store.id, { title: 'Linen shirt' })).handle;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('serves German under /de with its own canonical, hreflang alternates and html lang', async () => {
    const page = await html(`/de/products/${handle}`);
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('In den Warenkorb');
    expect(page).not.toContain('Add to cart');
    const origin = `http://${slug}.localhost`;
    expect(page).toContain(`<link rel="canonical" href="${origin}/de/products/${handle}">`);
    for (const [lang, href] of [
      ['en', `${origin}/products/${handle}`],
      ['de', `${origin}/de/products/${handle}`],
      ['ja', `${origin}/ja/products/${handle}`],
      ['x-default', `${origin}/products/${handle}`],
    ])
      expect(page).toContain(`<link rel="alternate" hreflang="${lang}" href="${href}">`);
    // The page refers to its catalogue as a cached, content-hashed script instead of carrying it in its data;
    // English pages need none (the bundle has English).
    expect(page).not.toContain('"messages":{');
    const catalogueSrc = /<script defer src="(\/assets\/messages-de-[0-9a-f]{12}\.js)"><\/script><script type="module"/.exec(page)?.[1];
    expect(catalogueSrc, 'the German catalogue script, before the entry').toBeTruthy();
    const catalogue = await shop(catalogueSrc as string, { 'accept-encoding': 'identity' });
    expect(catalogue.status).toBe(200);
    expect(catalogue.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(catalogue.headers.get('content-type')).toContain('text/javascript');
    const catalogueText = await catalogue.text();
    expect(catalogueText.startsWith('self.__sfMessages={')).toBe(true);
    expect(catalogueText).toContain('In den Warenkorb');
    expect(catalogueText).not.toContain('カートに追加');
    // The Japanese page names the Japanese one; the English page none.
    expect(await html(`/ja/products/${handle}`)).toMatch(/<script defer src="\/assets\/messages-ja-[0-9a-f]{12}\.js">/);
    const english = await html(`/products/${handle}`);
    expect(english).not.toContain('"messages":{');
    expect(english).not.toContain('/assets/messages-');
    // The language menu names each language in itself.
    expect(page).toContain('日本語');
    expect(await html('/de')).toContain('<html lang="de">');
    // The browser bundle carries English only: other catalogues come with their page.
    const src = /<script type="module" src="([^"]+)"><\/script>/.exec(page)?.[1];
    expect(src).toBeTruthy();
    const bundle = await (await shop(src as string)).text();
    expect(bundle).toContain('Add to cart');
    for (const foreign of ['In den Warenkorb', 'カートに追加', '加入购物车', 'Ajouter au panier']) expect(bundle).not.toContain(foreign);
  });

  it('picks the language by prefix, then cookie, then Accept-Language, then the store default', async () => {
    expect(await html('/', { 'accept-language': 'ja-JP,ja;q=0.9' })).toContain('<html lang="ja">');
    expect(await html('/', { 'accept-language': 'fr-FR' })).toContain('<html lang="en">');
    expect(await html('/', { 'accept-language': 'ja', cookie: 'sf_lang=de' })).toContain('<html lang="de">');
    expect(await html('/ja/', { cookie: 'sf_lang=de' })).toContain('<html lang="ja">');
    const res = await shop('/de/cart', {});
    expect(res.headers.get('vary')).toContain('Accept-Language');
  });

  it('sends a prefix for a language the store does not offer to the page without it', async () => {
    const res = await shop(`/fr/products/${handle}?x=1`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/products/${handle}?x=1`);
  });

  it('publishes a sitemap index with one sitemap per language, each URL with its alternates', async () => {
    const index = await html('/sitemap.xml');
    expect(index).toContain('<sitemapindex');
    for (const l of ['en', 'de', 'ja']) expect(index).toContain(`/sitemap-${l}.xml</loc>`);
    const de = await html('/sitemap-de.xml');
    expect(de).toContain(`<loc>http://${slug}.localhost/de/products/${handle}</loc>`);
    expect(de).toContain(`<xhtml:link rel="alternate" hreflang="ja" href="http://${slug}.localhost/ja/products/${handle}"/>`);
    expect((await shop('/sitemap-fr.xml')).status).toBe(404);
  });
});
