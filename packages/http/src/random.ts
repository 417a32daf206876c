import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from a pooled buffer of the CSPRNG, for per-request ids and nonces: `randomBytes` makes a system
 * call per request (it was ~2.5% of a product read's CPU for three calls). The pool is refilled when used up and
 * every byte is handed out once; callers turn the bytes into a string at once and must not keep the buffer.
 */
const pool = Buffer.allocUnsafe(8192);
let offset = pool.length;

export function pooledRandomBytes(n: number): Buffer {
  if (n > pool.length) throw new RangeError('pooledRandomBytes: too many bytes');
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}
