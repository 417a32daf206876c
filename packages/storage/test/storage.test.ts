/** Storage: magic-byte sniffing, key safety, the local disk driver, and S3 SigV4 request shape against a local HTTP server. */
import { createHmac, createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidKey, LocalDiskStorage, newObjectKey, S3Storage, sniffImageType } from '../src/index.ts';

const STORE = randomUUID();
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2]);

describe('sniffing and keys', () => {
  it('recognises the five allowed image types by content only', () => {
    const bytes = (s: string, pad = 16) => new Uint8Array([...Buffer.from(s, 'latin1'), ...new Array(pad).fill(0)]);
    expect(sniffImageType(PNG)?.ext).toBe('png');
    expect(sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(12).fill(0)]))?.contentType).toBe('image/jpeg');
    expect(sniffImageType(bytes('GIF87a'))?.ext).toBe('gif');
    expect(sniffImageType(bytes('RIFF\x10\0\0\0WEBPVP8 '))?.ext).toBe('webp');
    expect(sniffImageType(bytes('\0\0\0\x1cftypavif'))?.ext).toBe('avif');
    for (const bad of [
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
      '<!doctype html><html>',
      '%PDF-1.7 xxxxxxxx',
      'MZ\x90\0\0\0\0\0\0\0\0\0\0',
      '\0\0\0\x1cftypmp42',
    ])
      expect(sniffImageType(bytes(bad))).toBeNull();
    expect(sniffImageType(PNG.subarray(0, 8))).toBeNull();
  });

  it('accepts only <store uuid>/<safe name> keys', () => {
    const key = newObjectKey(STORE, 'img', 'png');
    expect(isValidKey(key)).toBe(true);
    for (const bad of [
      `${STORE}/../x.png`,
      `${STORE}/a/b.png`,
      `../${STORE}/x.png`,
      `${STORE}/x.svg`,
      `${STORE}/.png`,
      'x/y.png',
      `${STORE}/x.png/`,
      `${STORE}\\x.png`,
      `${STORE}/%2e%2e.png`,
    ])
      expect(isValidKey(bad), bad).toBe(false);
  });
});

describe('local disk storage', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'storeloom-local-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts, gets, deletes (idempotently) and refuses bad keys', async () => {
    const s = new LocalDiskStorage(root, 'http://localhost:3000/media/');
    const key = newObjectKey(STORE, 'img', 'png');
    await s.put(key, PNG, 'image/png');
    expect(await readdir(join(root, STORE))).toEqual([key.split('/')[1]]);
    const got = await s.get(key);
    expect(got?.contentType).toBe('image/png');
    expect(Buffer.from(got?.body ?? []).equals(Buffer.from(PNG))).toBe(true);
    expect(s.publicUrl(key)).toBe(`http://localhost:3000/media/${key}`);
    await s.delete(key);
    await s.delete(key);
    expect(await s.get(key)).toBeNull();
    await expect(s.put(`${STORE}/../../escape.png`, PNG, 'image/png')).rejects.toThrow();
  });
});

/** Recomputes the SigV4 signature the way S3 does, from what arrived on the wire. */
function verifySigV4(req: IncomingMessage, body: Buffer, secret: string, region: string) {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, why: 'authorization header shape' };
  const [, , date, reqRegion, signedHeaders, signature] = m as unknown as string[];
  const amzDate = String(req.headers['x-amz-date']);
  const payloadHash = String(req.headers['x-amz-content-sha256']);
  if (payloadHash !== createHash('sha256').update(body).digest('hex') && payloadHash !== 'UNSIGNED-PAYLOAD') return { ok: false, why: 'payload hash' };
  const url = new URL(req.url ?? '/', 'http://x');
  const canonicalHeaders = (signedHeaders as string)
    .split(';')
    .map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonical = [req.method, url.pathname, url.searchParams.toString(), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${reqRegion}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${secret}`, date as string), reqRegion as string), 's3'), 'aws4_request');
  const expected = createHmac('sha256', kSigning).update(toSign).digest('hex');
  return { ok: expected === signature && reqRegion === region, why: expected === signature ? 'region' : 'signature' };
}

describe('S3 storage (SigV4) against a local server', () => {
  const objects = new Map<string, { body: Buffer; type: string }>();
  const seen: { method: string; path: string; ok: boolean; why: string; cacheControl?: string; contentType?: string }[] = [];
  let endpoint: string;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const v = verifySigV4(req, body, 'test-secret', 'eu-test-1');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ method: req.method ?? '', path, ok: v.ok, why: v.why, cacheControl: req.headers['cache-control'], contentType: req.headers['content-type'] });
      if (!v.ok) {
        res.writeHead(403).end('SignatureDoesNotMatch');
        return;
      }
      if (req.method === 'PUT') {
        objects.set(path, { body, type: String(req.headers['content-type']) });
        res.writeHead(200).end();
      } else if (req.method === 'GET') {
        const o = objects.get(path);
        if (!o) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': o.type }).end(o.body);
      } else if (req.method === 'DELETE') {
        objects.delete(path);
        res.writeHead(204).end();
      } else res.writeHead(405).end();
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    endpoint = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('signs PUT/GET/DELETE path-style requests the server can verify', async () => {
    const s = new S3Storage({
      endpoint,
      bucket: 'media',
      region: 'eu-test-1',
      accessKeyId: 'AKIDTEST',
      secretAccessKey: 'test-secret',
      publicBase: 'https://cdn.example.com',
    });
    const key = newObjectKey(STORE, 'img', 'png');
    await s.put(key, PNG, 'image/png');
    const got = await s.get(key);
    expect(got?.contentType).toBe('image/png');
    expect(Buffer.from(got?.body ?? []).equals(Buffer.from(PNG))).toBe(true);
    await s.delete(key);
    expect(await s.get(key)).toBeNull();
    expect(seen.map((r) => [r.method, r.path, r.ok])).toEqual([
      ['PUT', `/media/${key}`, true],
      ['GET', `/media/${key}`, true],
      ['DELETE', `/media/${key}`, true],
      ['GET', `/media/${key}`, true],
    ]);
    expect(seen[0]).toMatchObject({ contentType: 'image/png', cacheControl: 'public, max-age=31536000, immutable' });
    expect(s.publicUrl(key)).toBe(`https://cdn.example.com/${key}`);
  });

  it('a wrong secret is refused by the server and surfaces as an error', async () => {
    const s = new S3Storage({ endpoint, bucket: 'media', region: 'eu-test-1', accessKeyId: 'AKIDTEST', secretAccessKey: 'wrong' });
    await expect(s.put(newObjectKey(STORE, 'img', 'png'), PNG, 'image/png')).rejects.toThrow(/HTTP 403/);
    expect(seen.at(-1)).toMatchObject({ ok: false, why: 'signature' });
  });
});
