/**
 * Hono's default router (SmartRouter over RegExpRouter and TrieRouter) with its answer kept per method and path
 * (issue 23). The storefront's routes make SmartRouter fall back to the trie, which walked every candidate node,
 * copied parameter objects and sorted the handler sets on every request: ~5% of a cached product page's CPU, the
 * largest frame after the socket write. A path's answer depends only on the routes, which are all added before the
 * first request, and hono only reads it, so the same answer serves every request for that path.
 *
 * Unlike packages/http's ShapeCachedRouter (the API's, by path shape) this keys by the exact path, so it also holds
 * with value-dependent segments (`/:file{sitemap-…}`); the paths a store is browsed on repeat. Bounded: only short
 * paths are kept, and the map starts over when full (a client inventing paths only sends its requests to the router).
 */
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

const MAX_PATH = 256;

export class PathCachedRouter<T> implements Router<T> {
  readonly name = 'PathCachedRouter';
  readonly #router: Router<T> = new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });
  readonly #answers = new Map<string, Result<T>>();

  constructor(private readonly maxPaths = 4096) {}

  /** How many paths are kept. */
  get size(): number {
    return this.#answers.size;
  }

  add(method: string, path: string, handler: T): void {
    this.#answers.clear();
    this.#router.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    if (path.length > MAX_PATH) return this.#router.match(method, path);
    const key = `${method} ${path}`;
    let answer = this.#answers.get(key);
    if (!answer) {
      answer = this.#router.match(method, path);
      if (this.#answers.size >= this.maxPaths) this.#answers.clear();
      this.#answers.set(key, answer);
    }
    return answer;
  }
}
