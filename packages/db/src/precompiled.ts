/**
 * Queries compiled once per Kysely handle and re-run with new arguments. Building and compiling a Kysely query
 * (and the `withSchema` transform of a tenant handle) costs the server more CPU than the round trip of a one-row
 * read; a hot read path compiles its query on a handle's first call and afterwards only swaps the parameters.
 * Tenant handles are cached per schema (`db.tenant`), so each store compiles once; transaction handles are new
 * every time and simply compile as before.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

const SENTINEL = '\u0000storeloom-precompiled-arg-';

interface Template {
  compiled: CompiledQuery<unknown>;
  /** For each parameter: the argument index it takes, or -1 for a constant of the query. */
  slots: number[];
}

/**
 * `build` must pass each argument through to Kysely unchanged (as a value compared or inserted, not formatted into
 * a longer string): the first compilation checks that, so a query that transforms an argument is refused loudly
 * rather than run with a wrong parameter.
 */
export function precompiled<DB, Args extends string[], R>(
  build: (db: Kysely<DB>, ...args: Args) => Compilable<R>,
): (db: Kysely<DB>, ...args: Args) => Promise<R[]> {
  const templates = new WeakMap<Kysely<DB>, Template>();
  const compile = (db: Kysely<DB>, arity: number): Template => {
    const sentinels = Array.from({ length: arity }, (_, i) => `${SENTINEL}${i}\u0000`) as Args;
    const compiled = build(db, ...sentinels).compile() as CompiledQuery<unknown>;
    const used = new Set<number>();
    const slots = compiled.parameters.map((p) => {
      if (typeof p !== 'string' || !p.includes(SENTINEL)) return -1;
      const i = sentinels.indexOf(p);
      if (i < 0) throw new Error('precompiled: an argument was transformed by the query builder; pass it through unchanged');
      used.add(i);
      return i;
    });
    if (used.size !== arity) throw new Error('precompiled: every argument must appear in the query as a parameter');
    return { compiled, slots };
  };
  return async (db, ...args) => {
    let t = templates.get(db);
    if (!t) {
      t = compile(db, args.length);
      templates.set(db, t);
    }
    const { compiled, slots } = t;
    const parameters = compiled.parameters.map((p, i) => {
      const slot = slots[i] as number;
      return slot < 0 ? p : args[slot];
    });
    const result = await db.executeQuery<R>({ ...compiled, parameters } as CompiledQuery<R>);
    return result.rows;
  };
}
