/**
 * Test images and a loopback image server: real (decodable) PNGs, so the
 * import's type sniffing and any image processing downstream see true files,
 * and an HTTP server on 127.0.0.1 standing in for a shop's CDN (reachable
 * only under the local test egress policy).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = (CRC_TABLE[(c ^ x) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A w×h RGB PNG: a vertical gradient from `top` to `bottom` (so different products look different in screenshots). */
export function gradientPng(w: number, h: number, top: [number, number, number], bottom: [number, number, number] = top): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const t = h > 1 ? y / (h - 1) : 0;
    const rgb = top.map((a, i) => Math.round(a + ((bottom[i] as number) - a) * t));
    const row = y * (w * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) raw.set(rgb, row + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A colour per file name (stable), for fixture images. */
export function colourFor(name: string): [number, number, number] {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) as number)) >>> 0;
  return [80 + (h % 150), 80 + ((h >>> 8) % 150), 80 + ((h >>> 16) % 150)];
}

export interface ImageServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Paths requested so far (without query). */
  hits: string[];
  close(): Promise<void>;
}

/**
 * Serves `<anything>/<name>.png` as a PNG unless `missing` says otherwise
 * (404); `/redirect/<path>` answers 302 to `/<path>`; `/html/...` serves HTML.
 */
export async function startImageServer(opts: { missing?: (path: string) => boolean } = {}): Promise<ImageServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    hits.push(path);
    if (path.startsWith('/redirect/')) {
      res.writeHead(302, { location: path.slice('/redirect'.length) }).end();
      return;
    }
    if (path.startsWith('/html/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>not an image</body></html>');
      return;
    }
    if (!path.endsWith('.png') || opts.missing?.(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const name = path.slice(path.lastIndexOf('/') + 1);
    const c = colourFor(name);
    const png = gradientPng(320, 320, c, [Math.max(0, c[0] - 60), Math.max(0, c[1] - 60), Math.max(0, c[2] - 60)]);
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) }).end(png);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A Shopify export with its CDN host pointed at the local image server. */
export function withImageOrigin(csv: string, origin: string): string {
  return csv.replaceAll('https://cdn.shopify.com', origin);
}
