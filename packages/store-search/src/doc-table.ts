/**
 * The store's documents by engine ordinal, with their facet values interned
 * as small integers, so a query counts facets over its matches with typed
 * counters instead of string maps and never looks documents up by id.
 * Kept in step with the engine by the cache (`set` after indexing a
 * document, `clear` before removing it).
 *
 * What a query reads for every match is a column (facet ids, price, stock,
 * whether the product has reviews, creation time); the document itself is
 * needed only for filters and for the rows of a page. A table restored from
 * a snapshot (`DocTable.restore`) keeps the documents as their JSON and
 * decodes one when `doc(ordinal)` first asks for it.
 */
import type { InMemorySearchEngine } from '@storeloom/search';
import type { IndexedDoc } from './tables.ts';

/** Price buckets in minor units: [min, max). */
export const PRICE_BUCKETS: readonly [number, number | null][] = [
  [0, 2500],
  [2500, 5000],
  [5000, 10000],
  [10000, 25000],
  [25000, null],
];

export function priceBucket(price: number): number {
  let i = PRICE_BUCKETS.length - 1;
  while (i > 0 && price < (PRICE_BUCKETS[i] as [number, number | null])[0]) i--;
  return i;
}

/** Strings of one facet group, each with a stable small id. */
export class Dictionary {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** A dictionary with these values, in this order (ids 0..n-1). */
  static of(values: readonly string[]): Dictionary {
    const d = new Dictionary();
    for (const v of values) d.id(v);
    return d;
  }
}

/** The cache's estimate of a document's text in memory (UTF-16), see `estimateIndexBytes`. */
export const docTextBytes = (d: IndexedDoc) => 2 * (d.title.length + d.description.length) + 64 * (d.tags.length + d.skus.length + d.options.length);

/**
 * The store's documents by product id: a Map, or (for an index restored from a snapshot) `TableDocs`, which
 * decodes documents from the table on first read.
 */
export interface DocsById extends Iterable<[string, IndexedDoc]> {
  readonly size: number;
  get(id: string): IndexedDoc | undefined;
  has(id: string): boolean;
  set(id: string, doc: IndexedDoc): unknown;
  delete(id: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<IndexedDoc>;
  entries(): IterableIterator<[string, IndexedDoc]>;
}

const NONE = -1;
const EMPTY: readonly number[] = [];

/** The documents of a restored table: JSON (UTF-8) by ordinal, `start[o]` to `start[o + 1]`. */
interface DocSource {
  readonly json: Buffer;
  readonly start: Int32Array;
}

/** Column data of a table, as a snapshot stores it (see `DocTable.columns` / `DocTable.restore`). */
export interface TableColumns {
  /** Product id by ordinal (undefined: free). */
  ids: (string | undefined)[];
  dictionaries: { vendor: string[]; productType: string[]; collection: string[]; tag: string[]; option: string[] };
  collectionTitles: [string, string][];
  createdAt: (string | undefined)[];
  vendorOf: Int32Array<ArrayBuffer>;
  typeOf: Int32Array<ArrayBuffer>;
  bucketOf: Int8Array<ArrayBuffer>;
  inStockOf: Uint8Array<ArrayBuffer>;
  ratedOf: Uint8Array<ArrayBuffer>;
  priceOf: Float64Array<ArrayBuffer>;
  textOf: Int32Array<ArrayBuffer>;
  collectionsOf: (readonly number[])[];
  tagsOf: (readonly number[])[];
  optionsOf: (readonly number[])[];
}

export class DocTable {
  readonly ids: (string | undefined)[] = [];
  private readonly docs: (IndexedDoc | undefined)[] = [];
  private source: DocSource | null = null;
  readonly vendor = new Dictionary();
  readonly productType = new Dictionary();
  readonly collection = new Dictionary();
  readonly tag = new Dictionary();
  /** "name:value" option pairs. */
  readonly option = new Dictionary();
  /** Collection id -> its title, as last indexed. */
  readonly collectionTitles = new Map<string, string>();
  vendorOf = new Int32Array(0);
  typeOf = new Int32Array(0);
  bucketOf = new Int8Array(0);
  /** 1 when the product is in stock. */
  inStockOf = new Uint8Array(0);
  /** 1 when the product has a review rating (its row score then differs from its match score). */
  ratedOf = new Uint8Array(0);
  /** priceMin. */
  priceOf = new Float64Array(0);
  /** `docTextBytes` by ordinal; `textBytes` is their sum over live documents. */
  private textOf = new Int32Array(0);
  textBytes = 0;
  /** Live documents. */
  size = 0;
  readonly createdAtOf: (string | undefined)[] = [];
  readonly collectionsOf: (readonly number[])[] = [];
  readonly tagsOf: (readonly number[])[] = [];
  readonly optionsOf: (readonly number[])[] = [];

