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

/**
 * Random hex characters (two per byte) from a pooled hex string of the CSPRNG: request, trace and span ids. Turning
 * pooled bytes into hex per request was a Buffer view and a hex conversion each (~2% of a cached API read's CPU in
 * round 17's profile); here one conversion serves 8 KiB of ids and a request takes a slice. Every character is handed
 * out once, as with pooledRandomBytes.
 */
let hexPool = '';
let hexOffset = 0;

export function pooledRandomHex(chars: number): string {
  if (chars > 16384) throw new RangeError('pooledRandomHex: too many characters');
  if (hexOffset + chars > hexPool.length) {
    hexPool = randomFillSync(Buffer.allocUnsafe(8192)).toString('hex');
    hexOffset = 0;
  }
  const out = hexPool.slice(hexOffset, hexOffset + chars);
  hexOffset += chars;
  return out;
}
