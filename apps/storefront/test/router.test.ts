/**
 * PathCachedRouter (router.ts): the same answers as hono's default router, on the first request of a path and on
 * repeats, with parameters, a value-dependent segment (the sitemaps'), middlewares and methods; and bounded.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { PathCachedRouter } from '../src/router.ts';

function routes(app: Hono) {
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Route', c.req.routePath);
  });
  app.get('/', (c) => c.text('home'));
  app.get('/products/:handle', (c) => c.text(`product ${c.req.param('handle')}`));
  app.get('/collections/:handle', (c) => c.text(`collection ${c.req.param('handle')} page ${c.req.query('page') ?? '1'}`));
  app.get('/cart', (c) => c.text('cart'));
  app.post('/cart/add', (c) => c.text('added'));
  app.get('/sitemap.xml', (c) => c.text('index'));
  app.get('/:file{sitemap-[a-z]+\\.xml}', (c) => c.text(`sitemap ${c.req.param('file')}`));
  app.get('/:name', (c) => c.text(`name ${c.req.param('name')}`));
  app.notFound((c) => c.text('not found', 404));
  return app;
}

const PATHS = [
  '/',
  '/products/linen-shirt',
  '/products/oolong',
  '/products/linen-shirt',
  '/products/cart',
  '/products/',
  '/collections/summer?page=2',
  '/cart',
  '/sitemap.xml',
  '/sitemap-de.xml',
  '/sitemap-fr.xml',
  '/sitemap-DE.xml',
  '/anything',
  '/a/b/c',
];

describe('PathCachedRouter', () => {
  it('answers every path as the default router does, the first time and on repeats', async () => {
    const router = new PathCachedRouter<never>();
    const cached = routes(new Hono({ router }) as unknown as Hono);
    const plain = routes(new Hono());
    const answer = async (app: Hono, path: string, method = 'GET') => {
      const res = await app.request(`http://shop.test${path}`, { method });
      return { status: res.status, body: await res.text(), route: res.headers.get('x-route') };
    };
    for (let round = 0; round < 2; round++)
      for (const path of PATHS)
        for (const method of ['GET', 'POST', 'HEAD'])
          expect(await answer(cached, path, method), `${method} ${path}`).toEqual(await answer(plain, path, method));
    expect(router.size).toBeGreaterThan(0);
  });

  it('keeps at most maxPaths answers and none for long paths', async () => {
    const router = new PathCachedRouter<never>(3);
    const app = routes(new Hono({ router }) as unknown as Hono);
    for (const handle of ['a', 'b', 'c', 'd', 'e']) expect(await (await app.request(`http://shop.test/products/${handle}`)).text()).toBe(`product ${handle}`);
    expect(router.size).toBeLessThanOrEqual(3);
    const long = 'x'.repeat(300);
    const before = router.size;
    expect(await (await app.request(`http://shop.test/products/${long}`)).text()).toBe(`product ${long}`);
    expect(router.size).toBe(before);
  });
});