  private grow(ordinal: number): void {
    if (ordinal < this.vendorOf.length) return;
    const size = Math.max(1024, ordinal + 1, this.vendorOf.length * 2);
    const v = new Int32Array(size).fill(NONE);
    v.set(this.vendorOf);
    this.vendorOf = v;
    const t = new Int32Array(size).fill(NONE);
    t.set(this.typeOf);
    this.typeOf = t;
    const b = new Int8Array(size);
    b.set(this.bucketOf);
    this.bucketOf = b;
    const s = new Uint8Array(size);
    s.set(this.inStockOf);
    this.inStockOf = s;
    const r = new Uint8Array(size);
    r.set(this.ratedOf);
    this.ratedOf = r;
    const p = new Float64Array(size);
    p.set(this.priceOf);
    this.priceOf = p;
    const x = new Int32Array(size);
    x.set(this.textOf);
    this.textOf = x;
  }

  set(ordinal: number, id: string, doc: IndexedDoc): void {
    this.grow(ordinal);
    if (this.ids[ordinal] !== undefined) this.clear(ordinal);
    this.ids[ordinal] = id;
    this.docs[ordinal] = doc;
    this.size++;
    this.vendorOf[ordinal] = doc.vendor ? this.vendor.id(doc.vendor) : NONE;
    this.typeOf[ordinal] = doc.productType ? this.productType.id(doc.productType) : NONE;
    this.bucketOf[ordinal] = priceBucket(doc.priceMin);
    this.inStockOf[ordinal] = doc.inStock ? 1 : 0;
    this.ratedOf[ordinal] = doc.rating ? 1 : 0;
    this.priceOf[ordinal] = doc.priceMin;
    const text = docTextBytes(doc);
    this.textOf[ordinal] = text;
    this.textBytes += text;
    this.createdAtOf[ordinal] = doc.createdAt;
    this.collectionsOf[ordinal] = doc.collectionIds.map((c) => this.collection.id(c));
    doc.collectionIds.forEach((c, i) => {
      this.collectionTitles.set(c, doc.collections[i] ?? c);
    });
    this.tagsOf[ordinal] = doc.tags.map((t) => this.tag.id(t));
    this.optionsOf[ordinal] = doc.optionPairs.map((p) => this.option.id(p));
  }

  clear(ordinal: number): void {
    if (this.ids[ordinal] !== undefined) {
      this.size--;
      this.textBytes -= this.textOf[ordinal] as number;
    }
    this.ids[ordinal] = undefined;
    this.docs[ordinal] = undefined;
    this.createdAtOf[ordinal] = undefined;
    if (ordinal < this.vendorOf.length) {
      this.vendorOf[ordinal] = NONE;
      this.typeOf[ordinal] = NONE;
      this.inStockOf[ordinal] = 0;
      this.ratedOf[ordinal] = 0;
      this.textOf[ordinal] = 0;
    }
    this.collectionsOf[ordinal] = EMPTY;
    this.tagsOf[ordinal] = EMPTY;
    this.optionsOf[ordinal] = EMPTY;
  }

  /** The document at an ordinal (decoded from the snapshot's JSON on first use for a restored table). */
  doc(ordinal: number): IndexedDoc | undefined {
    const d = this.docs[ordinal];
    if (d !== undefined || this.ids[ordinal] === undefined) return d;
    const s = this.source as DocSource;
    const parsed = JSON.parse(s.json.toString('utf8', s.start[ordinal], s.start[ordinal + 1])) as IndexedDoc;
    this.docs[ordinal] = parsed;
    return parsed;
  }

  /** A live document's JSON (its snapshot bytes when it was never decoded). */
  docJson(ordinal: number): string | Buffer {
    const d = this.docs[ordinal];
    if (d !== undefined || this.ids[ordinal] === undefined) return JSON.stringify(d ?? null);
    const s = this.source as DocSource;
    return s.json.subarray(s.start[ordinal], s.start[ordinal + 1]);
  }

  /** Ordinals of every document, in ordinal order. */
  live(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== undefined) out.push(i);
    return out;
  }

