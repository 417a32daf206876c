import { randomUUID } from 'node:crypto';
import { ShapeCachedRouter } from '@storeloom/http';
import { createLogger } from '@storeloom/log';
import type { Result } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { apiDocument, createControlPlaneApp } from '../src/app.ts';

type App = ReturnType<typeof createControlPlaneApp>;
type RouteEntry = [unknown, { method: string; path: string }];

/**
 * Each handler of a match with its parameters' values, whichever form the router answered in (values, or indexes into
 * a stash as ShapeCachedRouter and hono's RegExpRouter answer): what hono's `c.req.param()` reads.
 */
function resolved<T>(result: Result<T>): [T, Record<string, string>][] {
  const stash = result[1];
  return (result[0] as [T, Record<string, string | number>][]).map(([handler, params]) => {
    const values: Record<string, string> = {};
    for (const [name, p] of Object.entries(params)) values[name] = stash ? (stash[p as number] as string) : (p as string);
    return [handler, values];
  });
}

/** What a match decides: every handler in order, with the route it was registered as and its parameters. */
const decided = (result: Result<RouteEntry>) =>
  resolved(result).map(([[handler, route], params]) => ({ handler, route: `${route.method} ${route.path}`, params }));

/** Handlers compared by identity: each distinct function gets a number. */
const ids = new Map<unknown, number>();
const handlerIds = (f: unknown) => {
  if (!ids.has(f)) ids.set(f, ids.size);
  return `handler#${ids.get(f)}`;
};

describe('ShapeCachedRouter', () => {
  let p: TestPlatform;
  let app: App;
  let reference: TrieRouter<RouteEntry>;
  beforeAll(async () => {
    p = await startTestPlatform();
    app = createControlPlaneApp(p.services, createLogger({ level: 'silent' }));
    // The router the app had before: hono's trie (SmartRouter chose it, RegExpRouter refusing these routes), given the same routes in the same order.
    reference = new TrieRouter<RouteEntry>();
    for (const r of app.routes) reference.add(r.method, r.path, [r.handler, r]);
  });
  afterAll(async () => {
    await p.close();
  });

  it('resolves every operation of the OpenAPI document to the same handlers, routes and parameters as the trie', () => {
    expect(app.router).toBeInstanceOf(ShapeCachedRouter);
    const doc = apiDocument();
    const paths = Object.keys(doc.paths ?? {});
    expect(paths.length).toBeGreaterThan(100);
    // Literal segments of the API by position: a parameter given one of them must still resolve as the trie does
    // (e.g. GET /stores/deleted before /stores/{storeId}, /products/export.csv before /products/{productId}).
    const literalsAt = new Map<number, Set<string>>();
    for (const path of paths)
      path.split('/').forEach((s, i) => {
        if (s && !s.startsWith('{')) literalsAt.set(i, (literalsAt.get(i) ?? new Set()).add(s));
      });
    let checked = 0;
    const wrong: string[] = [];
    const check = (method: string, path: string) => {
      const want = JSON.stringify(decided(reference.match(method, path)), (_, v) => (typeof v === 'function' ? handlerIds(v) : v));
      // Twice: the first request of a shape asks the trie, the second is answered from the kept shape.
      for (const pass of ['first', 'kept']) {
        const got = JSON.stringify(decided(app.router.match(method, path) as Result<RouteEntry>), (_, v) => (typeof v === 'function' ? handlerIds(v) : v));
        if (got !== want) wrong.push(`${method} ${path} (${pass}): ${got} != ${want}`);
      }
      checked++;
    };
    for (const path of paths) {
      const methods = Object.keys(doc.paths?.[path] ?? {}).map((m) => m.toUpperCase());
      const slots = path
        .split('/')
        .map((s, i) => (s.startsWith('{') ? i : -1))
        .filter((i) => i >= 0);
      const fill = (values: (segment: number) => string) =>
        `/api/v1${path
          .split('/')
          .map((s, i) => (s.startsWith('{') ? values(i) : s))
          .join('/')}`;
      for (const method of [...methods, 'HEAD', 'OPTIONS']) {
        // Fresh ids, the same value in every slot, a trailing slash, and each literal found at a slot's position.
        check(
          method,
          fill(() => randomUUID()),
        );
        check(
          method,
          fill(() => 'same-value'),
        );
        check(method, `${fill(() => randomUUID())}/`);
        for (const slot of slots)
          for (const literal of literalsAt.get(slot) ?? [])
            check(
              method,
              fill((i) => (i === slot ? literal : randomUUID())),
            );
      }
    }
    for (const path of [
      '/',
      '/healthz',
      '/readyz',
      '/metrics',
      '/media/a/b.png',
      '/console',
      '/console/stores/x',
      '/api/v1',
      '/api/v1/',
      '/api/v1/nope',
      '//api/v1/stores',
      '/api//v1/stores',
    ])
      for (const method of ['GET', 'POST', 'DELETE']) check(method, path);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('is the plain trie when a route has a segment whose match depends on its value', () => {
    const shapes = new ShapeCachedRouter<string>();
    const trie = new TrieRouter<string>();
    for (const [method, path, handler] of [
      ['ALL', '*', 'all'],
      ['GET', '/items/:id{[0-9]+}', 'numeric'],
      ['GET', '/items/:slug', 'slug'],
      ['GET', '/files/report-*', 'report'],
    ] as const) {
      shapes.add(method, path, handler);
      trie.add(method, path, handler);
    }
    for (const path of ['/items/42', '/items/shirt', '/items/42', '/files/report-2026', '/files/other'])
      expect(resolved(shapes.match('GET', path)), path).toEqual(resolved(trie.match('GET', path)));
  });

  it('keeps a bounded number of shapes', () => {
    const shapes = new ShapeCachedRouter<string>(4);
    const trie = new TrieRouter<string>();
    for (const [path, handler] of [
      ['/a/:x', 'a'],
      ['/a/b', 'b'],
      ['/a/:x/:y', 'c'],
    ] as const) {
      shapes.add('GET', path, handler);
      trie.add('GET', path, handler);
    }
    for (let n = 1; n < 20; n++)
      for (const path of [`/a${'/b'.repeat(n)}`, `/a${'/x'.repeat(n)}`, '/a/b', '/a/c', '/a/c/d', '/a/b/b']) {
        expect(resolved(shapes.match('GET', path)), path).toEqual(resolved(trie.match('GET', path)));
        expect(shapes.shapes).toBeLessThanOrEqual(4);
      }
    expect(resolved(shapes.match('GET', '/a/b'))).toEqual([
      ['a', { x: 'b' }],
      ['b', {}],
    ]);
    expect(resolved(shapes.match('GET', '/a/c/d'))).toEqual([['c', { x: 'c', y: 'd' }]]);
  });
});
