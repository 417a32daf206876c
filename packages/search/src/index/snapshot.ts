/**
 * A serialised inverted index: what a process needs to serve a store without
 * re-analysing every document (a cold load becomes a read and a parse).
 *
 * Layout (little-endian): "SLI1", u32 header length, the header as JSON
 * (strings: terms, surfaces, document ids, SKUs), zero padding to 4 bytes,
 * then Int32 sections back to back, their lengths in `header.sections`.
 * Posting lists come back as views into one buffer (no copy); a list that
 * later grows gets its own arrays (postings.ts), so views never overlap writes.
 */

import { type DocRecord, FIELD_COUNT, type IndexState, type InvertedIndex, PostingList, type VocabEntry } from './inverted-index.ts';

const MAGIC = 0x31494c53; // "SLI1"
export const SNAPSHOT_FORMAT = 1;

interface Header {
  format: number;
  terms: string[];
  titleDf: [number, number][];
  headDf: [number, number][];
  surfaces: string[];
  skus: [string, number[]][];
  fieldLengthSum: number[];
  /** Per ordinal: null (free) or [id, skus, titleHead, head term index or -1]. */
  docs: ([string, string[], number, number] | null)[];
  freeOrdinals: number[];
  sections: Record<string, number>;
}

const SECTION_ORDER = [
  'listN',
  'listPos',
  'termDf',
  'entries',
  'positions',
  'vocabTerm',
  'vocabDf',
  'docTerms',
  'docSurfaces',
  'lengths',
  'titleBreaks',
] as const;

export function encodeIndex(index: InvertedIndex): Uint8Array {
  const st = index.exportState();
  const terms = [...st.postings.keys()];
  const termNo = new Map(terms.map((t, i) => [t, i]));
  const surfaces = [...st.vocab.keys()];
  const surfaceNo = new Map(surfaces.map((t, i) => [t, i]));
  const lists = terms.map((t) => st.postings.get(t) as PostingList);
  let entryTotal = 0;
  let posTotal = 0;
  for (const l of lists) {
    entryTotal += 2 * l.n;
    posTotal += l.posLength;
  }
  const listN = new Int32Array(lists.length);
  const listPos = new Int32Array(lists.length);
  const termDf = new Int32Array(lists.length);
  const entries = new Int32Array(entryTotal);
  const positions = new Int32Array(posTotal);
  let e = 0;
  let p = 0;
  lists.forEach((l, i) => {
    listN[i] = l.n;
    listPos[i] = l.posLength;
    termDf[i] = st.termDf.get(terms[i] as string) ?? 0;
    entries.set(l.entries.subarray(0, 2 * l.n), e);
    positions.set(l.positions.subarray(0, l.posLength), p);
    e += 2 * l.n;
    p += l.posLength;
  });
  const vocabTerm = new Int32Array(surfaces.length);
  const vocabDf = new Int32Array(surfaces.length);
  surfaces.forEach((s, i) => {
    const v = st.vocab.get(s) as VocabEntry;
    vocabTerm[i] = termNo.get(v.term) ?? -1;
    vocabDf[i] = v.df;
  });
  // forward lists: per ordinal, a count then the indexes
  const fwd = (pick: (r: DocRecord) => readonly string[], no: Map<string, number>) => {
    let size = 0;
    for (const r of st.docs) size += 1 + (r ? pick(r).length : 0);
    const out = new Int32Array(size);
    let at = 0;
    for (const r of st.docs) {
      const items = r ? pick(r) : [];
      out[at++] = items.length;
      for (const x of items) out[at++] = no.get(x) ?? -1;
    }
    return out;
  };
  const docTerms = fwd((r) => r.terms, termNo);
  const docSurfaces = fwd((r) => r.surfaces, surfaceNo);
  const cap = st.docs.length;
  const sections: Record<(typeof SECTION_ORDER)[number], Int32Array> = {
    listN,
    listPos,
    termDf,
    entries,
    positions,
    vocabTerm,
    vocabDf,
    docTerms,
    docSurfaces,
    lengths: st.lengths.subarray(0, cap * FIELD_COUNT),
    titleBreaks: st.titleBreaks.subarray(0, cap),
  };
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    terms,
    titleDf: [...st.titleDf].map(([t, v]) => [termNo.get(t) ?? -1, v]),
    headDf: [...st.headDf].map(([t, v]) => [termNo.get(t) ?? -1, v]),
    surfaces,
    skus: [...st.skuIndex].map(([sku, set]) => [sku, [...set]]),
    fieldLengthSum: [...st.fieldLengthSum],
    docs: st.docs.map((r) => (r ? [r.id, [...r.skus], r.titleHead, r.headTerm === null ? -1 : (termNo.get(r.headTerm) ?? -1)] : null)),
    freeOrdinals: [...st.freeOrdinals],
    sections: Object.fromEntries(SECTION_ORDER.map((k) => [k, sections[k].length])),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = 8 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  let ints = 0;
  for (const k of SECTION_ORDER) ints += sections[k].length;
  const out = new Uint8Array(headLen + pad + 4 * ints);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, json.length, true);
  out.set(json, 8);
  let at = headLen + pad;
  for (const k of SECTION_ORDER) {
    const s = sections[k];
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at += s.byteLength;
  }
  return out;
}

