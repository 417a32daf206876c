/**
 * Search over translated text (issue 19): a product's German title, option values and description are indexed in
 * the German index (German stemming; the real worker), so a German query on /de/search or the Storefront API with
 * locale=de finds it, untranslated products by their original text; editing or removing the translation reindexes
 * the product. Real Postgres and queue.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueTranslationReindexes } from '@storeloom/store-search';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('search over translated text', () => {
  let p: TestPlatform;
  let cookie: string;
  let storefront: ReturnType<typeof createStorefrontApp>;
  let store: { id: string; slug: string };

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'postgres' });
    ({ cookie } = await signup(p));
    await p.startWorker();
    storefront = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', storeCacheTtlMs: 0, pageCacheTtlMs: 0 });
    store = await createStore(p, cookie);
  });
  afterAll(async () => {
    await p?.close();
  });

  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
  const hits = async (q: string, locale = 'de') => {
    const res = await storefront.request(`http://${store.slug}.localhost/api/storefront/v1/search?q=${encodeURIComponent(q)}&locale=${locale}`, {
      headers: { host: `${store.slug}.localhost` },
    });
    return ((await res.json()) as { hits: { title: string }[] }).hits.map((h) => h.title);
  };
  async function eventually(q: string, check: (titles: string[]) => boolean, what: string, locale = 'de') {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await hits(q, locale);
      if (check(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: not reached; last ${JSON.stringify(v)}`);
      await sleep(150);
    }
  }

  it('finds a product by its German title, option value and description, and follows edits and removal', async () => {
    expect((await api('PUT', '/settings', { languages: ['en', 'de'] })).status).toBe(200);
    const shirt = await createProduct(p, cookie, store.id, {
      title: 'Linen shirt',
      description: '<p>Cool in summer.</p>',
      options: [{ name: 'Colour', values: ['Sand'] }],
      variants: [{ sku: 'LS-1', price: 4500, inventoryQuantity: 3, options: { Colour: 'Sand' } }],
    });
    await createProduct(p, cookie, store.id, { title: 'Wool hat' });
    await eventually('linen', (t) => t.includes('Linen shirt'), 'the original indexed');
    expect(await hits('Leinenhemd')).toEqual([]);

    const put = await api('PUT', `/products/${shirt.id}/translations/de`, {
      title: 'Leinenhemd',
      description: '<p>Kühl im Sommer.</p>',
      options: { Colour: { name: 'Farbe', values: { Sand: 'Sandfarben' } } },
    });
    expect(put.status, put.text).toBe(200);
    // German hits carry the German title; German stemming ("Leinenhemden" -> "leinenhemd") on the query and the text
    await eventually('Leinenhemd', (t) => t.includes('Leinenhemd'), 'the German title indexed');
    expect(await hits('Leinenhemden')).toEqual(['Leinenhemd']);
    expect(await hits('sandfarben')).toEqual(['Leinenhemd']);
    expect(await hits('kühl sommer')).toEqual(['Leinenhemd']);
    // the untranslated product is found in German by its original text; the English index has no German text
    expect(await hits('wool hat')).toEqual(['Wool hat']);
    expect(await hits('Leinenhemd', 'en')).toEqual([]);
    expect(await hits('linen', 'en')).toEqual(['Linen shirt']);
    // the merchant API searches as a shopper in a locale too
    const merchant = await api('GET', '/search?q=Leinenhemden&locale=de');
    expect(merchant.status).toBe(200);
    expect((merchant.body as { hits: { title: string }[] }).hits.map((h) => h.title)).toEqual(['Leinenhemd']);

    // The German search page shows the product under its German title.
    const page = await storefront.request(`http://${store.slug}.localhost/de/search?q=Leinenhemd`, { headers: { host: `${store.slug}.localhost` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Leinenhemd');

    expect((await api('DELETE', `/products/${shirt.id}/translations/de`)).status).toBe(204);
    await eventually('Leinenhemd', (t) => t.length === 0, 'the removed translation unindexed');
  });

  it('analyses a store whose default language is German in German, and rebuilds the index when the default changes', async () => {
    const other = await createStore(p, cookie);
    const call = (method: string, path: string, body?: unknown) =>
      p.request(method, `/api/v1/stores/${other.id}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
    const find = async (q: string, locale?: string) => {
      const res = await storefront.request(
        `http://${other.slug}.localhost/api/storefront/v1/search?q=${encodeURIComponent(q)}${locale ? `&locale=${locale}` : ''}`,
        { headers: { host: `${other.slug}.localhost` } },
      );
      return ((await res.json()) as { hits: { title: string }[] }).hits.map((h) => h.title);
    };
    const until = async (q: string, want: string[], what: string, locale?: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const v = await find(q, locale);
        if (JSON.stringify(v) === JSON.stringify(want)) return;
        if (Date.now() > deadline) throw new Error(`${what}: not reached; last ${JSON.stringify(v)}`);
        await sleep(150);
      }
    };
    await createProduct(p, cookie, other.id, { title: 'Blaues Kleid', description: '<p>Leichte Baumwolle für den Sommer.</p>' });
    await until('kleid', ['Blaues Kleid'], 'the product indexed');
    // English analysis (the store's default so far): the German plural is another word.
    expect(await find('Kleider')).toEqual([]);
    expect((await call('PUT', '/settings', { languages: ['de', 'en'] })).status).toBe(200);
    // German now: "Kleider" and "Kleid" share the stem, in the default index and for locale=de (the same index).
    await until('Kleider', ['Blaues Kleid'], 'the default index analysed in German');
    expect(await find('Kleider', 'de')).toEqual(['Blaues Kleid']);
    expect(await find('Baumwolle Sommer')).toEqual(['Blaues Kleid']);
    // Back to English: rebuilt again.
    expect((await call('PUT', '/settings', { languages: ['en', 'de'] })).status).toBe(200);
    await until('Kleider', [], 'the default index analysed in English again');
  });

  it('queues one reindex for a store whose translations predate per-language search, and none once indexed', async () => {
    const old = await createStore(p, cookie);
    expect((await p.request('PUT', `/api/v1/stores/${old.id}/settings`, { cookie, body: { languages: ['en', 'de'] } })).status).toBe(200);
    const coat = await createProduct(p, cookie, old.id, { title: 'Rain coat' });
    const find = async (q: string) => {
      const res = await storefront.request(`http://${old.slug}.localhost/api/storefront/v1/search?q=${encodeURIComponent(q)}&locale=de`, {
        headers: { host: `${old.slug}.localhost` },
      });
      return ((await res.json()) as { hits: { title: string }[] }).hits.map((h) => h.title);
    };
    const deadline = Date.now() + 30_000;
    while (!(await find('rain coat')).length) {
      if (Date.now() > deadline) throw new Error('the original not indexed');
      await sleep(150);
    }
    // A translation written the way stores had them before search read translations: no index event.
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', old.id).executeTakeFirstOrThrow()).schema_name;
    await p.db.tenant(schema).insertInto('product_translations').values({ product_id: coat.id, locale: 'de', title: 'Regenmantel' }).execute();
    expect(await find('Regenmantel')).toEqual([]);
    // The worker's start-up step (run here directly) queues this store, and the reindex brings the German title in.
    expect(await queueTranslationReindexes(p.db, p.queues)).toBeGreaterThanOrEqual(1);
    const until = Date.now() + 30_000;
    while (!(await find('Regenmantel')).includes('Regenmantel')) {
      if (Date.now() > until) throw new Error('the translation not indexed by the queued reindex');
      await sleep(150);
    }
    // Indexed now: nothing to queue for it (other stores of this file have their translations indexed as well).
    expect(await queueTranslationReindexes(p.db, p.queues)).toBe(0);
  });
});
