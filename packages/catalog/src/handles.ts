/** URL handles: lower-case ASCII words joined by single hyphens. */
export function slugify(input: string, fallback = 'product'): string {
  const s = input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 90)
    .replace(/-+$/g, '');
  return s || fallback;
}

export const HANDLE_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Picks `base`, or `base-2`, `base-3`… the first not in `taken`. */
export function nextFreeHandle(base: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  if (!set.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!set.has(candidate)) return candidate;
  }
}

/**
 * Product handles: lower-case words of any script joined by single hyphens.
 * Shopify generates non-ASCII handles for titles in Japanese, Chinese,
 * Cyrillic… (`抹茶-セット`), so they are accepted as they are; the database's
 * products_handle_check backs this up (no whitespace, ASCII capitals, control
 * characters or URL delimiters).
 */
export const PRODUCT_HANDLE_RE = /^[\p{Ll}\p{Lm}\p{Lo}\p{Nd}\p{Nl}\p{No}\p{Mn}\p{Mc}]+(-[\p{Ll}\p{Lm}\p{Lo}\p{Nd}\p{Nl}\p{No}\p{Mn}\p{Mc}]+)*$/u;
export const MAX_HANDLE_LENGTH = 255;

export function isProductHandle(handle: string): boolean {
  return handle.length <= MAX_HANDLE_LENGTH && PRODUCT_HANDLE_RE.test(handle);
}

/**
 * The canonical form of a handle a file or a URL carries: percent-decoded when
 * it is percent-encoded (some tools export the URL form), Unicode NFC (a
 * browser and a spreadsheet may compose kana with dakuten differently), trimmed
 * and lower-cased.
 */
export function normaliseHandle(raw: string): string {
  let s = raw.trim();
  if (/%[0-9a-f]{2}/i.test(s)) {
    try {
      s = decodeURIComponent(s);
    } catch {
      // Not valid percent-encoding: keep the text as it is (validation reports it).
    }
  }
  return s.normalize('NFC').toLowerCase();
}

/** A handle from a title in any script (Shopify's rule): words of letters and digits joined by hyphens. */
export function unicodeSlugify(input: string): string {
  // Accents on Latin letters go (Café -> cafe, as Shopify does); other scripts stay as they are.
  return input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 90)
    .replace(/-+$/g, '');
}
