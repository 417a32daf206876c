/**
 * The built UI: the SSR entry renders a page's HTML, the client manifest
 * names the hashed assets, and `document` wraps both with the head (SEO tags,
 * theme variables) and the page data the browser hydrates from.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Theme } from '@storeloom/commerce';
import { DIST } from './build.ts';
import { CATALOGS } from './messages/index.ts';
import type { Lang } from './ui/i18n.ts';
import type { AppData } from './ui/types.ts';

export interface Head {
  title: string;
  description: string;
  canonical: string;
  ogType?: 'website' | 'product';
  image?: string | null;
  jsonLd?: unknown[];
  noindex?: boolean;
  /** Translations of this page (hreflang alternates). */
  alternates?: { hreflang: string; href: string }[];
  /** The page shows a 3D model: load the bundled <model-viewer> (never on other pages). */
  modelViewer?: boolean;
}

export interface Asset {
  body: Buffer;
  type: string;
  /** Precompressed copies of large assets (model-viewer), sent when the browser accepts them. */
  br?: Buffer;
  gzip?: Buffer;
}

export interface Renderer {
  render(data: AppData): string;
  /** The inline hydration bootstrap's CSP hash ('sha256-…'). */
  scriptHash: string;
  assets: Map<string, Asset>;
  /** Path of the bundled @google/model-viewer (content-hashed, served from /assets under the storefront's CSP). */
  modelViewerSrc: string;
  /** Each non-English interface catalogue as a content-hashed script under /assets (`self.__sfMessages = {…}`). */
  messagesSrc: Partial<Record<Lang, string>>;
  document(opts: { lang: string; head: Head; theme: Theme; storeName: string; data: AppData; html: string }): string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
/** JSON inside <script>: nothing in it may close the element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export const FONTS: Record<Theme['font'], string> = {
  system: "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'PingFang SC', 'Microsoft YaHei', sans-serif",
  serif: "'Iowan Old Style', 'Palatino Linotype', Georgia, 'Songti SC', 'SimSun', serif",
  rounded: "ui-rounded, 'SF Pro Rounded', 'Nunito', 'Varela Round', system-ui, 'PingFang SC', sans-serif",
  mono: "ui-monospace, 'SFMono-Regular', 'JetBrains Mono', Menlo, Consolas, monospace",
};

/** Spacing multiplier of each density (section margins, page padding). */
export const DENSITY: Record<Theme['density'], number> = { compact: 0.65, comfortable: 1, spacious: 1.4 };

/**
 * The theme as CSS custom properties on :root, inlined in the document's head after the stylesheet: the first
 * paint already has the store's colours, fonts, type scale, spacing and button shape (no flash of the defaults).
 */
export function themeStyle(theme: Theme): string {
  return `<style>:root{--primary:${theme.primaryColor};--accent:${theme.accentColor};--bg:${theme.backgroundColor};--text:${theme.textColor};--font:${FONTS[theme.font]};--heading-font:${FONTS[theme.headingFont]};--font-scale:${theme.fontScale / 100};--space:${DENSITY[theme.density]};--button-radius:${theme.buttonRadius}px}</style>`;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};

export async function loadRenderer(dist = DIST): Promise<Renderer> {
  const serverEntry = join(dist, 'server', 'entry-server.js');
  if (!existsSync(serverEntry)) throw new Error(`storefront UI is not built (${serverEntry} missing): run npm run build`);
  const mod = (await import(pathToFileURL(serverEntry).href)) as { render(d: AppData): string; hydrationScript(): string };
  const manifest = JSON.parse(readFileSync(join(dist, 'client', '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    { file: string; css?: string[]; isEntry?: boolean }
  >;
  const entry = Object.values(manifest).find((m) => m.isEntry);
  if (!entry) throw new Error('storefront manifest has no entry');
  const assets = new Map<string, Asset>();
  for (const file of [entry.file, ...(entry.css ?? [])]) {
    const ext = file.split('.').pop() ?? '';
    assets.set(`/${file}`, { body: readFileSync(join(dist, 'client', file)), type: TYPES[ext] ?? 'application/octet-stream' });
  }
  const modelViewerSrc = addModelViewer(assets);
  const messagesSrc = addMessageCatalogues(assets);
  const hydration = mod.hydrationScript();
  const inner = /<script[^>]*>([\s\S]*)<\/script>/.exec(hydration)?.[1] ?? '';
  const scriptHash = `'sha256-${createHash('sha256').update(inner).digest('base64')}'`;
  const cssLinks = (entry.css ?? []).map((c) => `<link rel="stylesheet" href="/${c}">`).join('');
  const jsTag = `<script type="module" src="/${entry.file}"></script>`;

  return {
    render: (data) => mod.render(data),
    scriptHash,
    assets,
    modelViewerSrc,
    messagesSrc,
    document({ lang, head, theme, storeName, data, html }) {
      const meta = [
        `<title>${esc(head.title)}</title>`,
        `<meta name="description" content="${esc(head.description)}">`,
        `<link rel="canonical" href="${esc(head.canonical)}">`,
        ...(head.alternates ?? []).map((a) => `<link rel="alternate" hreflang="${esc(a.hreflang)}" href="${esc(a.href)}">`),
        head.noindex ? '<meta name="robots" content="noindex">' : '',
        `<meta property="og:site_name" content="${esc(storeName)}">`,
        `<meta property="og:type" content="${head.ogType ?? 'website'}">`,
        `<meta property="og:title" content="${esc(head.title)}">`,
        `<meta property="og:description" content="${esc(head.description)}">`,
        `<meta property="og:url" content="${esc(head.canonical)}">`,
        head.image ? `<meta property="og:image" content="${esc(head.image)}">` : '',
        `<meta name="twitter:card" content="${head.image ? 'summary_large_image' : 'summary'}">`,
        `<meta name="theme-color" content="${theme.primaryColor}">`,
        ...(head.jsonLd ?? []).map((j) => `<script type="application/ld+json">${scriptJson(j)}</script>`),
      ].join('');
      // Theme values are validated #rrggbb colours, fonts from a fixed list and bounded integers (readTheme): safe to inline.
      // A page in another language than English rendered with its catalogue; the browser gets that catalogue from
      // its cacheable script (before the entry, both deferred: run in order), not inside every page's data.
      const { messages, ...shop } = data.chrome.shop;
      const messagesScript = messages ? messagesSrc[shop.lang] : undefined;
      const pageData = messagesScript ? { ...data, chrome: { ...data.chrome, shop } } : data;
      const vars = themeStyle(theme);
      const favicon = theme.faviconUrl ? `<link rel="icon" href="${esc(theme.faviconUrl)}">` : '';
      const buttons = theme.buttonStyle === 'outline' ? ' data-buttons="outline"' : '';
      return `<!doctype html><html lang="${esc(lang)}"${buttons}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${meta}${favicon}${cssLinks}${vars}${hydration}${messagesScript ? `<script defer src="${messagesScript}"></script>` : ''}${jsTag}${head.modelViewer ? `<script type="module" src="${modelViewerSrc}"></script>` : ''}</head><body><div id="app">${html}</div><script type="application/json" id="sf-data">${scriptJson(pageData)}</script></body></html>`;
    },
  };
}

/**
 * The interface catalogues other than English (the bundle's own), one classic script each that sets
 * `self.__sfMessages`, named by a hash of its content so it is cached for a year and changes name when a text does;
 * served like the bundle (`/assets`, `script-src 'self'`), precompressed. A German page refers to the German one
 * instead of carrying ~15 KB of catalogue in its page data on every request.
 */
function addMessageCatalogues(assets: Map<string, Asset>): Partial<Record<Lang, string>> {
  const out: Partial<Record<Lang, string>> = {};
  for (const [lang, messages] of Object.entries(CATALOGS) as [Lang, (typeof CATALOGS)[Lang]][]) {
    if (lang === 'en') continue;
    const body = Buffer.from(`self.__sfMessages=${scriptJson(messages)};\n`, 'utf8');
    const path = `/assets/messages-${lang.toLowerCase()}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.js`;
    assets.set(path, { body, type: TYPES.js as string, br: brotliCompressSync(body), gzip: gzipSync(body, { level: 9 }) });
    out[lang] = path;
  }
  return out;
}

/**
 * @google/model-viewer as its package ships it (one ES module with three.js
 * inside), served by Storeloom at a content-hashed /assets path so it runs under
 * the storefront's `script-src 'self'`, precompressed once (brotli and gzip).
 */
function addModelViewer(assets: Map<string, Asset>): string {
  const file = createRequire(import.meta.url).resolve('@google/model-viewer/dist/model-viewer.min.js');
  const body = readFileSync(file);
  const path = `/assets/model-viewer-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.js`;
  assets.set(path, {
    body,
    type: TYPES.js as string,
    br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gzip: gzipSync(body, { level: 9 }),
  });
  return path;
}
