import { describe, expect, it } from 'vitest';
import { decodeIndex, encodeIndex, InMemorySearchEngine } from '../src/index.ts';

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
const results = (e: InMemorySearchEngine, prefix = false) =>
  QUERIES.map((q) => e.search(q, { limit: 50, rerankTopK: 5, plan: prefix ? { prefix: 'always' } : {} }).hits.map((h) => [h.id, h.score]));

describe('index snapshots', () => {
  it('restore an index that answers exactly like the original, and keeps following edits', () => {
    const original = new InMemorySearchEngine();
    for (const d of catalogue(300, 7)) original.index(d);
    for (let i = 0; i < 300; i += 9) original.remove(`p${i}`); // free ordinals travel in the snapshot
    const bytes = encodeIndex(original.store);
    const restored = new InMemorySearchEngine();
    decodeIndex(restored.store, bytes);
    expect(restored.size).toBe(original.size);
    // per-document data (forward lists read from the snapshot's ranges) equals the original's, free ordinals included
    const records = (e: InMemorySearchEngine) => Array.from({ length: e.store.capacity }, (_, o) => e.store.doc(o));
    expect(restored.store.capacity).toBe(original.store.capacity);
    expect(records(restored)).toEqual(records(original));
    expect(results(restored)).toEqual(results(original));
    expect(results(restored, true)).toEqual(results(original, true));
    // the same edits on both: removals shift the restored lists' views, re-adds reuse ordinals in the middle
    const more = catalogue(40, 99);
    for (const e of [original, restored]) {
      for (let i = 1; i < 300; i += 7) e.remove(`p${i}`);
      for (const d of more) e.index({ ...d, id: `n${d.id}` });
      e.index({ id: 'p3', title: 'Copper kettle with glass lid' });
    }
    expect(results(restored)).toEqual(results(original));
    expect(records(restored)).toEqual(records(original));
    expect(encodeIndex(restored.store)).toEqual(encodeIndex(original.store));
    // and a snapshot of the edited restored index restores again
    const again = new InMemorySearchEngine();
    decodeIndex(again.store, encodeIndex(restored.store));
    expect(records(again)).toEqual(records(original));
    expect(results(again)).toEqual(results(original));
  });

  it('rejects bytes that are not a snapshot, and a snapshot of another format', () => {
    expect(() => decodeIndex(new InMemorySearchEngine().store, new Uint8Array(16))).toThrow(/not an index snapshot/);
    // format 1 (per-document JSON records): the store cache ignores it and rebuilds from its rows
    const json = Buffer.from(JSON.stringify({ format: 1, terms: [], docs: [], sections: {} }));
    const old = Buffer.concat([Buffer.from([0x53, 0x4c, 0x49, 0x31]), Buffer.alloc(4), json]);
    old.writeUInt32LE(json.length, 4);
    expect(() => decodeIndex(new InMemorySearchEngine().store, old)).toThrow(/format 1, expected 2/);
  });
});
