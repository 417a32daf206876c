/**
 * Seeded, serialisable PRNG (sfc32) plus string seed hashing.
 *
 * Determinism is a hard requirement of the pricing policy: the same seed and
 * the same observations must give the same prices. `Math.random` is never used.
 * The generator state is four uint32 words, so it can be stored as plain JSON
 * next to the policy state and restored later (`restoreRng`).
 */

/** Plain-JSON generator state: four unsigned 32-bit integers. */
export type RngState = readonly [number, number, number, number];

export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Snapshot of the internal state (plain JSON). */
  getState(): RngState;
}

/** FNV-1a 32-bit hash over the UTF-16 code units of a string (low byte, as the shared bench does). */
export function fnv1a32(str: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** splitmix32 step: used only to expand one 32-bit seed into four state words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function isValidState(s: unknown): s is RngState {
  return Array.isArray(s) && s.length === 4 && s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) && s.some((w) => w !== 0);
}

/** Restore a generator from a snapshot taken with `getState()`. */
export function restoreRng(state: RngState): Rng {
  if (!isValidState(state)) throw new RangeError('rng state must be four uint32 words, not all zero');
  let [a, b, c, d] = state;
  return {
    next(): number {
      // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator).
      a >>>= 0;
      b >>>= 0;
      c >>>= 0;
      d >>>= 0;
      let t = (a + b) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      d = (d + 1) | 0;
      t = (t + d) | 0;
      c = (c + t) | 0;
      return (t >>> 0) / 4294967296;
    },
    getState(): RngState {
      return [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
    },
  };
}

/**
 * Create a generator from an integer or a string seed. Strings are hashed
 * with FNV-1a, so `createRng('policy/7')` names an independent stream.
 */
export function createRng(seed: number | string): Rng {
  let s: number;
  if (typeof seed === 'string') s = fnv1a32(seed);
  else if (Number.isSafeInteger(seed)) s = (seed >>> 0) ^ fnv1a32(String(Math.floor(seed / 4294967296)));
  else throw new RangeError(`rng seed must be a safe integer or a string, got ${String(seed)}`);
  const mix = splitmix32(s);
  const st: [number, number, number, number] = [mix(), mix(), mix(), mix()];
  if (st.every((w) => w === 0)) st[3] = 1;
  const rng = restoreRng(st);
  // Discard a few outputs: sfc32 mixes poorly in its first draws.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}