/** Fills an empty index from `encodeIndex` output (built with the same analyzer settings). */
export function decodeIndex(index: InvertedIndex, bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new Error('not an index snapshot');
  const jsonLen = dv.getUint32(4, true);
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, jsonLen).toString('utf8')) as Header;
  if (header.format !== SNAPSHOT_FORMAT) throw new Error(`index snapshot format ${header.format}, expected ${SNAPSHOT_FORMAT}`);
  const headLen = 8 + jsonLen;
  const start = headLen + ((4 - (headLen % 4)) % 4);
  // one aligned copy of the sections; every array below is a view into it
  // (a copy: `bytes` may be a Buffer view into a larger, unaligned or pooled buffer)
  const body = new Int32Array(new Uint8Array(bytes.subarray(start)).buffer);
  const sec: Record<string, Int32Array> = {};
  let at = 0;
  for (const k of SECTION_ORDER) {
    const n = header.sections[k] ?? 0;
    sec[k] = body.subarray(at, at + n);
    at += n;
  }
  const { terms } = header;
  const listN = sec.listN as Int32Array;
  const listPos = sec.listPos as Int32Array;
  const entries = sec.entries as Int32Array;
  const positions = sec.positions as Int32Array;
  const postings = new Map<string, PostingList>();
  const termDf = new Map<string, number>();
  let e = 0;
  let p = 0;
  terms.forEach((t, i) => {
    const n = listN[i] as number;
    const pl = listPos[i] as number;
    const list = new PostingList(0, 0);
    list.entries = entries.subarray(e, e + 2 * n);
    list.positions = positions.subarray(p, p + pl);
    list.n = n;
    list.posLength = pl;
    e += 2 * n;
    p += pl;
    postings.set(t, list);
    termDf.set(t, (sec.termDf as Int32Array)[i] as number);
  });
  const vocab = new Map<string, VocabEntry>();
  header.surfaces.forEach((s, i) => {
    vocab.set(s, { term: terms[(sec.vocabTerm as Int32Array)[i] as number] as string, df: (sec.vocabDf as Int32Array)[i] as number });
  });
  const docTerms = sec.docTerms as Int32Array;
  const docSurfaces = sec.docSurfaces as Int32Array;
  const lengths = sec.lengths as Int32Array;
  const titleBreaks = sec.titleBreaks as Int32Array;
  let ti = 0;
  let si = 0;
  const docs = header.docs.map((d, ordinal) => {
    const nt = docTerms[ti++] as number;
    const dt = Array.from(docTerms.subarray(ti, ti + nt), (x) => terms[x] as string);
    ti += nt;
    const ns = docSurfaces[si++] as number;
    const ds = Array.from(docSurfaces.subarray(si, si + ns), (x) => header.surfaces[x] as string);
    si += ns;
    if (!d) return undefined;
    const [id, skus, titleHead, headNo] = d;
    const tb = titleBreaks[ordinal] as number;
    const rec: DocRecord = {
      id,
      ordinal,
      fieldLengths: Array.from(lengths.subarray(ordinal * FIELD_COUNT, (ordinal + 1) * FIELD_COUNT)),
      skus,
      titleBreak: tb === 0x7fffffff ? Number.POSITIVE_INFINITY : tb,
      titleHead,
      headTerm: headNo < 0 ? null : (terms[headNo] as string),
      terms: dt,
      surfaces: ds,
    };
    return rec;
  });
  const state: IndexState = {
    postings,
    termDf,
    titleDf: new Map(header.titleDf.map(([t, v]) => [terms[t] as string, v])),
    headDf: new Map(header.headDf.map(([t, v]) => [terms[t] as string, v])),
    vocab,
    skuIndex: new Map(header.skus.map(([sku, ords]) => [sku, new Set(ords)])),
    fieldLengthSum: header.fieldLengthSum,
    docs,
    freeOrdinals: header.freeOrdinals,
    // the growable per-document tables are copied (they grow in place on add)
    lengths: Int32Array.from(lengths),
    titleBreaks: Int32Array.from(titleBreaks),
  };
  index.importState(state);
}
