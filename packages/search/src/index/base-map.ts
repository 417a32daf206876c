/**
 * Lookups over a snapshot's string tables without a Map entry per string (round 13, cold load).
 *
 * A restored index has ~230k terms and as many surfaces; building a Map per table (and a PostingList
 * with two array views per term) cost more than a second of a cold load. `StringTable` is an
 * open-addressing hash table of indexes into the decoded string array (one Int32Array), and
 * `BaseMap` is a Map over such a table whose values are read from the snapshot's arrays on demand
 * (objects are made on first use and kept, so edits apply to them). Edits behave like a Map's,
 * iteration order included: a key of the base keeps its place when set again, and a deleted base
 * key that comes back goes after the others (as a Map would put it), which keeps re-encoded
 * snapshots byte-identical.
 */

/** The part of Map the index uses: a Map is one, and so is a BaseMap. */
export interface StringMap<V> extends Iterable<[string, V]> {
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): this;
  delete(key: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<V>;
}

/** FNV-1a over UTF-16 code units. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** Index of each string of an array (the first one, for a repeated string), by hashing into an Int32Array. */
export class StringTable {
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(readonly names: readonly string[]) {
    let size = 16;
    while (size < 2 * names.length) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < names.length; i++) {
      const s = names[i] as string;
      let h = hashOf(s) & mask;
      for (;;) {
        const at = slots[h] as number;
        if (at === 0) {
          slots[h] = i + 1;
          break;
        }
        if (names[at - 1] === s) break;
        h = (h + 1) & mask;
      }
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Index of `s` in `names`, -1 when absent. */
  indexOf(s: string): number {
    const { slots, mask, names } = this;
    let h = hashOf(s) & mask;
    for (;;) {
      const at = slots[h] as number;
      if (at === 0) return -1;
      if (names[at - 1] === s) return at - 1;
      h = (h + 1) & mask;
    }
  }
}

/** How a BaseMap reads and writes the values of its base keys (index i of the string table). */
export interface BaseValues<V> {
  get(i: number): V;
  set(i: number, value: V): void;
  /** The value if it was already made (object values); whole-map passes skip the others. */
  made?(i: number): V | undefined;
  /** Base value i without keeping it (a snapshot's encode reads every value once). */
  peek?(i: number): V;
  /** What `sum` counts for base value i when it was not made (without making it). */
  weigh?(i: number): number;
}

export class BaseMap<V> implements StringMap<V> {
  /** Keys that are not (or no longer) in the base, in insertion order. */
  private readonly extra = new Map<string, V>();
  private live = 0;

  /**
   * @param table the base's keys (indexes at or beyond `present.length` are not keys of this map)
   * @param present 1 where base key i is in the map (adopted: cleared on delete)
   */
  constructor(
    private readonly table: StringTable,
    private readonly present: Uint8Array,
    private readonly base: BaseValues<V>,
  ) {
    for (let i = 0; i < present.length; i++) this.live += present[i] as number;
  }

  private slot(key: string): number {
    const i = this.table.indexOf(key);
    return i >= 0 && i < this.present.length && this.present[i] === 1 ? i : -1;
  }

  get size(): number {
    return this.live + this.extra.size;
  }

  get(key: string): V | undefined {
    const i = this.slot(key);
    if (i >= 0) return this.base.get(i);
    return this.extra.size === 0 ? undefined : this.extra.get(key);
  }

  /** Like `get`, but a value not made yet is made without being kept (see BaseValues.peek). */
  peek(key: string): V | undefined {
    const i = this.slot(key);
    if (i >= 0) return this.base.peek ? this.base.peek(i) : this.base.get(i);
    return this.extra.get(key);
  }

  has(key: string): boolean {
    return this.slot(key) >= 0 || this.extra.has(key);
  }

  set(key: string, value: V): this {
    const i = this.slot(key);
    if (i >= 0) this.base.set(i, value);
    else this.extra.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    const i = this.slot(key);
    if (i < 0) return this.extra.delete(key);
    this.present[i] = 0;
    this.live--;
    return true;
  }

  *keys(): IterableIterator<string> {
    const { present, table } = this;
    for (let i = 0; i < present.length; i++) if (present[i] === 1) yield table.names[i] as string;
    yield* this.extra.keys();
  }

  *values(): IterableIterator<V> {
    const { present, base } = this;
    for (let i = 0; i < present.length; i++) if (present[i] === 1) yield base.get(i);
    yield* this.extra.values();
  }

  *entries(): IterableIterator<[string, V]> {
    const { present, base, table } = this;
    for (let i = 0; i < present.length; i++) if (present[i] === 1) yield [table.names[i] as string, base.get(i)];
    yield* this.extra.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** The values made so far (every added key's, and the base keys' that were read): no value is made. */
  *madeValues(): IterableIterator<V> {
    const { present, base } = this;
    if (base.made)
      for (let i = 0; i < present.length; i++) {
        if (present[i] !== 1) continue;
        const v = base.made(i);
        if (v !== undefined) yield v;
      }
    yield* this.extra.values();
  }

  /** Sum over the map: `weigh` of each made value, the base's own `weigh(i)` for a value not made. */
  sum(weigh: (value: V) => number): number {
    const { present, base } = this;
    let total = 0;
    for (let i = 0; i < present.length; i++) {
      if (present[i] !== 1) continue;
      const v = base.made?.(i);
      total += v !== undefined ? weigh(v) : base.weigh ? base.weigh(i) : weigh(base.get(i));
    }
    for (const v of this.extra.values()) total += weigh(v);
    return total;
  }
}
