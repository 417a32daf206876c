/**
 * The workspace import graph, derived from the code: every `apps/*` and
 * `packages/*` workspace is a node; its edges are the `@storeloom/*`
 * dependencies its package.json declares (devDependencies, which only tests
 * and benches use, are not edges) plus every workspace its production
 * sources (`src/`, tests excluded) import, by package name or by a relative
 * path that leaves the workspace. Imports are read with TypeScript's own
 * pre-processor (static, `export … from`, dynamic `import()`), not a regex.
 *
 * `rules(graph)` lists what the architecture forbids (test/architecture.test.ts
 * fails on any); `mermaid(graph)` draws the graph for docs/architecture.md
 * (`npm run gen:arch` writes it; the same test fails when the page is stale).
 * Tests, benches and the root `test/`, `bench/` and `scripts/` folders are the
 * harness around the graph and may reach anything, so they are not read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export type WorkspaceKind = 'app' | 'package';

export interface Workspace {
  /** package.json name, e.g. `@storeloom/db`. */
  name: string;
  /** Short name for the diagram: `db`, `control-plane`. */
  short: string;
  kind: WorkspaceKind;
  /** Folder relative to the root, e.g. `packages/db`. */
  dir: string;
  /** `@storeloom/*` names in dependencies and peerDependencies (what its sources may import). */
  declared: Set<string>;
}

export interface SourceImport {
  /** File relative to the root, with `/` separators. */
  file: string;
  specifier: string;
  typeOnly: boolean;
  /** The workspace the import lands in (by name or by path), if any. */
  target: string | null;
  /** Resolved file relative to the root, for relative imports. */
  resolved: string | null;
}

export interface ImportGraph {
  root: string;
  workspaces: Map<string, Workspace>;
  /** name -> names it depends on (declared or imported), never itself. */
  edges: Map<string, Set<string>>;
  imports: SourceImport[];
  /** Kysely query builders (`.selectFrom(`…) and raw `sql\`` written in a route, API or worker file (HANDLER_FILE). */
  queries: { file: string; line: number; call: string }[];
}

const SCOPE = '@storeloom/';
const SOURCE = /\.(ts|tsx|mts)$/;
const TEST = /\.test\.(ts|tsx)$/;

const posix = (p: string) => p.split(sep).join('/');

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(path);
    return SOURCE.test(e.name) && !TEST.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Whether the statement an import specifier sits in is `import type …` / `export type …`. */
function isTypeOnly(text: string, pos: number): boolean {
  const before = text.slice(0, pos);
  const start = Math.max(before.lastIndexOf('import '), before.lastIndexOf('export '));
  return start >= 0 && /^(import|export)\s+type\s/.test(before.slice(start));
}

function readWorkspaces(root: string): Map<string, Workspace> {
  const out = new Map<string, Workspace>();
  for (const group of ['apps', 'packages'] as const) {
    for (const e of readdirSync(join(root, group), { withFileTypes: true })) {
      const pkgPath = join(root, group, e.name, 'package.json');
      if (!e.isDirectory() || !existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((d) => d.startsWith(SCOPE) && d !== pkg.name));
      out.set(pkg.name, {
        name: pkg.name,
        short: pkg.name.startsWith(SCOPE) ? pkg.name.slice(SCOPE.length) : pkg.name,
        kind: group === 'apps' ? 'app' : 'package',
        dir: `${group}/${e.name}`,
        declared,
      });
    }
  }
  return out;
}

function ownerOf(workspaces: Map<string, Workspace>, file: string): Workspace | null {
  for (const w of workspaces.values()) if (file === w.dir || file.startsWith(`${w.dir}/`)) return w;
  return null;
}

