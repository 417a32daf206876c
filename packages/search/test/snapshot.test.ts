import { describe, expect, it } from 'vitest';
import { BaseMap, decodeIndex, encodeIndex, InMemorySearchEngine, StringTable } from '../src/index.ts';

const WORDS = ['copper', 'kettle', 'steel', 'teapot', 'red', 'blue', 'lamp', 'desk', 'cable', 'usb', 'charger', 'glass', 'sun', 'sunglasses', 'case'];

function catalogue(n: number, seed: number) {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
  const words = (k: number) => Array.from({ length: k }, () => WORDS[rnd() % WORDS.length]).join(' ');
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    title: `${words(1 + (rnd() % 5))} for ${words(1)}`,
    description: words(rnd() % 12),
    vendor: rnd() % 2 ? 'Acme' : 'Globex',
    tags: [words(1)],
    skus: [`SKU-${i}`],
  }));
}

const QUERIES = ['kettle', 'copper kettle', 'sun glasses', 'sunglases case', 'usb charger cable', 'red', 'sku-7', 'lam', 'stel teapot'];
/** Every term-keyed structure of an index (a restored index's are BaseMaps, made on demand), in iteration order. */
const maps = (e: InMemorySearchEngine) => {
  const s = e.store;
  const plain = <V>(m: Iterable<[string, V]>) => [...m];
  // the df maps' order is not kept by a snapshot (they are sections by term), and nothing reads it
  const sorted = (m: Iterable<[string, number]>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    postings: plain(s.postings).map(([t, l]) => [t, Array.from(l.entries.subarray(0, 2 * l.n)), Array.from(l.positions.subarray(0, l.posLength))]),
    termDf: sorted(s.termDf),
    titleDf: sorted(s.titleDf),
    headDf: sorted(s.headDf),
    vocab: plain(s.vocab).map(([k, v]) => [k, v.term, v.df]),
    skuIndex: plain(s.skuIndex).map(([k, v]) => [k, [...v]]),
    sizes: [s.postings.size, s.termDf.size, s.titleDf.size, s.headDf.size, s.vocab.size, s.skuIndex.size],
    postingBytes: s.postingBytes(),
  };
};
const results = (e: InMemorySearchEngine, prefix = false) =>
  QUERIES.map((q) => e.search(q, { limit: 50, rerankTopK: 5, plan: prefix ? { prefix: 'always' } : {} }).hits.map((h) => [h.id, h.score]));

