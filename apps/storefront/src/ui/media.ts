/**
 * Store media on the storefront's own origin. Images are stored once (local
 * disk or S3) with a URL on the console's origin, which a storefront's CSP
 * (and mixed http/https setups) may block; pages therefore point at
 * `/media/<name>` on the shop's own host, and ask for one of a few fixed widths
 * (`?w=`) so the server can cache each size once. Shared by the server (JSON-LD,
 * Open Graph) and the UI (src/srcset).
 */

/** Widths the media route renders; anything else is refused, so a URL cannot make the server resize to arbitrary sizes. */
export const MEDIA_WIDTHS = [160, 320, 480, 640, 960, 1280, 1920] as const;

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,99}\.(png|jpg|webp|gif|avif|glb|usdz)$/;
const STORED_RE = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([^/?#]+)(?:[?#].*)?$/;

/**
 * The storefront path of a stored image of this store (`/media/<name>`), or the
 * URL unchanged when it is not one of the store's stored files (an external link).
 */
export function storeMediaPath(url: string, storeId: string): string {
  if (url.startsWith('/media/')) return url;
  const m = STORED_RE.exec(url);
  if (m && m[1] === storeId && NAME_RE.test(m[2] as string)) return `/media/${m[2]}`;
  return url;
}

/** True for a path the media route serves (so it can be resized). */
export const isStoreMediaPath = (path: string) => path.startsWith('/media/') && NAME_RE.test(path.slice('/media/'.length).split('?')[0] as string);

/** `src` and `srcset` for an image: resized variants for stored media, the plain URL otherwise. */
export function responsiveImage(url: string, storeId: string, defaultWidth = 640): { src: string; srcset?: string } {
  const path = storeMediaPath(url, storeId);
  if (!isStoreMediaPath(path) || path.endsWith('.gif') || /\.(glb|usdz)$/.test(path)) return { src: path };
  return {
    src: `${path}?w=${defaultWidth}`,
    srcset: MEDIA_WIDTHS.filter((w) => w <= 1920)
      .map((w) => `${path}?w=${w} ${w}w`)
      .join(', '),
  };
}