export function buildGraph(root: string): ImportGraph {
  const workspaces = readWorkspaces(root);
  const edges = new Map<string, Set<string>>();
  for (const w of workspaces.values()) edges.set(w.name, new Set([...w.declared].filter((d) => workspaces.has(d))));
  const imports: SourceImport[] = [];
  const queries: ImportGraph['queries'] = [];
  for (const w of workspaces.values()) {
    for (const abs of sourceFiles(join(root, w.dir, 'src'))) {
      const text = readFileSync(abs, 'utf8');
      const file = posix(relative(root, abs));
      if (HANDLER_FILE.test(file))
        text.split('\n').forEach((l, n) => {
          if (/^\s*(\/\/|\/?\*)/.test(l)) return; // a comment
          for (const m of l.matchAll(QUERY_CALL)) queries.push({ file, line: n + 1, call: m[0] });
        });
      for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
        const specifier = ref.fileName;
        let target: string | null = null;
        let resolved: string | null = null;
        if (specifier.startsWith('.')) {
          resolved = posix(relative(root, resolve(dirname(abs), specifier)));
          target = ownerOf(workspaces, resolved)?.name ?? null;
        } else if (specifier.startsWith(SCOPE)) {
          const name = specifier.split('/').slice(0, 2).join('/');
          target = workspaces.has(name) ? name : null;
        }
        imports.push({ file, specifier, typeOnly: isTypeOnly(text, ref.pos), target, resolved });
        if (target && target !== w.name) edges.get(w.name)?.add(target);
      }
    }
  }
  return { root, workspaces, edges, imports, queries };
}

/** Strongly connected components with more than one workspace (Tarjan), each sorted. */
export function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** UI code: Solid and its router, the console app, the storefront's browser UI. */
const UI_MODULE = /^(solid-js|@solidjs\/|@storeloom\/console(\/|$)|vite-plugin-solid)/;
const UI_PATH = /^(apps\/console\/|apps\/storefront\/src\/ui\/)/;
/** Workspaces that render UI themselves (the storefront renders its pages on the server with Solid). */
const UI_WORKSPACES = new Set(['@storeloom/console', '@storeloom/storefront']);
/** A route file: one file of `apps/<app>/src/routes/`. */
const ROUTE_FILE = /^apps\/[^/]+\/src\/routes\/[^/]+\.tsx?$/;
/** Files that handle a request or a job and go through services: route files, the storefront's API files, the worker. */
const HANDLER_FILE = /^apps\/([^/]+\/src\/(routes|api)\/.+|worker\/src\/[^/]+)\.tsx?$/;
/** A Kysely query written in place: a query builder's entry point or a raw `sql` template. */
const QUERY_CALL = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>`]*>)?`/g;

export interface Violation {
  rule:
    | 'cycle'
    | 'package-imports-app'
    | 'app-imports-app'
    | 'server-imports-ui'
    | 'route-imports-route'
    | 'direct-query'
    | 'undeclared-dependency'
    | 'unused-dependency';
  detail: string;
}

/** Everything the architecture forbids, as found in the graph. Empty when the code keeps the rules. */
export function rules(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  const ws = graph.workspaces;
  for (const c of cycles(graph)) out.push({ rule: 'cycle', detail: c.join(' <-> ') });
  for (const [from, tos] of graph.edges) {
    const a = ws.get(from) as Workspace;
    for (const to of tos) {
      const b = ws.get(to) as Workspace;
      if (b.kind !== 'app') continue;
      out.push(a.kind === 'package' ? { rule: 'package-imports-app', detail: `${from} -> ${to}` } : { rule: 'app-imports-app', detail: `${from} -> ${to}` });
    }
  }
  for (const i of graph.imports) {
    const owner = ownerOf(ws, i.file) as Workspace;
    if (!UI_WORKSPACES.has(owner.name) && (UI_MODULE.test(i.specifier) || (i.resolved !== null && UI_PATH.test(i.resolved))))
      out.push({ rule: 'server-imports-ui', detail: `${i.file} imports ${i.specifier}` });
    if (ROUTE_FILE.test(i.file) && i.resolved !== null && ROUTE_FILE.test(i.resolved.replace(/\.js$/, '.ts')) && i.resolved !== i.file)
      out.push({ rule: 'route-imports-route', detail: `${i.file} imports ${i.specifier}` });
    if (i.target && i.target !== owner.name && !i.specifier.startsWith('.') && !owner.declared.has(i.target))
      out.push({ rule: 'undeclared-dependency', detail: `${i.file} imports ${i.specifier} but ${owner.dir}/package.json does not declare ${i.target}` });
    if (i.target && i.target !== owner.name && i.specifier.startsWith('.'))
      out.push({ rule: 'undeclared-dependency', detail: `${i.file} reaches into ${i.target} by path (${i.specifier}); import it by package name` });
  }
  for (const q of graph.queries)
    out.push({ rule: 'direct-query', detail: `${q.file}:${q.line} queries the database itself (${q.call}); move it into the owning package's service` });
  for (const w of ws.values()) {
    const used = new Set(graph.imports.filter((i) => i.file.startsWith(`${w.dir}/`)).map((i) => i.target));
    for (const d of w.declared)
      if (ws.has(d) && !used.has(d))
        out.push({
          rule: 'unused-dependency',
          detail: `${w.dir}/package.json declares ${d} but no source in ${w.dir}/src imports it (a test-only one is a devDependency)`,
        });
  }
  return out;
}

