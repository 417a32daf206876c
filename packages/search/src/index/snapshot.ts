/**
 * A serialised inverted index: what a process needs to serve a store without
 * re-analysing every document (a cold load becomes a read and a parse).
 *
 * Layout (little-endian): "SLI1", u32 header length, the header as JSON, the
 * string tables (terms, surfaces, SKUs, document ids: each NUL-joined UTF-8
 * since format 3, their sizes in the header), zero padding to 4 bytes,
 * then Int32 sections back to back, their lengths in `header.sections`.
 * Posting lists come back as views into one buffer (no copy); a list that
 * later grows gets its own arrays (postings.ts), so views never overlap writes.
 *
 * Format 2 (round 12, cold load): per-document data is columns, not objects.
 * The forward lists (each document's distinct terms, surfaces and SKUs, what a
 * removal needs) are CSR sections of indexes into the header's string tables
 * and stay that way after a decode (`RestoredForward`): strings are made only
 * for a document that is removed or replaced. Document frequencies are
 * sections aligned with the term table, and the decoded Maps are adopted by
 * the index (`importState`), not copied. Format 1 snapshots are refused (the
 * store cache then rebuilds from its rows and writes a format 2 snapshot).
 */

import { BaseMap, type BaseValues, StringTable, type StringMap } from './base-map.ts';
import { FIELD_COUNT, type Forward, type IndexState, type InvertedIndex, PostingList, type VocabEntry } from './inverted-index.ts';

/** A map's value without keeping one a restored index makes for the occasion (encoding reads every value once). */
const peek = <V>(m: StringMap<V>, key: string): V | undefined => (m instanceof BaseMap ? m.peek(key) : m.get(key));

const MAGIC = 0x31494c53; // "SLI1"
export const SNAPSHOT_FORMAT = 3;

/** The string tables, stored after the header (format 3): each one's strings joined by NUL, as UTF-8. */
const STRING_TABLES = ['terms', 'surfaces', 'skus', 'ids'] as const;
type StringTableName = (typeof STRING_TABLES)[number];

interface Header {
  format: number;
  /**
   * Per string table, [UTF-8 bytes, strings] of its NUL-joined form after the header; or the strings themselves
   * when one holds a NUL (or an id is empty: '' stands for a free ordinal's null). Terms: those with a posting list
   * first (`lists` of them, in the index's order), then terms only counted elsewhere. SKUs in the SKU index's
   * order. Ids by ordinal, null for a free ordinal.
   */
  strings: Record<StringTableName, [number, number] | (string | null)[]>;
  lists: number;
  fieldLengthSum: number[];
  freeOrdinals: number[];
  sections: Record<string, number>;
}

/** NUL-joined, as one UTF-8 buffer (splitting one string costs a third of parsing a JSON array of them), or null. */
function joinTable(names: readonly (string | null)[]): Buffer | null {
  for (const s of names) if (s === '' || s?.includes('\0')) return null;
  return Buffer.from(names.map((s) => s ?? '').join('\0'), 'utf8');
}

const SECTION_ORDER = [
  // per posting list
  'listN',
  'listPos',
  'entries',
  'positions',
  // per term
  'termDf',
  'titleDf',
  'headDf',
  // per surface
  'vocabTerm',
  'vocabDf',
  // per SKU: its ordinals, in the index's set order
  'skuN',
  'skuOrd',
  // per ordinal (CSR starts have capacity + 1 entries)
  'termStart',
  'termIdx',
  'surfaceStart',
  'surfaceIdx',
  'skuStart',
  'skuIdx',
  'headTerm',
  'titleHeads',
  'lengths',
  'titleBreaks',
] as const;
type Section = (typeof SECTION_ORDER)[number];

