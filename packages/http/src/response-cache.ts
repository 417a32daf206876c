/**
 * An in-process cache of whole responses (issue 23), bounded by bytes (least recently used first out), not by count.
 * Each entry carries the version of the data it was built from; a lookup names the version the caller just read and
 * an entry of another version is a miss (and is dropped). What goes into the key is the caller's business: it must
 * name everything the response depends on (store, route, query, what the principal may see).
 */
import { createHash } from 'node:crypto';

export interface CachedResponse {
  version: string;
  etag: string;
  body: string;
  contentType: string;
}

export interface ResponseCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

/** Rough per-entry overhead beside the key and body (map slot, object, strings' headers). */
const ENTRY_OVERHEAD = 200;

export class ResponseCache {
  private readonly map = new Map<string, CachedResponse & { bytes: number }>();
  /** The key of the map's last entry (the most recently used), when known. */
  private newest: string | undefined;
  private used = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  /** `maxBytes`: total budget; one entry may take at most an eighth of it (a huge page is not worth evicting many). */
  constructor(readonly maxBytes: number) {}

  get(key: string, version: string): CachedResponse | undefined {
    const e = this.map.get(key);
    if (!e || e.version !== version) {
      if (e) this.remove(key, e);
      this.misses++;
      return undefined;
    }
    // Most recently used last: Map keeps insertion order. A hit on the entry already last (the same page read again
    // and again) need not move it.
    if (key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, e);
      this.newest = key;
    }
    this.hits++;
    return e;
  }

  set(key: string, entry: CachedResponse): void {
    const bytes = ENTRY_OVERHEAD + 2 * (key.length + entry.body.length + entry.etag.length + entry.version.length);
    const old = this.map.get(key);
    if (old) this.remove(key, old);
    if (bytes > this.maxBytes / 8) return;
    this.map.set(key, { ...entry, bytes });
    this.newest = key;
    this.used += bytes;
    while (this.used > this.maxBytes) {
      const oldest = this.map.entries().next();
      if (oldest.done) break;
      this.remove(oldest.value[0], oldest.value[1]);
      this.evictions++;
    }
  }

  /** Drops every entry whose key starts with `prefix` (e.g. a deleted store's). */
  deletePrefix(prefix: string): void {
    for (const [k, e] of this.map) if (k.startsWith(prefix)) this.remove(k, e);
  }

  clear(): void {
    this.map.clear();
    this.newest = undefined;
    this.used = 0;
  }

  stats(): ResponseCacheStats {
    return { entries: this.map.size, bytes: this.used, maxBytes: this.maxBytes, hits: this.hits, misses: this.misses, evictions: this.evictions };
  }

  private remove(key: string, e: { bytes: number }) {
    if (key === this.newest) this.newest = undefined;
    this.map.delete(key);
    this.used -= e.bytes;
  }
}

/** A strong ETag for a body built under `version`. */
export function etagOf(version: string, body: string): string {
  return `"${version}-${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
}

/** True when an If-None-Match header names `etag` (or `*`); weak comparison, as RFC 9110 asks for GET. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  for (const part of header.split(',')) {
    const t = part.trim();
    if (t === '*' || t.replace(/^W\//, '') === bare) return true;
  }
  return false;
}
