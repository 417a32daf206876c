/**
 * The store's documents by engine ordinal, with their facet values interned
 * as small integers, so a query counts facets over its matches with typed
 * counters instead of string maps and never looks documents up by id.
 * Kept in step with the engine by the cache (`set` after indexing a
 * document, `clear` before removing it).
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
}

const NONE = -1;
const EMPTY: readonly number[] = [];

export class DocTable {
  readonly ids: (string | undefined)[] = [];
  readonly docs: (IndexedDoc | undefined)[] = [];
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
  }

  set(ordinal: number, id: string, doc: IndexedDoc): void {
    this.grow(ordinal);
    this.ids[ordinal] = id;
    this.docs[ordinal] = doc;
    this.vendorOf[ordinal] = doc.vendor ? this.vendor.id(doc.vendor) : NONE;
    this.typeOf[ordinal] = doc.productType ? this.productType.id(doc.productType) : NONE;
    this.bucketOf[ordinal] = priceBucket(doc.priceMin);
    this.collectionsOf[ordinal] = doc.collectionIds.map((c) => this.collection.id(c));
    doc.collectionIds.forEach((c, i) => {
      this.collectionTitles.set(c, doc.collections[i] ?? c);
    });
    this.tagsOf[ordinal] = doc.tags.map((t) => this.tag.id(t));
    this.optionsOf[ordinal] = doc.optionPairs.map((p) => this.option.id(p));
  }

  clear(ordinal: number): void {
    this.ids[ordinal] = undefined;
    this.docs[ordinal] = undefined;
    if (ordinal < this.vendorOf.length) {
      this.vendorOf[ordinal] = NONE;
      this.typeOf[ordinal] = NONE;
    }
    this.collectionsOf[ordinal] = EMPTY;
    this.tagsOf[ordinal] = EMPTY;
    this.optionsOf[ordinal] = EMPTY;
  }

  /** Ordinals of every document, in ordinal order. */
  live(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.docs.length; i++) if (this.docs[i]) out.push(i);
    return out;
  }

  /** A table for documents already in the engine (used when the caller did not keep one). */
  static build(engine: InMemorySearchEngine, docs: ReadonlyMap<string, IndexedDoc>): DocTable {
    const table = new DocTable();
    for (const [id, doc] of docs) {
      const ordinal = engine.store.ordinalOf(id);
      if (ordinal !== undefined) table.set(ordinal, id, doc);
    }
    return table;
  }
}
