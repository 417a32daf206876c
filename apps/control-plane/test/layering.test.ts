/**
 * The control plane's shape, checked on the sources: route files reach the
 * database only through services and answer with typed c.json (no untyped
 * helper, no `as never` casts that would hide a response from its schema).
 * That no route file imports another is checked for every app on the import
 * graph in test/architecture.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const ROUTES = join(SRC, 'routes');
const routeFiles = readdirSync(ROUTES).filter((f) => f.endsWith('.ts'));
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const allSources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('control-plane layering', () => {
  it('route files reach the database through services (no query builders, the idempotency helper included)', () => {
    const offenders = routeFiles.flatMap((f) =>
      [...read(ROUTES, f).matchAll(/\.(selectFrom|insertInto|updateTable|deleteFrom)\(/g)].map((m) => `${f}: ${m[1]}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every handler answers with typed c.json: no send helper and no `as never` anywhere in the app', () => {
    const offenders = allSources(SRC).flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      return [/\bsend\(c,/.test(text) ? `${path}: send(` : '', /\bas never\b/.test(text) ? `${path}: as never` : ''].filter(Boolean);
    });
    expect(offenders).toEqual([]);
  });

  it('declares the store id path parameter once (StoreIdParam)', () => {
    const offenders = routeFiles.filter((f) =>
      /z\.object\(\{ storeId: z\.string\(\)(,|\s*\}\))/.test(read(ROUTES, f).replace(/responses:[\s\S]*?\n\}\);/g, '')),
    );
    expect(offenders).toEqual([]);
  });
});
