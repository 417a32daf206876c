/**
 * Hono's TrieRouter with a cache of route shapes in front (issue 23). Hono's fast RegExpRouter refuses an API with
 * static and parameter segments at the same level (`/stores/deleted` beside `/stores/:storeId`), so SmartRouter
 * falls back to the trie, which walks every candidate node, copies parameter objects and sorts the handler sets on
 * each request (~6% of an API read's CPU).
 *
 * Which handlers a path matches, and which segment each parameter comes from, depend only on where the path has
 * one of the routes' literal segments (`stores`, `deleted`, `products`…), where it has an empty segment, and on its
 * length: any other segment is matched by exactly the same `:param` and `*` nodes whatever its value — as long as no
 * route has a value-dependent segment (`:id{[0-9]+}`, `prefix*`), in which case this router is the plain trie. So the
 * trie's answer for one path of a shape is the answer for all of them with the parameter values taken from the
 * same segments: the first request of a shape asks the trie with a stand-in for each variable segment, keeps the
 * handler list and where each parameter comes from, and later requests of that shape only split the path and look
 * the shape up. The cache is bounded (a client inventing shapes only makes requests go to the trie).
 */
import type { ParamIndexMap, Params, Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';

/**
 * A kept answer, in the form hono's RegExpRouter answers with: the handlers, each with a map from its parameter names
 * to indexes into a stash of values, built once per shape and shared by every request of it. The stash is the path's
 * own segments (the array `split` made for the request), followed by the parameter values that are the same for
 * every path of the shape (`constants`, e.g. a parameter matched by an empty segment). So a request allocates nothing
 * per handler (round 14: one params object per matched handler before, ~5 on an API read).
 */
type Template<T> = { handlers: [T, ParamIndexMap][]; constants: string[] };

const STAND_IN = '\u0001';

export class ShapeCachedRouter<T> implements Router<T> {
  readonly name = 'ShapeCachedRouter';
  readonly #trie = new TrieRouter<T>();
  /** Every literal segment of every route path. */
  readonly #literals = new Set<string>();
  /** False once a route has a segment whose match depends on its value. */
  #cacheable = true;
  readonly #shapes = new Map<string, Template<T>>();

  constructor(private readonly maxShapes = 4096) {}

  /** How many shapes are kept. */
  get shapes(): number {
    return this.#shapes.size;
  }

  add(method: string, path: string, handler: T): void {
    for (const segment of path.split('/')) {
      if (segment === '' || segment === '*' || /^:[^{}*]+\??$/.test(segment)) continue;
      if (segment.includes('{') || segment.includes('*') || segment.startsWith(':')) this.#cacheable = false;
      else this.#literals.add(segment);
    }
    this.#shapes.clear();
    this.#trie.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    if (!this.#cacheable) return this.#trie.match(method, path);
    const segments = path.split('/');
    let key = method;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as string;
      if (s === '' || this.#literals.has(s)) key += `/${s}`;
      else key += `/${STAND_IN}`;
    }
    let template = this.#shapes.get(key);
    if (!template) {
      template = this.#template(method, segments);
      if (this.#shapes.size >= this.maxShapes) this.#shapes.clear();
      this.#shapes.set(key, template);
    }
    // The stash: this request's segments (a fresh array of its own), then the shape's constant values.
    for (const c of template.constants) segments.push(c);
    return [template.handlers, segments];
  }

  /** Asks the trie with a distinct stand-in in each variable segment and notes where each parameter came from. */
  #template(method: string, segments: string[]): Template<T> {
    const standIns = segments.map((s, i) => (s === '' || this.#literals.has(s) ? s : `${STAND_IN}${i}`));
    const [matched, stash] = this.#trie.match(method, standIns.join('/'));
    const constants: string[] = [];
    const handlers = (matched as [T, Params | ParamIndexMap][]).map(([handler, params]): [T, ParamIndexMap] => {
      const indexes: ParamIndexMap = Object.create(null);
      for (const [name, raw] of Object.entries(params)) {
        const value = stash ? (stash[raw as number] as string) : (raw as string);
        if (value.startsWith(STAND_IN)) indexes[name] = Number(value.slice(1));
        else {
          indexes[name] = segments.length + constants.length;
          constants.push(value);
        }
      }
      return [handler, indexes];
    });
    return { handlers, constants };
  }
}
