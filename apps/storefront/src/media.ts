/**
 * GET /media/<name>[?w=<width>] on a storefront host: the store's own stored
 * images (the host decides the store, so one shop can never serve another's
 * files), from the same storage the console uploads to. `w` picks one of
 * MEDIA_WIDTHS; the response is AVIF or WebP when the browser's Accept allows
 * it (Vary: Accept), else the original format. Resized variants are made with
 * sharp once and kept in storage next to the original (`<base>_w<w>.<fmt>`),
 * so later requests (and other processes) read them back; concurrent requests
 * for the same variant share one resize. Files are immutable (stored names are
 * never reused) and sandboxed by their own CSP.
 *
 * Shoppers' review photos (`review-<random>.<ext>`, personal data) are served
 * only while their review is published, and cached for an hour rather than a
 * year, so hiding or deleting a review takes them off the store soon after.
 */
import { ReviewService } from '@storeloom/content';
import { isMediaKey, isReviewPhotoKey, type Storage, type StoredObject } from '@storeloom/storage';
import { Hono } from 'hono';
import type { StorefrontEnv } from './context.ts';
import { MEDIA_WIDTHS, storeMediaPath } from './ui/media.ts';

type Format = 'avif' | 'webp' | 'jpg' | 'png' | 'gif';
const CONTENT_TYPE: Record<Format, string> = { avif: 'image/avif', webp: 'image/webp', jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };

/** Larger sources are served as they are rather than decoded (a decompression bomb guard). */
const MAX_INPUT_PIXELS = 40_000_000;

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp | null> | undefined;
/** sharp is loaded on first use; if its native part is missing the route still serves originals. */
export const loadSharp = () => {
  sharpModule ??= import('sharp').then(
    (m) => {
      // One libvips thread per resize (and few resizes at once, see `slot`): the storefront shares its cores with page rendering.
      m.default.concurrency(1);
      return m.default;
    },
    () => null,
  );
  return sharpModule;
};

export interface MediaOptions {
  /** Resizes running at once in this process (the rest wait). */
  maxConcurrentResizes?: number;
}

function negotiate(accept: string, original: Format): Format {
  if (original === 'gif') return 'gif';
  if (/image\/avif/.test(accept)) return 'avif';
  if (/image\/webp/.test(accept)) return 'webp';
  return original === 'png' ? 'png' : 'jpg';
}

export function createMediaRoutes(storage: Storage | null, opts: MediaOptions = {}) {
  const app = new Hono<StorefrontEnv>();
  const inflight = new Map<string, Promise<StoredObject | null>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const limit = Math.max(1, opts.maxConcurrentResizes ?? 2);
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };

  /** The variant from storage, or made from the original (and stored) when missing; null when the original is missing. */
  const variant = (storeId: string, name: string, width: number, format: Format): Promise<StoredObject | null> => {
    const base = name.slice(0, name.lastIndexOf('.'));
    const key = `${storeId}/${base}_w${width}.${format}`;
    const pending = inflight.get(key);
    if (pending) return pending;
    const work = (async () => {
      const cached = await storage?.get(key);
      if (cached) return cached;
      const original = await storage?.get(`${storeId}/${name}`);
      if (!original) return null;
      const sharp = await loadSharp();
      if (!sharp) return original;
      const body = await slot(async () => {
        try {
          let img = sharp(original.body, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().resize({ width, withoutEnlargement: true });
          img =
            format === 'avif'
              ? img.avif({ quality: 55, effort: 2 })
              : format === 'webp'
                ? img.webp({ quality: 78 })
                : format === 'png'
                  ? img.png({ compressionLevel: 8 })
                  : img.jpeg({ quality: 80, mozjpeg: true });
          return new Uint8Array(await img.toBuffer());
        } catch {
          return null;
        }
      });
      // An image sharp cannot read is served as uploaded (the browser may still show it).
      if (!body) return original;
      await storage?.put(key, body, CONTENT_TYPE[format]);
      return { body, contentType: CONTENT_TYPE[format], size: body.length };
    })().finally(() => inflight.delete(key));
    inflight.set(key, work);
    return work;
  };

  app.get('/:name', async (c) => {
    const name = c.req.param('name');
    const storeId = c.var.store.id;
    const key = `${storeId}/${name}`;
    // A review photo by its original's name only (its resized copies are asked for with ?w=).
    const reviewPhoto = isReviewPhotoKey(key) && !/_w\d+\./.test(name);
    if (!storage || !(isMediaKey(key) || reviewPhoto)) return c.text('Not found', 404);
    if (reviewPhoto && !(await new ReviewService(c.var.tenant.t).isPublishedPhoto(key))) return c.text('Not found', 404);
    const widthParam = c.req.query('w');
    const width = widthParam === undefined ? null : Number(widthParam);
    if (width !== null && !(MEDIA_WIDTHS as readonly number[]).includes(width)) return c.text('Unsupported width', 400);
    // 3D models (model/gltf-binary, model/vnd.usdz+zip) are served as stored: no resizing.
    if (width !== null && /\.(glb|usdz)$/.test(name)) return c.text('Unsupported width', 400);
    const original = name.slice(name.lastIndexOf('.') + 1) as Format;
    let obj: StoredObject | null;
    if (width === null) obj = await storage.get(key);
    else {
      obj = await variant(storeId, name, width, negotiate(c.req.header('accept') ?? '', original));
      c.header('Vary', 'Accept');
    }
    if (!obj) return c.text('Not found', 404);
    c.header('Content-Type', obj.contentType);
    c.header('Content-Length', String(obj.size));
    c.header('Cache-Control', reviewPhoto ? 'public, max-age=3600' : 'public, max-age=31536000, immutable');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Security-Policy', "default-src 'none'; sandbox");
    return c.body(obj.body as Uint8Array<ArrayBuffer>, 200);
  });
  return app;
}

/** An image URL for Open Graph and JSON-LD: the store's own media as an absolute URL on this host. */
export function absoluteMedia(origin: string, url: string, storeId: string): string {
  const path = storeMediaPath(url, storeId);
  return path.startsWith('/') ? `${origin}${path}` : path;
}
