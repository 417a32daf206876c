/**
 * Copies the images a product CSV names into the store's own storage, so a
 * store never depends on the shop it was exported from. Every request goes
 * through the guarded egress (public addresses only unless the deployment's
 * development switches say otherwise, checked at connect time; capped body;
 * timeout); redirects are followed a few hops, each hop checked again, so a
 * public URL cannot bounce the worker to a private address. The bytes must be
 * an image by their magic bytes (never trusted from the name or header).
 */
import type { FetchedImage, ImageFetcher } from '@storeloom/catalog';
import { type EgressPolicy, guardedGet, type Resolver, STRICT_EGRESS } from '@storeloom/planning';
import { newObjectKey, type Storage, sniffImageType } from '@storeloom/storage';

export interface ImageImportConfig {
  storage: Storage;
  storeId: string;
  policy?: EgressPolicy;
  resolver?: Resolver;
  /** Largest image accepted (the upload limit). */
  maxBytes: number;
  timeoutMs?: number;
}

const MAX_REDIRECTS = 3;

export function imageFetcher(cfg: ImageImportConfig): ImageFetcher {
  const policy = cfg.policy ?? STRICT_EGRESS;
  return async (sourceUrl: string): Promise<FetchedImage> => {
    let url = sourceUrl;
    for (let hop = 0; ; hop++) {
      const res = await guardedGet(url, {
        policy,
        ...(cfg.resolver ? { resolver: cfg.resolver } : {}),
        headers: { accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1', 'user-agent': 'Storeloom-Import/1' },
        timeoutMs: cfg.timeoutMs ?? 15_000,
        // One byte over the cap tells "too large" from "exactly the cap".
        maxResponseBytes: cfg.maxBytes + 1,
      });
      if (res.status >= 300 && res.status < 400) {
        const location = typeof res.headers.location === 'string' ? res.headers.location : '';
        if (!location) throw new Error(`HTTP ${res.status} without a Location`);
        if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
        url = new URL(location, url).toString();
        continue;
      }
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      if (res.truncated || res.body.length > cfg.maxBytes) throw new Error(`larger than ${Math.floor(cfg.maxBytes / (1024 * 1024))} MB`);
      const declared = String(res.headers['content-type'] ?? '').toLowerCase();
      if (declared && !declared.startsWith('image/') && !declared.startsWith('application/octet-stream'))
        throw new Error(`not an image (${declared.split(';')[0]})`);
      const type = sniffImageType(res.body);
      if (!type) throw new Error('not a PNG, JPEG, WebP, GIF or AVIF image');
      const key = newObjectKey(cfg.storeId, 'img', type.ext);
      await cfg.storage.put(key, new Uint8Array(res.body), type.contentType);
      return { url: cfg.storage.publicUrl(key), storageKey: key };
    }
  };
}