export function encodeIndex(index: InvertedIndex): Uint8Array {
  const st = index.exportState();
  const terms = [...st.postings.keys()];
  const lists = terms.length;
  const termNo = new Map(terms.map((t, i) => [t, i]));
  const termOf = (t: string) => {
    let no = termNo.get(t);
    if (no === undefined) {
      no = terms.length;
      terms.push(t);
      termNo.set(t, no);
    }
    return no;
  };
  const surfaces = [...st.vocab.keys()];
  const surfaceNo = new Map(surfaces.map((t, i) => [t, i]));
  const skus = [...st.skuIndex.keys()];
  const skuNo = new Map(skus.map((t, i) => [t, i]));
  const indexOf = (names: string[], no: Map<string, number>, x: string) => {
    let i = no.get(x);
    if (i === undefined) {
      i = names.length;
      names.push(x);
      no.set(x, i);
    }
    return i;
  };
  const postingLists = terms.map((t) => peek(st.postings, t) as PostingList);
  let entryTotal = 0;
  let posTotal = 0;
  for (const l of postingLists) {
    entryTotal += 2 * l.n;
    posTotal += l.posLength;
  }
  const listN = new Int32Array(lists);
  const listPos = new Int32Array(lists);
  const entries = new Int32Array(entryTotal);
  const positions = new Int32Array(posTotal);
  let e = 0;
  let p = 0;
  postingLists.forEach((l, i) => {
    listN[i] = l.n;
    listPos[i] = l.posLength;
    entries.set(l.entries.subarray(0, 2 * l.n), e);
    positions.set(l.positions.subarray(0, l.posLength), p);
    e += 2 * l.n;
    p += l.posLength;
  });
  const vocabTerm = new Int32Array(surfaces.length);
  const vocabDf = new Int32Array(surfaces.length);
  surfaces.forEach((s, i) => {
    const v = peek(st.vocab, s) as VocabEntry;
    vocabTerm[i] = termOf(v.term);
    vocabDf[i] = v.df;
  });
  let skuTotal = 0;
  for (const sku of skus) skuTotal += (peek(st.skuIndex, sku) as Set<number>).size;
  const skuN = new Int32Array(skus.length);
  const skuOrd = new Int32Array(skuTotal);
  let k = 0;
  skus.forEach((sku, i) => {
    const set = peek(st.skuIndex, sku) as Set<number>;
    skuN[i] = set.size;
    for (const o of set) skuOrd[k++] = o;
  });
  // forward lists, CSR by ordinal
  const cap = st.ids.length;
  const forwards: (Forward | null)[] = st.ids.map((id, o) => (id === undefined ? null : index.forwardOf(o)));
  const csr = (pick: (f: Forward) => readonly string[], no: (x: string) => number) => {
    const start = new Int32Array(cap + 1);
    let size = 0;
    forwards.forEach((f, o) => {
      start[o] = size;
      size += f ? pick(f).length : 0;
    });
    start[cap] = size;
    const idx = new Int32Array(size);
    let at = 0;
    for (const f of forwards) if (f) for (const x of pick(f)) idx[at++] = no(x);
    return { start, idx };
  };
  const fwdTerms = csr((f) => f.terms, termOf);
  const fwdSurfaces = csr(
    (f) => f.surfaces,
    (x) => indexOf(surfaces, surfaceNo, x),
  );
  const fwdSkus = csr(
    (f) => f.skus,
    (x) => indexOf(skus, skuNo, x),
  );
  const headTerm = new Int32Array(cap).fill(-1);
  forwards.forEach((f, o) => {
    if (f?.headTerm != null) headTerm[o] = termOf(f.headTerm);
  });
  // document frequencies by term (every term with one is in the table by now, or added here)
  for (const m of [st.termDf, st.titleDf, st.headDf]) for (const t of m.keys()) termOf(t);
  const byTerm = (m: StringMap<number>) => Int32Array.from(terms, (t) => m.get(t) ?? 0);
  const sections: Record<Section, Int32Array> = {
    listN,
    listPos,
    entries,
    positions,
    termDf: byTerm(st.termDf),
    titleDf: byTerm(st.titleDf),
    headDf: byTerm(st.headDf),
    vocabTerm,
    vocabDf,
    skuN,
    skuOrd,
    termStart: fwdTerms.start,
    termIdx: fwdTerms.idx,
    surfaceStart: fwdSurfaces.start,
    surfaceIdx: fwdSurfaces.idx,
    skuStart: fwdSkus.start,
    skuIdx: fwdSkus.idx,
    headTerm,
    titleHeads: st.titleHeads.subarray(0, cap),
    lengths: st.lengths.subarray(0, cap * FIELD_COUNT),
    titleBreaks: st.titleBreaks.subarray(0, cap),
  };
  const tables: Record<StringTableName, readonly (string | null)[]> = { terms, surfaces, skus, ids: st.ids.map((id) => id ?? null) };
  const joined = STRING_TABLES.map((t) => joinTable(tables[t]));
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    strings: Object.fromEntries(
      STRING_TABLES.map((t, i) => {
        const blob = joined[i];
        return [t, blob ? [blob.length, tables[t].length] : tables[t]];
      }),
    ) as Header['strings'],
    lists,
    fieldLengthSum: [...st.fieldLengthSum],
    freeOrdinals: [...st.freeOrdinals],
    sections: Object.fromEntries(SECTION_ORDER.map((s) => [s, sections[s].length])),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  let headLen = 8 + json.length;
  for (const blob of joined) headLen += blob?.length ?? 0;
  const pad = (4 - (headLen % 4)) % 4;
  let ints = 0;
  for (const s of SECTION_ORDER) ints += sections[s].length;
  const out = new Uint8Array(headLen + pad + 4 * ints);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, json.length, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const blob of joined) {
    if (!blob) continue;
    out.set(blob, at);
    at += blob.length;
  }
  at = headLen + pad;
  for (const s of SECTION_ORDER) {
    const a = sections[s];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/**
 * Base values made from the sections by `make` when first read and kept (so edits apply to them); `peek` makes one
 * without keeping it, and `made` tells which were kept. What the decoded postings, vocabulary and SKU sets share.
 */
function memoisedValues<V>(count: number, make: (i: number) => V): Required<Pick<BaseValues<V>, 'get' | 'set' | 'made' | 'peek'>> {
  const kept = new Array<V | undefined>(count);
  return {
    get: (i) => {
      let v = kept[i];
      if (v === undefined) {
        v = make(i);
        kept[i] = v;
      }
      return v;
    },
    set: (i, v) => {
      kept[i] = v;
    },
    made: (i) => kept[i],
    peek: (i) => kept[i] ?? make(i),
  };
}

/** Fills an empty index from `encodeIndex` output (built with the same analyzer settings). */
export function decodeIndex(index: InvertedIndex, bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || dv.getUint32(0, true) !== MAGIC) throw new Error('not an index snapshot');
  const jsonLen = dv.getUint32(4, true);
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, jsonLen).toString('utf8')) as Header;
  if (header.format !== SNAPSHOT_FORMAT) throw new Error(`index snapshot format ${header.format}, expected ${SNAPSHOT_FORMAT}`);
  let headLen = 8 + jsonLen;
  const tables = {} as Record<StringTableName, (string | null)[]>;
  for (const t of STRING_TABLES) {
    const stored = header.strings[t];
    if (typeof stored[0] === 'number') {
      const [size, count] = stored as [number, number];
      tables[t] =
        count === 0
          ? []
          : Buffer.from(bytes.buffer, bytes.byteOffset + headLen, size)
              .toString('utf8')
              .split('\0');
      if (tables[t].length !== count) throw new Error(`index snapshot: ${t} table is damaged`);
      headLen += size;
    } else tables[t] = stored as (string | null)[];
  }
  const start = headLen + ((4 - (headLen % 4)) % 4);
  // one aligned copy of the sections; every array below is a view into it
  // (a copy: `bytes` may be a Buffer view into a larger, unaligned or pooled buffer)
  const body = new Int32Array(new Uint8Array(bytes.subarray(start)).buffer);
  const sec = {} as Record<Section, Int32Array>;
  let at = 0;
  for (const s of SECTION_ORDER) {
    const n = header.sections[s] ?? 0;
    sec[s] = body.subarray(at, at + n);
    at += n;
  }
  const terms = tables.terms as string[];
  const surfaces = tables.surfaces as string[];
  const skus = tables.skus as string[];
  const { listN, listPos, entries, positions } = sec;
  const lists = header.lists;
  // Nothing per term is made here (round 13): the Maps are BaseMaps over hash tables of the string arrays, and a
  // posting list, vocabulary entry or SKU set is made from the sections when a query first reads it.
  const termTable = new StringTable(terms);
  const entryAt = new Int32Array(lists + 1);
  const posAt = new Int32Array(lists + 1);
  for (let i = 0; i < lists; i++) {
    entryAt[i + 1] = (entryAt[i] as number) + 2 * (listN[i] as number);
    posAt[i + 1] = (posAt[i] as number) + (listPos[i] as number);
  }
  const listOf = (i: number) => {
    const list = new PostingList(0, 0);
    list.entries = entries.subarray(entryAt[i] as number, entryAt[i + 1] as number);
    list.positions = positions.subarray(posAt[i] as number, posAt[i + 1] as number);
    list.n = listN[i] as number;
    list.posLength = listPos[i] as number;
    return list;
  };
  const postings = new BaseMap<PostingList>(termTable, new Uint8Array(lists).fill(1), {
    ...memoisedValues(lists, listOf),
    weigh: (i) => 4 * ((entryAt[i + 1] as number) - (entryAt[i] as number) + (posAt[i + 1] as number) - (posAt[i] as number)),
  });
  // document frequencies: the sections themselves (`body` is this index's own copy, so edits write into them)
  const dfMap = (df: Int32Array, keep: (i: number) => boolean) => {
    const present = new Uint8Array(terms.length);
    for (let i = 0; i < terms.length; i++) if (keep(i)) present[i] = 1;
    return new BaseMap<number>(termTable, present, {
      get: (i) => df[i] as number,
      set: (i, v) => {
        df[i] = v;
      },
    });
  };
  const termDf = dfMap(sec.termDf, (i) => (sec.termDf[i] as number) > 0 || i < lists);
  const titleDf = dfMap(sec.titleDf, (i) => (sec.titleDf[i] as number) > 0);
  const headDf = dfMap(sec.headDf, (i) => (sec.headDf[i] as number) > 0);
  const surfaceCount = sec.vocabTerm.length;
  const entryOf = (i: number): VocabEntry => ({ term: terms[sec.vocabTerm[i] as number] as string, df: sec.vocabDf[i] as number });
  const vocab = new BaseMap<VocabEntry>(new StringTable(surfaces), new Uint8Array(surfaceCount).fill(1), memoisedValues(surfaceCount, entryOf));
  const skuCount = sec.skuN.length;
  const skuAt = new Int32Array(skuCount + 1);
  const skuPresent = new Uint8Array(skuCount);
  for (let i = 0; i < skuCount; i++) {
    const n = sec.skuN[i] as number;
    skuAt[i + 1] = (skuAt[i] as number) + n;
    if (n > 0) skuPresent[i] = 1;
  }
  const setOf = (i: number) => {
    const set = new Set<number>();
    for (let j = skuAt[i] as number; j < (skuAt[i + 1] as number); j++) set.add(sec.skuOrd[j] as number);
    return set;
  };
  const skuIndex = new BaseMap<Set<number>>(new StringTable(skus), skuPresent, memoisedValues(skuCount, setOf));
  const storedIds = tables.ids;
  const cap = storedIds.length;
  const ids = new Array<string | undefined>(cap);
  // a joined table has '' for a free ordinal (it is joined only when no id is empty, see joinTable)
  const joinedIds = typeof header.strings.ids[0] === 'number';
  for (let o = 0; o < cap; o++) {
    const id = storedIds[o];
    ids[o] = id === null || (joinedIds && id === '') ? undefined : id;
  }
  const state: IndexState = {
    postings,
    termDf,
    titleDf,
    headDf,
    vocab,
    skuIndex,
    fieldLengthSum: header.fieldLengthSum,
    ids,
    forward: new Array<Forward | undefined>(cap).fill(undefined),
    restored: {
      terms,
      surfaces,
      skus,
      termIdx: sec.termIdx,
      termStart: sec.termStart,
      surfaceIdx: sec.surfaceIdx,
      surfaceStart: sec.surfaceStart,
      skuIdx: sec.skuIdx,
      skuStart: sec.skuStart,
      headTerm: sec.headTerm,
    },
    freeOrdinals: header.freeOrdinals,
    // the growable per-document tables are copied (they grow in place on add)
    lengths: Int32Array.from(sec.lengths),
    titleBreaks: Int32Array.from(sec.titleBreaks),
    titleHeads: Int32Array.from(sec.titleHeads),
  };
  index.importState(state);
}
