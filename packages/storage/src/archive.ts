/**
 * Store export archives: a gzip-compressed POSIX tar (ustar) of named files,
 * with node:zlib, no dependency. Reading inflates as a stream (zlib's async
 * inflate runs on libuv's thread pool, not on the request thread) and stops as
 * soon as the inflated bytes or the entry count pass their caps, so a gzip bomb
 * costs at most the cap; it refuses anything that is not a plain file with a
 * safe relative name.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';

export interface ArchiveEntry {
  path: string;
  body: Uint8Array;
}

const BLOCK = 512;
const SAFE_PATH = /^[a-z0-9][a-z0-9_.-]{0,60}(\/[a-z0-9][a-z0-9_.-]{0,60}){0,2}$/;

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function header(path: string, size: number, mtime: number): Uint8Array {
  const h = Buffer.alloc(BLOCK, 0);
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'ascii');
  const octal = (n: number, len: number) => `${n.toString(8).padStart(len - 1, '0')}\0`;
  put(path, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A `.tar.gz` of the entries, in order. */
export function writeArchive(entries: ArchiveEntry[], mtime = Math.floor(Date.now() / 1000)): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (!SAFE_PATH.test(e.path)) throw new Error(`unsafe archive path: ${e.path}`);
    parts.push(header(e.path, e.body.length, mtime), e.body);
    const pad = (BLOCK - (e.body.length % BLOCK)) % BLOCK;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}

export class ArchiveFormatError extends Error {}
/** The archive inflates beyond `maxInflatedBytes` or holds more than `maxEntries` files. */
export class ArchiveTooLargeError extends ArchiveFormatError {}

export interface ArchiveLimits {
  maxInflatedBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxInflatedBytes: 128 * 1024 * 1024, maxEntries: 50_000 };

/** Inflates a gzip stream, refusing (and destroying the stream) the moment the output passes `maxBytes`. */
async function inflate(source: Uint8Array | AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const input = source instanceof Uint8Array ? Readable.from([source]) : Readable.from(source);
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new ArchiveTooLargeError(`the archive inflates beyond ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ArchiveTooLargeError) throw e;
    throw new ArchiveFormatError(`not a gzip archive: ${(e as Error).message}`);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks, total);
}

/** The files of a `.tar.gz` (bytes or a stream, e.g. an upload on disk); throws ArchiveFormatError / ArchiveTooLargeError. */
export async function readArchive(source: Uint8Array | AsyncIterable<Uint8Array>, limits: Partial<ArchiveLimits> = {}): Promise<Map<string, Uint8Array>> {
  const { maxInflatedBytes, maxEntries } = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  const tar = await inflate(source, maxInflatedBytes);
  const files = new Map<string, Uint8Array>();
  let off = 0;
  while (off + BLOCK <= tar.length) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (files.size >= maxEntries) throw new ArchiveTooLargeError(`the archive holds more than ${maxEntries} files`);
    const str = (from: number, len: number) => h.toString('ascii', from, from + len).replace(/\0.*$/s, '');
    const path = str(0, 100);
    const size = Number.parseInt(str(124, 12).trim() || 'x', 8);
    const type = str(156, 1);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
    if (Number.parseInt(str(148, 8).trim(), 8) !== sum) throw new ArchiveFormatError('bad tar header checksum');
    if (!Number.isSafeInteger(size) || size < 0 || off + BLOCK + size > tar.length) throw new ArchiveFormatError('bad tar entry size');
    if ((type !== '0' && type !== '') || !SAFE_PATH.test(path)) throw new ArchiveFormatError(`unexpected archive entry: ${path.slice(0, 100)}`);
    if (files.has(path)) throw new ArchiveFormatError(`duplicate archive entry: ${path}`);
    files.set(path, tar.subarray(off + BLOCK, off + BLOCK + size));
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
