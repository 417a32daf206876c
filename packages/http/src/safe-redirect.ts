/**
 * The one check every redirect target taken from a request goes through (storefront `?to=` / `next`, console
 * `?next=`). No imports: the console bundles it for the browser.
 *
 * A target is kept only when the browser would land on the same origin. The test is done on what the browser
 * will actually follow, not on the raw string: the WHATWG URL parser (the same one Chromium runs on a Location
 * header) drops tabs/CR/LF, reads `\` as `/`, and resolves dot segments, so `/\evil.example`, `/<TAB>/evil.example`
 * and `/x/..//evil.example` all become `//evil.example`. The returned path is the parser's serialisation (control
 * characters percent-encoded), so it is always a valid header value.
 */
const SENTINEL = 'http://same-origin.invalid';

export function safeRedirectPath(target: unknown, fallback = '/'): string {
  const raw = Array.isArray(target) ? target[0] : target;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return fallback;
  // What the URL parser strips before it reads the string: leading/trailing C0 controls and spaces, then every tab and newline.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const cleaned = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  // Only absolute paths: not `//host`, not `/\host` (a backslash is a slash for http URLs), not `https:…`, not relative `evil`.
  if (!/^\/(?![/\\])/.test(cleaned)) return fallback;
  let url: URL;
  try {
    url = new URL(cleaned, SENTINEL);
  } catch {
    return fallback;
  }
  if (url.origin !== SENTINEL) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can still produce `//host` after resolution (`/a/..//evil.example`): that string is protocol-relative.
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return fallback;
  return path;
}
