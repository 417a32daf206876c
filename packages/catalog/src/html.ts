/**
 * The one set of rules for merchant-written HTML (product descriptions, and
 * later pages): an allow-list of tags and attributes enforced by sanitize-html.
 * Everything outside it is dropped (its text kept, except inside script/style),
 * links get rel="noopener noreferrer", and only http(s)/mailto/tel links and
 * http(s) or same-origin images survive, so no script, style, event handler or
 * `javascript:` URL reaches a storefront. The catalogue applies it on every write
 * (API, CSV import and the console editor all pass through ProductService) and
 * the storefront applies it again when rendering, so rows written before these
 * rules are safe too.
 */
import sanitizeHtml from 'sanitize-html';

/** Tags a description may use; exported so editors offer exactly these. */
export const RICH_TEXT_TAGS = [
  'p',
  'br',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'sub',
  'sup',
  'small',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'img',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'code',
  'pre',
] as const;

/** Attributes per tag (nothing else: no class, style, id or on* handlers). */
export const RICH_TEXT_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'target', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  th: ['colspan', 'rowspan', 'scope'],
  td: ['colspan', 'rowspan'],
  ol: ['start'],
};

/** Absolute http(s)/mailto/tel links, or relative ones (no scheme before the first slash). */
const SAFE_HREF_RE = /^(https?:|mailto:|tel:|[^:]+$|[^:]*[/?#])/i;

/** Browsers ignore spaces and control characters inside a scheme (`jav\tascript:`); so does the check. */
const withoutBlanks = (s: string) => [...s].filter((ch) => ch.charCodeAt(0) > 32).join('');

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...RICH_TEXT_TAGS],
  allowedAttributes: RICH_TEXT_ATTRIBUTES,
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  // Content of these is never text a shopper should see.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'iframe', 'object', 'template'],
  transformTags: {
    // The product title is the page's h1; a description's h1 becomes a section heading.
    h1: 'h2',
    a: (tagName, attribs) => {
      // A link without a usable destination (none, or a scheme outside the list) keeps only its text.
      if (!SAFE_HREF_RE.test(withoutBlanks(attribs.href ?? ''))) return { tagName: 'span', attribs: {} };
      const out: Record<string, string> = { ...attribs, rel: 'noopener noreferrer' };
      if (out.target !== undefined && out.target !== '_blank') delete out.target;
      return { tagName, attribs: out };
    },
    img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, loading: 'lazy' } }),
  },
};
// `loading` is added by the transform above; allow it on output.
(OPTIONS.allowedAttributes as Record<string, string[]>).img?.push('loading');

const MARKUP_RE = /<\/?[a-zA-Z!?]|&[a-zA-Z#][a-zA-Z0-9]*;/;

/** True when the text holds markup (tags or entities) rather than plain text. */
export function looksLikeHtml(text: string): boolean {
  return MARKUP_RE.test(text);
}

/** Sanitised HTML under the allow-list. */
export function sanitizeRichText(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}

/**
 * What the catalogue stores for a description: markup is sanitised, plain
 * text is kept as written (the storefront turns its line breaks into paragraphs).
 */
export function cleanDescription(input: string): string {
  return looksLikeHtml(input) ? sanitizeRichText(input) : input;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** A description as safe HTML for a page: markup sanitised, plain text escaped with paragraphs and line breaks. */
export function descriptionToHtml(description: string): string {
  if (!description.trim()) return '';
  if (looksLikeHtml(description)) return sanitizeRichText(description);
  return description
    .trim()
    .split(/\n\s*\n/)
    .map((para) => `<p>${escapeHtml(para.trim()).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** A description as one line of plain text (meta description, JSON-LD, search snippets). */
export function descriptionToText(description: string): string {
  if (!looksLikeHtml(description)) return description.replace(/\s+/g, ' ').trim();
  const text = sanitizeHtml(description.replace(/<\/(p|h[1-6]|li|div|tr)>|<br\s*\/?>/gi, ' $&'), {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: OPTIONS.nonTextTags ?? [],
  });
  return text
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, ' ')
    .trim();
}