  /** The columns a snapshot stores (`restore` takes them back with the documents' JSON). */
  columns(): TableColumns {
    const cap = this.ids.length;
    this.grow(Math.max(0, cap - 1));
    const fill = <T>(a: T[], none: T) => Array.from({ length: cap }, (_, i) => a[i] ?? none);
    return {
      ids: fill(this.ids, undefined),
      dictionaries: {
        vendor: this.vendor.values,
        productType: this.productType.values,
        collection: this.collection.values,
        tag: this.tag.values,
        option: this.option.values,
      },
      collectionTitles: [...this.collectionTitles],
      createdAt: fill(this.createdAtOf, undefined),
      vendorOf: this.vendorOf.subarray(0, cap),
      typeOf: this.typeOf.subarray(0, cap),
      bucketOf: this.bucketOf.subarray(0, cap),
      inStockOf: this.inStockOf.subarray(0, cap),
      ratedOf: this.ratedOf.subarray(0, cap),
      priceOf: this.priceOf.subarray(0, cap),
      textOf: this.textOf.subarray(0, cap),
      collectionsOf: fill(this.collectionsOf, EMPTY),
      tagsOf: fill(this.tagsOf, EMPTY),
      optionsOf: fill(this.optionsOf, EMPTY),
    };
  }

  /** A table from stored columns; documents decode from `json` (by ordinal, `start[o]`..`start[o + 1]`) on first use. */
  static restore(c: TableColumns, json: Buffer, start: Int32Array): DocTable {
    const t = new DocTable();
    const cap = c.ids.length;
    t.source = { json, start };
    for (let o = 0; o < cap; o++) {
      const id = c.ids[o];
      t.ids.push(id);
      t.docs.push(undefined);
      t.createdAtOf.push(c.createdAt[o]);
      t.collectionsOf.push(c.collectionsOf[o] ?? EMPTY);
      t.tagsOf.push(c.tagsOf[o] ?? EMPTY);
      t.optionsOf.push(c.optionsOf[o] ?? EMPTY);
      if (id !== undefined) {
        t.size++;
        t.textBytes += c.textOf[o] as number;
      }
    }
    for (const v of c.dictionaries.vendor) t.vendor.id(v);
    for (const v of c.dictionaries.productType) t.productType.id(v);
    for (const v of c.dictionaries.collection) t.collection.id(v);
    for (const v of c.dictionaries.tag) t.tag.id(v);
    for (const v of c.dictionaries.option) t.option.id(v);
    for (const [k, v] of c.collectionTitles) t.collectionTitles.set(k, v);
    t.vendorOf = c.vendorOf;
    t.typeOf = c.typeOf;
    t.bucketOf = c.bucketOf;
    t.inStockOf = c.inStockOf;
    t.ratedOf = c.ratedOf;
    t.priceOf = c.priceOf;
    t.textOf = c.textOf;
    return t;
  }

  /** A table for documents already in the engine (used when the caller did not keep one). */
  static build(engine: InMemorySearchEngine, docs: DocsById): DocTable {
    const table = new DocTable();
    for (const [id, doc] of docs) {
      const ordinal = engine.store.ordinalOf(id);
      if (ordinal !== undefined) table.set(ordinal, id, doc);
    }
    return table;
  }
}

/**
 * `DocsById` over a restored table: the ids in the snapshot's order (a Map's insertion order, as the Map it
 * replaces), each document decoded from the table on first read. `set`/`delete` keep the ids and their order; the
 * caller updates the table itself (`DocTable.set`/`clear`), as the cache's refresh does.
 */
export class TableDocs implements DocsById {
  private readonly order: Map<string, IndexedDoc | null>;

  constructor(
    private readonly table: DocTable,
    private readonly ordinalOf: (id: string) => number | undefined,
    ids: Iterable<string>,
  ) {
    this.order = new Map();
    for (const id of ids) this.order.set(id, null);
  }

  get size(): number {
    return this.order.size;
  }

  get(id: string): IndexedDoc | undefined {
    const d = this.order.get(id);
    if (d !== null) return d;
    const o = this.ordinalOf(id);
    return o === undefined ? undefined : this.table.doc(o);
  }

  has(id: string): boolean {
    return this.order.has(id);
  }

  set(id: string, doc: IndexedDoc): this {
    this.order.set(id, doc);
    return this;
  }

  delete(id: string): boolean {
    return this.order.delete(id);
  }

  keys(): IterableIterator<string> {
    return this.order.keys();
  }

  *values(): IterableIterator<IndexedDoc> {
    for (const id of this.order.keys()) yield this.get(id) as IndexedDoc;
  }

  *entries(): IterableIterator<[string, IndexedDoc]> {
    for (const id of this.order.keys()) yield [id, this.get(id) as IndexedDoc];
  }

  [Symbol.iterator](): IterableIterator<[string, IndexedDoc]> {
    return this.entries();
  }
}