/** Floor of each workspace: 0 for one that depends on no other, else one above its highest dependency. */
export function floors(graph: ImportGraph): Map<string, number> {
  const floor = new Map<string, number>();
  const at = (v: string, seen: Set<string>): number => {
    const known = floor.get(v);
    if (known !== undefined) return known;
    if (seen.has(v)) return 0; // a cycle; rules() reports it
    seen.add(v);
    const deps = [...(graph.edges.get(v) ?? [])];
    const f = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => at(d, seen)));
    seen.delete(v);
    floor.set(v, f);
    return f;
  };
  for (const v of graph.edges.keys()) at(v, new Set());
  return floor;
}

/** The edges not implied by a longer path (transitive reduction of the acyclic graph), for a readable drawing. */
export function reducedEdges(graph: ImportGraph): [string, string][] {
  const reach = new Map<string, Set<string>>();
  const reachable = (v: string): Set<string> => {
    const known = reach.get(v);
    if (known) return known;
    const r = new Set<string>();
    reach.set(v, r);
    for (const w of graph.edges.get(v) ?? []) {
      r.add(w);
      for (const x of reachable(w)) r.add(x);
    }
    return r;
  };
  const out: [string, string][] = [];
  for (const [v, tos] of graph.edges) {
    for (const w of tos) {
      const implied = [...tos].some((u) => u !== w && reachable(u).has(w));
      if (!implied) out.push([v, w]);
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
}

/** A Mermaid flowchart: one row of boxes per floor (apps on top), arrows from a workspace to what it uses. */
export function mermaid(graph: ImportGraph): string {
  const floor = floors(graph);
  const id = (name: string) => (graph.workspaces.get(name) as Workspace).short.replace(/[^a-zA-Z0-9]/g, '_');
  const lines = ['flowchart TB'];
  const apps = [...graph.workspaces.values()].filter((w) => w.kind === 'app').sort((a, b) => a.short.localeCompare(b.short));
  lines.push('  subgraph apps["apps"]');
  lines.push('    direction LR');
  for (const w of apps) lines.push(`    ${id(w.name)}["${w.short}"]`);
  lines.push('  end');
  const packages = [...graph.workspaces.values()].filter((w) => w.kind === 'package');
  const top = Math.max(0, ...packages.map((w) => floor.get(w.name) ?? 0));
  for (let f = top; f >= 0; f -= 1) {
    const here = packages.filter((w) => floor.get(w.name) === f).sort((a, b) => a.short.localeCompare(b.short));
    if (here.length === 0) continue;
    lines.push(`  subgraph floor${f}["packages, floor ${f}"]`);
    lines.push('    direction LR');
    for (const w of here) lines.push(`    ${id(w.name)}["${w.short}"]`);
    lines.push('  end');
  }
  for (const [from, to] of reducedEdges(graph)) lines.push(`  ${id(from)} --> ${id(to)}`);
  return lines.join('\n');
}

export const DIAGRAM_START = '<!-- import-graph:start (npm run gen:arch writes this block from the code; test/architecture.test.ts checks it) -->';
export const DIAGRAM_END = '<!-- import-graph:end -->';

/** The generated block as it stands in docs/architecture.md. */
export function diagramBlock(graph: ImportGraph): string {
  const n = graph.workspaces.size;
  const e = [...graph.edges.values()].reduce((a, s) => a + s.size, 0);
  const r = reducedEdges(graph).length;
  return [
    DIAGRAM_START,
    '',
    `${n} workspaces, ${e} dependency edges (${r} drawn: an arrow implied by a longer path is left out).`,
    '',
    '```mermaid',
    mermaid(graph),
    '```',
    '',
    DIAGRAM_END,
  ].join('\n');
}

/** The page with its generated block replaced by `block` (throws when the markers are missing). */
export function withDiagram(page: string, block: string): string {
  const start = page.indexOf(DIAGRAM_START);
  const end = page.indexOf(DIAGRAM_END);
  if (start < 0 || end < start) throw new Error('docs/architecture.md has no import-graph block markers');
  return page.slice(0, start) + block + page.slice(end + DIAGRAM_END.length);
}
