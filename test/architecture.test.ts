/**
 * The architecture, checked on the import graph derived from the code
 * (scripts/arch-graph.ts: package.json dependencies plus every import of the
 * workspaces' production sources): no cycle between workspaces, no package
 * importing an app, no app importing another app, no server code importing UI
 * code, no route file importing another route file, no Kysely query written in a
 * route, storefront API or worker file, package.json telling the
 * truth about what the sources import. docs/architecture.md carries a diagram
 * of the same graph; this fails when it is stale (`npm run gen:arch`).
 *
 * The rules are also run on a small made-up repository that breaks each of
 * them, so a rule that stopped seeing its violation fails here too.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph, cycles, diagramBlock, floors, type ImportGraph, rules, withDiagram } from '../scripts/arch-graph.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const graph = buildGraph(ROOT);
const broken = (g: ImportGraph, rule: string) =>
  rules(g)
    .filter((v) => v.rule === rule)
    .map((v) => v.detail);

describe('the import graph of the code', () => {
  it('is read from the sources (every workspace, the edges the code really has)', () => {
    expect(graph.workspaces.size).toBeGreaterThanOrEqual(25);
    expect(graph.edges.get('@storeloom/control-plane')).toContain('@storeloom/db');
    expect(graph.edges.get('@storeloom/storefront')).toContain('@storeloom/commerce');
    expect(graph.edges.get('@storeloom/db')).not.toContain('@storeloom/control-plane');
    // A static import, a re-export and a dynamic import are all seen.
    expect(graph.imports.some((i) => i.file === 'packages/planning/src/index.ts' && i.specifier === './pricing/service.ts')).toBe(true);
    expect(graph.imports.filter((i) => i.file.startsWith('apps/console/src/')).some((i) => i.specifier === '@storeloom/money')).toBe(true);
  });

  it('has no cycle between workspaces', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no package importing an app', () => {
    expect(broken(graph, 'package-imports-app')).toEqual([]);
  });

  it('has no app importing another app (the launcher starts them as processes)', () => {
    expect(broken(graph, 'app-imports-app')).toEqual([]);
  });

  it('has no server code importing UI code (Solid, the console, the storefront UI)', () => {
    expect(broken(graph, 'server-imports-ui')).toEqual([]);
  });

  it('has no route file importing another route file (apps/*/src/routes/*.ts)', () => {
    expect(broken(graph, 'route-imports-route')).toEqual([]);
  });

  it('has no database query written in a route, storefront API or worker file (route -> service -> Kysely)', () => {
    expect(broken(graph, 'direct-query')).toEqual([]);
  });

  it("declares in package.json exactly the workspaces each one's sources import", () => {
    expect(broken(graph, 'undeclared-dependency')).toEqual([]);
    expect(broken(graph, 'unused-dependency')).toEqual([]);
  });

  it('puts the apps above every package they use', () => {
    const f = floors(graph);
    for (const [from, tos] of graph.edges) for (const to of tos) expect(f.get(from), `${from} -> ${to}`).toBeGreaterThan(f.get(to) as number);
  });

  it('is drawn as it is in docs/architecture.md (run `npm run gen:arch` after changing dependencies)', () => {
    const page = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    expect(withDiagram(page, diagramBlock(graph)) === page, 'docs/architecture.md has a stale import-graph diagram: run `npm run gen:arch`').toBe(true);
  });
});

describe('the rules on a repository that breaks each of them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'storeloom-arch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const pkg = (path: string, name: string, deps: string[] = [], devDeps: string[] = []) =>
    file(
      `${path}/package.json`,
      JSON.stringify({
        name,
        dependencies: Object.fromEntries(deps.map((d) => [d, '*'])),
        devDependencies: Object.fromEntries(devDeps.map((d) => [d, '*'])),
      }),
    );
  pkg('packages/a', '@storeloom/a', ['@storeloom/b']);
  pkg('packages/b', '@storeloom/b', ['@storeloom/a'], ['@storeloom/c']);
  pkg('packages/c', '@storeloom/c', ['@storeloom/a']);
  pkg('packages/d', '@storeloom/d', ['@storeloom/storefront']);
  pkg('apps/storefront', '@storeloom/storefront', ['@storeloom/a']);
  pkg('apps/admin', '@storeloom/admin', ['@storeloom/a']);
  file('packages/a/src/index.ts', "import { b } from '@storeloom/b';\nexport const a = b;\n");
  file('packages/b/src/index.ts', "export { a } from '@storeloom/a';\nexport const b = 1;\n");
  file('packages/d/src/index.ts', "export const shop = await import('@storeloom/storefront');\n");
  file('packages/b/test/b.test.ts', "import '@storeloom/c';\n");
  file('packages/c/src/view.tsx', "import { createSignal } from 'solid-js';\nimport type { Z } from '@storeloom/zz';\nexport const s = createSignal;\n");
  file('apps/storefront/src/routes/cart.ts', "import { a } from '@storeloom/a';\nimport { helper } from './checkout.ts';\nexport const cart = [a, helper];\n");
  file('apps/storefront/src/routes/checkout.ts', 'export const helper = 1;\n');
  file(
    'apps/storefront/src/api/carts.ts',
    [
      "import { sql } from '@storeloom/a';",
      '// t.selectFrom(carts) in a comment is no query',
      "export const find = (t: any) => t.selectFrom('carts').select('id');",
      'export const now = (t: any) => sql<Date>`now()`.execute(t);',
      "export const drop = (t: any) => t\n  .deleteFrom('carts');",
    ].join('\n'),
  );
  file('apps/storefront/src/catalog.ts', "export const list = (t: any) => t.selectFrom('products');\n");
  file('apps/storefront/src/ui/page.tsx', "import { For } from 'solid-js';\nexport const p = For;\n");
  file('apps/admin/src/main.ts', "import '@storeloom/a';\nimport { cart } from '../../storefront/src/routes/cart.ts';\nexport const x = cart;\n");
  const g = buildGraph(dir);

  it('reports a cycle between packages', () => {
    expect(cycles(g)).toEqual([['@storeloom/a', '@storeloom/b']]);
    expect(broken(g, 'cycle')).toEqual(['@storeloom/a <-> @storeloom/b']);
  });

  it('reports a package that imports an app (declared or dynamically imported)', () => {
    expect(broken(g, 'package-imports-app')).toEqual(['@storeloom/d -> @storeloom/storefront']);
  });

  it('reports an app that imports another app by path', () => {
    expect(broken(g, 'app-imports-app')).toEqual(['@storeloom/admin -> @storeloom/storefront']);
    expect(broken(g, 'undeclared-dependency')).toContain(
      'apps/admin/src/main.ts reaches into @storeloom/storefront by path (../../storefront/src/routes/cart.ts); import it by package name',
    );
  });

  it("reports server code importing Solid, but not a UI app's own UI", () => {
    expect(broken(g, 'server-imports-ui')).toEqual(['packages/c/src/view.tsx imports solid-js']);
  });

  it('reports a route file importing another route file', () => {
    expect(broken(g, 'route-imports-route')).toEqual(['apps/storefront/src/routes/cart.ts imports ./checkout.ts']);
  });

  it('reports a query builder or raw sql in a route, API or worker file, not in a comment or a service module', () => {
    expect(broken(g, 'direct-query').map((d) => d.split(' queries')[0])).toEqual([
      'apps/storefront/src/api/carts.ts:3',
      'apps/storefront/src/api/carts.ts:4',
      'apps/storefront/src/api/carts.ts:6',
    ]);
  });

  it('reports a dependency the package.json does not declare and one no source uses (tests are not sources)', () => {
    expect(broken(g, 'unused-dependency')).toEqual([
      'packages/c/package.json declares @storeloom/a but no source in packages/c/src imports it (a test-only one is a devDependency)',
    ]);
    expect(g.edges.get('@storeloom/b')).not.toContain('@storeloom/c');
  });

  it('draws the apps on top and replaces only the marked block of the page', () => {
    const block = diagramBlock(g);
    expect(block).toContain('subgraph apps["apps"]');
    expect(block).toContain('admin --> storefront');
    expect(block).not.toContain('admin --> a'); // implied by admin -> storefront -> a
    const page = `# x\n\nbefore\n\n${diagramBlock(graph)}\n\nafter\n`;
    expect(withDiagram(page, block)).toBe(`# x\n\nbefore\n\n${block}\n\nafter\n`);
    expect(() => withDiagram('# no markers', block)).toThrow(/markers/);
  });
});
