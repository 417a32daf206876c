/** Reads a split directory written by the shared split.mjs into the package's input model. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogueItem, Interaction } from '../src/index.ts';

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let s = '';
      i++;
      for (;;) {
        const j = line.indexOf('"', i);
        if (j < 0) throw new Error(`unterminated quote: ${line}`);
        s += line.slice(i, j);
        if (line.charCodeAt(j + 1) === 34) {
          s += '"';
          i = j + 2;
        } else {
          i = j + 1;
          break;
        }
      }
      out.push(s);
      if (i >= n) break;
      i++;
    } else {
      const j = line.indexOf(',', i);
      if (j < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return out;
}

function rows(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').split('\n');
  return lines
    .slice(1)
    .filter((l) => l !== '')
    .map(parseCsvLine);
}

/** 'YYYY-MM-DD HH:MM:SS' (no zone) read as UTC epoch ms. */
export function parseDate(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

export interface SplitInputs {
  readonly interactions: Interaction[];
  readonly catalogue: CatalogueItem[];
  readonly users: string[];
  readonly queries: { id: number; item: string }[];
}

export function loadSplit(dir: string): SplitInputs {
  const interactions: Interaction[] = rows(join(dir, 'train.csv')).map(([customer, item, invoice, date, quantity]) => ({
    customerId: customer as string,
    itemId: item as string,
    orderId: invoice as string,
    timestamp: parseDate(date as string),
    quantity: Number(quantity),
  }));
  const catalogue: CatalogueItem[] = rows(join(dir, 'items.csv')).map(([item, description]) => ({
    itemId: item as string,
    title: description ?? '',
    status: 'active',
  }));
  const users = rows(join(dir, 'test-users.csv')).map((r) => r[0] as string);
  const queries = readFileSync(join(dir, 'also-queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: number; item: string });
  return { interactions, catalogue, users, queries };
}
