/**
 * `npm run gen:arch`: redraws the import-graph diagram in docs/architecture.md
 * from the code (scripts/arch-graph.ts). test/architecture.test.ts fails when
 * the committed page is stale or the graph breaks a rule.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildGraph, diagramBlock, rules, withDiagram } from './arch-graph.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const page = fileURLToPath(new URL('../docs/architecture.md', import.meta.url));
const graph = buildGraph(root);
writeFileSync(page, withDiagram(readFileSync(page, 'utf8'), diagramBlock(graph)));
console.log(`wrote ${page}`);
for (const v of rules(graph)) console.warn(`rule broken: ${v.rule}: ${v.detail}`);
