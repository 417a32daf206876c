/**
 * The large-store catalogue and query mix of the search latency bench, shared by
 * the platform bench (latency.ts) and the in-process harnesses (cpu.ts,
 * stores.ts): the labelled catalogue plus products built from the Online Retail
 * descriptions, and the loader that indexes catalogue rows straight into a
 * store engine (the same documents the bulk insert produces).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type IndexedDoc, type LoadedIndex, toSearchDocument } from '@storeloom/store-search';
import { ROOT } from '../lib/paths.ts';

export const SHARED = join(ROOT, '..', 'shared');

export function readJsonl<T>(path: string): T[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

const labelled = () =>
  readJsonl<{ id: string; name: string; description: string }>(join(SHARED, 'data', 'search-relevance', 'products.jsonl.gz')).map((p) => ({
    title: p.name,
    description: p.description,
  }));

const COLOURS = ['Red', 'Blue', 'Green', 'Ivory', 'Black', 'Pink', 'Grey', 'Natural', 'Gold', 'Silver'];
const MATERIALS = ['Cotton', 'Ceramic', 'Glass', 'Wooden', 'Metal', 'Enamel', 'Paper', 'Linen'];
const VENDORS = ['Harbour & Co', 'Kiln Works', 'Northern Goods', 'Paper Lantern', 'Meadow Home', 'Atelier Nine', 'Copperfield', 'Little Fox'];

/** Unique Online Retail product descriptions with a unit price. */
function retailItems(): { description: string; price: number }[] {
  const text = gunzipSync(readFileSync(join(SHARED, 'data', 'online-retail', 'online-retail.csv.gz'))).toString('utf8');
  const seen = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    // StockCode, Description (maybe quoted), Quantity, InvoiceDate, UnitPrice, ...
    const m = /^[^,]*,([^,]*),("(?:[^"]|"")*"|[^,]*),[^,]*,[^,]*,([^,]*),/.exec(line);
    if (!m) continue;
    const code = m[1] ?? '';
    const desc = (m[2] ?? '').replace(/^"|"$/g, '').replaceAll('""', '"').trim();
    const price = Number(m[3]);
    if (!/^\d{5}/.test(code) || desc.length < 6 || !(price > 0) || seen.has(desc)) continue;
    seen.set(desc, price);
  }
  return [...seen].map(([description, price]) => ({ description, price }));
}

const titleCase = (s: string) => s.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase());

export interface Row {
  title: string;
  description: string;
  vendor: string | null;
  type: string | null;
  tags: string[];
  price: number;
}

export function catalogue(total: number): Row[] {
  const rows: Row[] = labelled().map((p) => ({ title: p.title, description: p.description, vendor: null, type: null, tags: [], price: 1000 }));
  const items = retailItems();
  for (let k = 0; rows.length < total; k++) {
    const item = items[k % items.length] as { description: string; price: number };
    const edition = Math.floor(k / items.length);
    const colour = COLOURS[(k + edition) % COLOURS.length] as string;
    const material = MATERIALS[(k * 7 + edition) % MATERIALS.length] as string;
    const base = titleCase(item.description);
    const words = base.split(' ');
    rows.push({
      title: edition === 0 ? base : `${base} – ${edition % 2 ? colour : material} Edition ${edition}`,
      // The source has no description beyond the item's name: keep it that short, with the edition's attributes.
      description: `${base}, ${material.toLowerCase()}, ${colour.toLowerCase()}.`,
      vendor: VENDORS[k % VENDORS.length] as string,
      type: words.at(-1) ?? null,
      tags: [colour.toLowerCase(), material.toLowerCase(), k % 5 === 0 ? 'sale' : 'new'],
      price: Math.max(50, Math.round(item.price * 100 * (1 + (edition % 4) * 0.25))),
    });
  }
  return rows;
}

/** The bench's query mix: dev + typo queries and a few retail ones; autocomplete sends their prefixes. */
export function latencyQueries(): { search: string[]; prefixes: string[] } {
  const search = [
    ...readJsonl<{ text: string }>(join(SHARED, 'data', 'search-relevance', 'queries-dev.jsonl')),
    ...readJsonl<{ text: string }>(join(SHARED, 'bench', 'search', 'queries-typo.jsonl')),
    ...['candle holder', 'heart', 'vintage christmas', 'lunch bag', 'ceramic mug', 'glass'].map((text) => ({ text })),
  ].map((q) => q.text);
  const prefixes = search.flatMap((q) => {
    const out: string[] = [];
    for (let n = 2; n <= Math.min(q.length, 12); n += 2) out.push(q.slice(0, n));
    return out;
  });
  return { search, prefixes };
}

/** Product `i` of the catalogue as the indexer sees it: variants S/M with SKUs, a price range, every 7th out of stock. */
export function benchDocument(r: Row, i: number): { id: string; doc: IndexedDoc } {
  return {
    id: `p${String(i).padStart(6, '0')}`,
    doc: {
      handle: `p-${i}`,
      title: r.title || `Product ${i}`,
      description: r.description,
      vendor: r.vendor,
      productType: r.type,
      tags: r.tags,
      collectionIds: [],
      collections: [],
      options: ['S', 'M'],
      optionPairs: ['size:S', 'size:M'],
      skus: [`SKU-${i}-S`, `SKU-${i}-M`],
      priceMin: r.price,
      priceMax: r.price + 100,
      inStock: i % 7 !== 0,
      createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      image: null,
    },
  };
}

/** Indexes rows `from` … `to - 1` of the catalogue into `engine`, keeping each document in `docs`. */
export function indexCatalogue(engine: LoadedIndex['engine'], docs: Map<string, IndexedDoc>, rows: Row[], from = 0, to = rows.length): void {
  for (let i = from; i < to; i++) {
    const r = rows[i];
    if (!r) break;
    const { id, doc } = benchDocument(r, i);
    docs.set(id, doc);
    engine.index(toSearchDocument(id, doc));
  }
}