describe('index snapshots', () => {
  it('restore an index that answers exactly like the original, and keeps following edits', () => {
    const original = new InMemorySearchEngine();
    for (const d of catalogue(300, 7)) original.index(d);
    for (let i = 0; i < 300; i += 9) original.remove(`p${i}`); // free ordinals travel in the snapshot
    original.store.trim(); // (a restored list is exactly its size: so are the original's after a trim)
    const bytes = encodeIndex(original.store);
    const restored = new InMemorySearchEngine();
    decodeIndex(restored.store, bytes);
    expect(restored.size).toBe(original.size);
    // per-document data (forward lists read from the snapshot's ranges) equals the original's, free ordinals included
    const records = (e: InMemorySearchEngine) => Array.from({ length: e.store.capacity }, (_, o) => e.store.doc(o));
    expect(restored.store.capacity).toBe(original.store.capacity);
    expect(records(restored)).toEqual(records(original));
    // the term tables are read lazily (round 13): nothing is made by the decode, nor by sizing the lists
    expect(restored.store.postings).toBeInstanceOf(BaseMap);
    expect(restored.store.postingBytes()).toBe(original.store.postingBytes());
    expect([...(restored.store.postings as BaseMap<unknown>).madeValues()]).toEqual([]);
    expect(results(restored)).toEqual(results(original));
    expect(results(restored, true)).toEqual(results(original, true));
    const made = [...(restored.store.postings as BaseMap<unknown>).madeValues()].length;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(restored.store.postings.size);
    restored.store.trim(); // trims what was made, makes nothing
    expect([...(restored.store.postings as BaseMap<unknown>).madeValues()].length).toBe(made);
    expect(maps(restored)).toEqual(maps(original));
    // the same edits on both: removals shift the restored lists' views, re-adds reuse ordinals in the middle
    const more = catalogue(40, 99);
    for (const e of [original, restored]) {
      for (let i = 1; i < 300; i += 7) e.remove(`p${i}`);
      for (const d of more) e.index({ ...d, id: `n${d.id}` });
      e.index({ id: 'p3', title: 'Copper kettle with glass lid' });
      // a term, surface and SKU that leave the index and come back (a Map puts them last)
      e.index({ id: 'solo', title: 'Zanzibar quokka', skus: ['Q-1'] });
      e.remove('solo');
      e.index({ id: 'solo2', title: 'Quokka zanzibar', skus: ['Q-1'] });
    }
    expect(maps(restored)).toEqual(maps(original));
    expect(results(restored)).toEqual(results(original));
    expect(records(restored)).toEqual(records(original));
    expect(encodeIndex(restored.store)).toEqual(encodeIndex(original.store));
    // and a snapshot of the edited restored index restores again
    const again = new InMemorySearchEngine();
    decodeIndex(again.store, encodeIndex(restored.store));
    expect(records(again)).toEqual(records(original));
    expect(results(again)).toEqual(results(original));
    // and again after the restored one is edited: removals and re-adds of terms its decode never made
    for (const e of [original, again]) {
      for (let i = 2; i < 300; i += 5) e.remove(`p${i}`);
      e.index({ id: 'p2', title: 'Sunglasses case usb', skus: ['SKU-2'] });
      e.store.trim(); // the original's lists grew before `again` was restored: slack differs until a trim
    }
    expect(maps(again)).toEqual(maps(original));
    expect(results(again)).toEqual(results(original));
    expect(encodeIndex(again.store)).toEqual(encodeIndex(original.store));
  });

  it('BaseMap edits like a Map: same values, sizes and order', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'a'];
    const table = new StringTable(names);
    expect(names.map((n) => table.indexOf(n))).toEqual([0, 1, 2, 3, 4, 5, 0]);
    expect(table.indexOf('g')).toBe(-1);
    const values = [10, 0, 30, 40, 50, 60];
    // keys a, c, d, e (b is absent: a zero; f is beyond the base's range)
    const present = Uint8Array.from([1, 0, 1, 1, 1]);
    const lazy = new BaseMap<number>(table, present, { get: (i) => values[i] as number, set: (i, v) => (values[i] = v) });
    const map = new Map<string, number>([
      ['a', 10],
      ['c', 30],
      ['d', 40],
      ['e', 50],
    ]);
    let x = 12345;
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (let step = 0; step < 400; step++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const k = keys[x % keys.length] as string;
      if ((x >> 8) % 3 === 0) expect(lazy.delete(k)).toBe(map.delete(k));
      else {
        lazy.set(k, step);
        map.set(k, step);
      }
      expect(lazy.get(k)).toBe(map.get(k));
      expect(lazy.has(k)).toBe(map.has(k));
      expect(lazy.size).toBe(map.size);
      expect([...lazy]).toEqual([...map]);
    }
    expect([...lazy.keys()]).toEqual([...map.keys()]);
    expect([...lazy.values()]).toEqual([...map.values()]);
  });

  it('rejects bytes that are not a snapshot, and a snapshot of another format', () => {
    expect(() => decodeIndex(new InMemorySearchEngine().store, new Uint8Array(16))).toThrow(/not an index snapshot/);
    // format 1 (per-document JSON records): the store cache ignores it and rebuilds from its rows
    const json = Buffer.from(JSON.stringify({ format: 1, terms: [], docs: [], sections: {} }));
    const old = Buffer.concat([Buffer.from([0x53, 0x4c, 0x49, 0x31]), Buffer.alloc(4), json]);
    old.writeUInt32LE(json.length, 4);
    expect(() => decodeIndex(new InMemorySearchEngine().store, old)).toThrow(/format 1, expected 3/);
    // format 2 (string tables as JSON arrays in the header) is refused the same way
    const json2 = Buffer.from(JSON.stringify({ format: 2, terms: [], lists: 0, surfaces: [], skus: [], ids: [], sections: {} }));
    const old2 = Buffer.concat([Buffer.from([0x53, 0x4c, 0x49, 0x31]), Buffer.alloc(4), json2]);
    old2.writeUInt32LE(json2.length, 4);
    expect(() => decodeIndex(new InMemorySearchEngine().store, old2)).toThrow(/format 2, expected 3/);
  });

  it('keeps a string table that cannot be NUL-joined (an empty id, a NUL in an id) as JSON', () => {
    const original = new InMemorySearchEngine();
    original.index({ id: '', title: 'Empty id kettle' });
    original.index({ id: 'x\u0000y', title: 'Nul id kettle' });
    original.index({ id: 'free', title: 'Gone soon' });
    original.index({ id: 'p1', title: 'Copper kettle' });
    original.remove('free');
    const restored = new InMemorySearchEngine();
    decodeIndex(restored.store, encodeIndex(original.store));
    expect(Array.from({ length: 4 }, (_, o) => restored.store.idOf(o))).toEqual(['', 'x\u0000y', undefined, 'p1']);
    expect(restored.store.ordinalOf('')).toBe(0);
    expect(restored.search('kettle').hits.map((h) => h.id)).toEqual(original.search('kettle').hits.map((h) => h.id));
    expect(encodeIndex(restored.store)).toEqual(encodeIndex(original.store));
  });
});
