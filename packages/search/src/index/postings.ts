/**
 * One term's postings in two typed arrays, no object per posting.
 *
 * A posting is one (document, field) pair of the term. Postings are sorted by
 * document ordinal, then field, so a list can be walked document by document
 * and searched by binary search (the top-k stage 1 skips through lists it does
 * not need to score). Layout:
 *
 *   entries[2i]     document ordinal of posting i
 *   entries[2i + 1] (end of its positions in `positions`) << 4 | field id
 *   positions       sorted token positions of every posting, back to back;
 *                   posting i's positions are [end(i - 1), end(i)), tf = their count
 *
 * Arrays grow by doubling while an index is built (documents arrive in ordinal
 * order, so adding is an append); `trim()` drops the slack afterwards. A
 * document whose ordinal is reused is inserted in place (one `copyWithin`).
 */

const FIELD_BITS = 4;
const FIELD_MASK = (1 << FIELD_BITS) - 1;
const EMPTY_ENTRIES = new Int32Array(0);

export class PostingList {
  /** Number of postings. */
  n = 0;
  entries: Int32Array;
  positions: Int32Array;
  /** Number of positions used. */
  posLength = 0;
  /** Cached upper bound of the term's tf~ (see scorer.ts), valid for `ubEpoch`/`ubKey`. */
  ubEpoch = -1;
  ubKey: unknown = null;
  ubTft = 0;

  constructor(capacity = 1, positionCapacity = 2) {
    this.entries = capacity > 0 ? new Int32Array(2 * capacity) : EMPTY_ENTRIES;
    // (0, 0): the caller sets both arrays (a decoded snapshot's views), so none is allocated here
    this.positions = capacity === 0 && positionCapacity === 0 ? EMPTY_ENTRIES : new Int32Array(Math.max(1, positionCapacity));
  }

  doc(i: number): number {
    return this.entries[2 * i] as number;
  }

  field(i: number): number {
    return (this.entries[2 * i + 1] as number) & FIELD_MASK;
  }

  end(i: number): number {
    return (this.entries[2 * i + 1] as number) >>> FIELD_BITS;
  }

  start(i: number): number {
    return i === 0 ? 0 : (this.entries[2 * i - 1] as number) >>> FIELD_BITS;
  }

  tf(i: number): number {
    return this.end(i) - this.start(i);
  }

  /** Positions of posting i (a view, not a copy). */
  positionsOf(i: number): Int32Array {
    return this.positions.subarray(this.start(i), this.end(i));
  }

  /** Number of distinct documents (postings of one document are adjacent). */
  docCount(): number {
    let c = 0;
    let last = -1;
    for (let i = 0; i < this.n; i++) {
      const d = this.entries[2 * i] as number;
      if (d !== last) {
        c++;
        last = d;
      }
    }
    return c;
  }

  /** First posting index at or after `from` whose document is >= doc (n when none). */
  seek(doc: number, from = 0): number {
    const e = this.entries;
    let lo = from;
    let hi = this.n;
    // gallop first: the target is usually near
    let step = 1;
    while (lo + step < hi && (e[2 * (lo + step)] as number) < doc) {
      lo += step;
      step *= 2;
    }
    if (lo + step < hi) hi = lo + step + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((e[2 * mid] as number) < doc) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private reserve(postings: number, positions: number): void {
    if (2 * (this.n + postings) > this.entries.length) {
      const next = new Int32Array(Math.max(2 * (this.n + postings), this.entries.length * 2, 4));
      next.set(this.entries.subarray(0, 2 * this.n));
      this.entries = next;
    }
    if (this.posLength + positions > this.positions.length) {
      const next = new Int32Array(Math.max(this.posLength + positions, this.positions.length * 2));
      next.set(this.positions.subarray(0, this.posLength));
      this.positions = next;
    }
  }

  /**
   * Adds one document's postings (fields ascending, positions sorted). Appends
   * when the document sorts last, else inserts in place.
   */
  add(doc: number, fields: readonly number[], positions: readonly (readonly number[])[]): void {
    let total = 0;
    for (const p of positions) total += p.length;
    this.reserve(fields.length, total);
    const e = this.entries;
    const at = this.n === 0 || (e[2 * (this.n - 1)] as number) < doc ? this.n : this.seek(doc);
    const posAt = this.start(at);
    const k = fields.length;
    if (at < this.n) {
      e.copyWithin(2 * (at + k), 2 * at, 2 * this.n);
      this.positions.copyWithin(posAt + total, posAt, this.posLength);
      for (let i = at + k; i < this.n + k; i++) e[2 * i + 1] = (e[2 * i + 1] as number) + (total << FIELD_BITS);
    }
    let end = posAt;
    for (let j = 0; j < k; j++) {
      const ps = positions[j] as readonly number[];
      for (const p of ps) this.positions[end++] = p;
      e[2 * (at + j)] = doc;
      e[2 * (at + j) + 1] = (end << FIELD_BITS) | (fields[j] as number);
    }
    this.n += k;
    this.posLength += total;
  }

  /** Appends one posting of a document that sorts last (building a derived list, e.g. phrase matches). */
  push(doc: number, field: number, positions: ArrayLike<number>): void {
    this.reserve(1, positions.length);
    for (let j = 0; j < positions.length; j++) this.positions[this.posLength++] = positions[j] as number;
    this.entries[2 * this.n] = doc;
    this.entries[2 * this.n + 1] = (this.posLength << FIELD_BITS) | field;
    this.n++;
  }

  /** Removes every posting of a document; returns whether one was in the title (field 0). */
  remove(doc: number): { removed: boolean; title: boolean } {
    const from = this.seek(doc);
    let to = from;
    while (to < this.n && (this.entries[2 * to] as number) === doc) to++;
    if (to === from) return { removed: false, title: false };
    const title = this.field(from) === 0;
    const e = this.entries;
    const posFrom = this.start(from);
    const posTo = this.start(to);
    const gone = posTo - posFrom;
    e.copyWithin(2 * from, 2 * to, 2 * this.n);
    this.positions.copyWithin(posFrom, posTo, this.posLength);
    this.n -= to - from;
    this.posLength -= gone;
    for (let i = from; i < this.n; i++) e[2 * i + 1] = (e[2 * i + 1] as number) - (gone << FIELD_BITS);
    return { removed: true, title };
  }

  /** Drops the growth slack (after a bulk build). */
  trim(): void {
    if (this.entries.length > 2 * this.n) this.entries = this.entries.slice(0, 2 * this.n);
    if (this.positions.length > this.posLength) this.positions = this.positions.slice(0, Math.max(1, this.posLength));
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.entries.byteLength + this.positions.byteLength;
  }
}
