/**
 * The theme's section registry (issue 20): every section type a template
 * layout may hold, with its typed settings, its block types and their limits,
 * and the checks a saved layout passes. Server-safe and dependency-free: the
 * control plane validates layouts with it, the storefront reads settings with
 * defaults through it, and the console may import it. The Solid components that
 * render each type live in the storefront (`apps/storefront/src/ui/sections.tsx`),
 * keyed by the same `type`.
 */

export const THEME_TEMPLATES = ['home', 'collection', 'product', 'page'] as const;
export type ThemeTemplate = (typeof THEME_TEMPLATES)[number];

export const SETTING_TYPES = ['text', 'textarea', 'richtext', 'image', 'color', 'select', 'range', 'checkbox', 'collection', 'product', 'url'] as const;
export type SettingType = (typeof SETTING_TYPES)[number];
export type SettingValue = string | number | boolean | null;

export interface SettingField {
  id: string;
  type: SettingType;
  label: string;
  default?: SettingValue;
  options?: { value: string; label: string }[];
  min?: number;
  max?: number;
  step?: number;
}
export interface BlockSchema {
  type: string;
  name: string;
  settings: SettingField[];
}
export interface SectionSchema {
  type: string;
  name: string;
  settings: SettingField[];
  blocks: BlockSchema[];
  maxBlocks: number;
  /** Templates the section may be placed on (all four unless listed). */
  templates: ThemeTemplate[];
}

export interface LayoutBlock {
  id: string;
  type: string;
  settings: Record<string, SettingValue>;
}
export interface LayoutSection {
  id: string;
  type: string;
  disabled?: boolean;
  settings: Record<string, SettingValue>;
  blocks: LayoutBlock[];
}
export interface Layout {
  sections: LayoutSection[];
}
export interface LayoutProblem {
  path: string;
  message: string;
}

/** Limits of one layout. */
export const MAX_SECTIONS = 25;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const HEX_RE = /^#[0-9a-f]{6}$/i;
const MAX_TEXT = 500;
const MAX_TEXTAREA = 5000;
const MAX_RICHTEXT = 50_000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A link: absolute http(s), or a path on the store (never `javascript:`, `//host` or other schemes). */
export const SAFE_LINK_RE = /^(https?:\/\/[^\s<>"']+|\/(?!\/)[^\s<>"']*)$/i;

const all: ThemeTemplate[] = [...THEME_TEMPLATES];
const text = (id: string, label: string, def = ''): SettingField => ({ id, type: 'text', label, default: def });
const image = (id: string, label: string): SettingField => ({ id, type: 'image', label, default: null });
const url = (id: string, label: string, def = ''): SettingField => ({ id, type: 'url', label, default: def });
const check = (id: string, label: string, def: boolean): SettingField => ({ id, type: 'checkbox', label, default: def });
const select = (id: string, label: string, options: [string, string][], def: string): SettingField => ({
  id,
  type: 'select',
  label,
  default: def,
  options: options.map(([value, l]) => ({ value, label: l })),
});
const range = (id: string, label: string, min: number, max: number, step: number, def: number): SettingField => ({
  id,
  type: 'range',
  label,
  min,
  max,
  step,
  default: def,
});
const colorScheme = select(
  'color_scheme',
  'Colour scheme',
  [
    ['background', 'Background'],
    ['primary', 'Primary'],
    ['accent', 'Accent'],
  ],
  'background',
);
const alignment = select(
  'alignment',
  'Alignment',
  [
    ['left', 'Left'],
    ['center', 'Centre'],
  ],
  'left',
);

/**
 * The registry. Empty text settings fall back to the storefront's translated
 * default text where a section has one (the hero's heading, for example).
 */
export const SECTION_TYPES: readonly SectionSchema[] = [
  {
    type: 'hero-banner',
    name: 'Hero banner',
    settings: [
      text('heading', 'Heading'),
      { id: 'text', type: 'textarea', label: 'Text', default: '' },
      text('button_label', 'Button label'),
      url('button_link', 'Button link', '/search'),
      image('image', 'Background image'),
      text('image_alt', 'Image description'),
      select(
        'height',
        'Height',
        [
          ['small', 'Small'],
          ['medium', 'Medium'],
          ['large', 'Large'],
        ],
        'medium',
      ),
      { ...alignment, default: 'left' },
      { ...colorScheme, default: 'primary' },
    ],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'featured-collection',
    name: 'Featured collection',
    settings: [
      text('heading', 'Heading'),
      { id: 'collection', type: 'collection', label: 'Collection', default: null },
      range('products_to_show', 'Products to show', 2, 12, 1, 4),
      check('show_view_all', 'Show "View all" link', true),
    ],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'featured-product',
    name: 'Featured product',
    settings: [{ id: 'product', type: 'product', label: 'Product', default: null }, text('button_label', 'Button label'), colorScheme],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'image-with-text',
    name: 'Image with text',
    settings: [
      image('image', 'Image'),
      text('image_alt', 'Image description'),
      text('heading', 'Heading'),
      { id: 'text', type: 'richtext', label: 'Text', default: '' },
      text('button_label', 'Button label'),
      url('button_link', 'Button link'),
      select(
        'image_position',
        'Image position',
        [
          ['left', 'Left'],
          ['right', 'Right'],
        ],
        'left',
      ),
      colorScheme,
    ],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'rich-text',
    name: 'Rich text',
    settings: [text('heading', 'Heading'), { id: 'text', type: 'richtext', label: 'Text', default: '' }, alignment, colorScheme],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'multicolumn',
    name: 'Multicolumn',
    settings: [text('heading', 'Heading'), range('columns', 'Columns on desktop', 1, 4, 1, 3), colorScheme],
    blocks: [
      {
        type: 'column',
        name: 'Column',
        settings: [
          image('image', 'Image'),
          text('image_alt', 'Image description'),
          text('title', 'Title'),
          { id: 'text', type: 'richtext', label: 'Text', default: '' },
          url('link', 'Link'),
        ],
      },
    ],
    maxBlocks: 12,
    templates: all,
  },
  {
    type: 'testimonials',
    name: 'Testimonials',
    settings: [text('heading', 'Heading'), colorScheme],
    blocks: [
      {
        type: 'testimonial',
        name: 'Testimonial',
        settings: [{ id: 'quote', type: 'textarea', label: 'Quote', default: '' }, text('author', 'Author'), range('rating', 'Stars (0 = none)', 0, 5, 1, 5)],
      },
    ],
    maxBlocks: 12,
    templates: all,
  },
  {
    type: 'newsletter',
    name: 'Newsletter sign-up',
    settings: [text('heading', 'Heading'), { id: 'text', type: 'textarea', label: 'Text', default: '' }, colorScheme],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'recommendations',
    name: 'Recommendations',
    settings: [
      text('heading', 'Heading'),
      select(
        'source',
        'Products',
        [
          ['newest', 'Newest and popular (home)'],
          ['related', 'Related to this product (product pages)'],
        ],
        'newest',
      ),
      range('products_to_show', 'Products to show', 2, 12, 1, 8),
    ],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'faq',
    name: 'FAQ / collapsible content',
    settings: [text('heading', 'Heading'), check('open_first', 'Open the first item', false)],
    blocks: [
      { type: 'question', name: 'Question', settings: [text('question', 'Question'), { id: 'answer', type: 'richtext', label: 'Answer', default: '' }] },
    ],
    maxBlocks: 30,
    templates: all,
  },
  {
    type: 'video',
    name: 'Video',
    settings: [
      text('heading', 'Heading'),
      url('video_url', 'Video (YouTube, Vimeo or an uploaded .mp4/.webm)'),
      text('description', 'Video description (its accessible name)'),
      image('poster', 'Cover image (uploaded videos)'),
    ],
    blocks: [],
    maxBlocks: 0,
    templates: all,
  },
  {
    type: 'logo-list',
    name: 'Logo list',
    settings: [text('heading', 'Heading')],
    blocks: [{ type: 'logo', name: 'Logo', settings: [image('image', 'Logo'), text('alt', 'Name'), url('link', 'Link')] }],
    maxBlocks: 24,
    templates: all,
  },
  {
    type: 'main',
    name: 'Page content',
    settings: [],
    blocks: [],
    maxBlocks: 0,
    templates: ['collection', 'product', 'page'],
  },
];

export const SECTIONS_BY_TYPE: ReadonlyMap<string, SectionSchema> = new Map(SECTION_TYPES.map((s) => [s.type, s]));

/** A video URL the storefront can show: a YouTube or Vimeo page/embed link, or an .mp4/.webm file (uploaded media). */
export type VideoSource = { kind: 'youtube'; id: string } | { kind: 'vimeo'; id: string } | { kind: 'file'; url: string };
export function parseVideoUrl(raw: string): VideoSource | null {
  const s = raw.trim();
  if (!s) return null;
  let u: URL;
  try {
    u = new URL(s, 'https://store.invalid');
  } catch {
    return null;
  }
  const host = u.hostname.toLowerCase();
  if (/^(www\.|m\.)?youtube(-nocookie)?\.com$/.test(host)) {
    const id = u.pathname === '/watch' ? u.searchParams.get('v') : /^\/(embed|shorts|live)\/([^/]+)/.exec(u.pathname)?.[2];
    return id && /^[A-Za-z0-9_-]{6,20}$/.test(id) ? { kind: 'youtube', id } : null;
  }
  if (host === 'youtu.be') {
    const id = u.pathname.slice(1);
    return /^[A-Za-z0-9_-]{6,20}$/.test(id) ? { kind: 'youtube', id } : null;
  }
  if (host === 'vimeo.com' || host === 'www.vimeo.com' || host === 'player.vimeo.com') {
    const id = /\/(?:video\/)?(\d{4,12})(?:\/|$)/.exec(u.pathname)?.[1];
    return id ? { kind: 'vimeo', id } : null;
  }
  if (!SAFE_LINK_RE.test(s) || !/\.(mp4|webm)$/i.test(u.pathname)) return null;
  return { kind: 'file', url: s };
}

function checkValue(f: SettingField, v: unknown): string | null {
  if (v === null) return f.type === 'select' || f.type === 'range' || f.type === 'checkbox' ? `must be a ${f.type === 'checkbox' ? 'boolean' : 'value'}` : null;
  switch (f.type) {
    case 'text':
    case 'textarea':
    case 'richtext': {
      if (typeof v !== 'string') return 'must be a string';
      const max = f.type === 'text' ? MAX_TEXT : f.type === 'textarea' ? MAX_TEXTAREA : MAX_RICHTEXT;
      return v.length > max ? `at most ${max} characters` : null;
    }
    case 'image':
    case 'url':
      if (typeof v !== 'string') return 'must be a string';
      if (v === '') return null;
      if (v.length > 2000) return 'at most 2000 characters';
      return SAFE_LINK_RE.test(v) ? null : 'an http(s) URL or a path on the store starting with /';
    case 'color':
      if (typeof v !== 'string') return 'must be a string';
      return v === '' || HEX_RE.test(v) ? null : 'a colour as #rrggbb';
    case 'select':
      return typeof v === 'string' && f.options?.some((o) => o.value === v) ? null : `one of ${(f.options ?? []).map((o) => o.value).join(', ')}`;
    case 'range': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
      if (f.min !== undefined && v < f.min) return `at least ${f.min}`;
      if (f.max !== undefined && v > f.max) return `at most ${f.max}`;
      const step = f.step ?? 1;
      const base = f.min ?? 0;
      return Math.abs((v - base) / step - Math.round((v - base) / step)) < 1e-9 ? null : `a multiple of ${step}`;
    }
    case 'checkbox':
      return typeof v === 'boolean' ? null : 'must be a boolean';
    case 'collection':
    case 'product':
      return typeof v === 'string' && UUID_RE.test(v) ? null : `a ${f.type} id`;
  }
}

function checkSettings(fields: SettingField[], raw: unknown, path: string, out: LayoutProblem[]): Record<string, SettingValue> {
  const settings: Record<string, SettingValue> = {};
  if (raw === undefined) return settings;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    out.push({ path, message: 'must be an object' });
    return settings;
  }
  for (const [key, value] of Object.entries(raw)) {
    const f = fields.find((x) => x.id === key);
    if (!f) {
      out.push({ path: `${path}.${key}`, message: 'unknown setting' });
      continue;
    }
    const problem = checkValue(f, value);
    if (problem) out.push({ path: `${path}.${key}`, message: problem });
    else settings[key] = value as SettingValue;
  }
  return settings;
}

/**
 * Checks a layout for a template: section types known and allowed there, ids
 * unique, settings known and well typed, block types and counts within the
 * section's limits; `main` (the page's own content) exactly once on the
 * collection, product and page templates. Returns the normalised layout
 * (known keys only, `disabled` only when true) or the problems, each with a
 * JSON path such as `sections[2].blocks[0].settings.title`.
 */
export function validateLayout(template: ThemeTemplate, raw: unknown): { ok: true; layout: Layout } | { ok: false; problems: LayoutProblem[] } {
  const problems: LayoutProblem[] = [];
  const input = raw && typeof raw === 'object' ? (raw as { sections?: unknown }) : {};
  if (!Array.isArray(input.sections)) return { ok: false, problems: [{ path: 'sections', message: 'must be an array' }] };
  if (input.sections.length > MAX_SECTIONS) problems.push({ path: 'sections', message: `at most ${MAX_SECTIONS} sections` });
  const sections: LayoutSection[] = [];
  const sectionIds = new Set<string>();
  let mains = 0;
  for (const [i, rawSection] of input.sections.slice(0, MAX_SECTIONS).entries()) {
    const path = `sections[${i}]`;
    const s = rawSection && typeof rawSection === 'object' ? (rawSection as Record<string, unknown>) : null;
    if (!s) {
      problems.push({ path, message: 'must be an object' });
      continue;
    }
    const id = s.id;
    if (typeof id !== 'string' || !ID_RE.test(id)) problems.push({ path: `${path}.id`, message: 'letters, digits, - and _ (1–64)' });
    else if (sectionIds.has(id)) problems.push({ path: `${path}.id`, message: `duplicate section id ${id}` });
    else sectionIds.add(id);
    const schema = typeof s.type === 'string' ? SECTIONS_BY_TYPE.get(s.type) : undefined;
    if (!schema) {
      problems.push({ path: `${path}.type`, message: `unknown section type ${JSON.stringify(s.type)}` });
      continue;
    }
    if (!schema.templates.includes(template)) {
      problems.push({ path: `${path}.type`, message: `${schema.type} cannot be placed on the ${template} template` });
      continue;
    }
    if (schema.type === 'main') mains++;
    if (s.disabled !== undefined && typeof s.disabled !== 'boolean') problems.push({ path: `${path}.disabled`, message: 'must be a boolean' });
    const settings = checkSettings(schema.settings, s.settings, `${path}.settings`, problems);
    const blocks: LayoutBlock[] = [];
    if (s.blocks !== undefined && !Array.isArray(s.blocks)) problems.push({ path: `${path}.blocks`, message: 'must be an array' });
    const rawBlocks = Array.isArray(s.blocks) ? s.blocks : [];
    if (rawBlocks.length > schema.maxBlocks)
      problems.push({ path: `${path}.blocks`, message: schema.maxBlocks === 0 ? `${schema.type} has no blocks` : `at most ${schema.maxBlocks} blocks` });
    const blockIds = new Set<string>();
    for (const [j, rawBlock] of rawBlocks.slice(0, schema.maxBlocks).entries()) {
      const bpath = `${path}.blocks[${j}]`;
      const b = rawBlock && typeof rawBlock === 'object' ? (rawBlock as Record<string, unknown>) : null;
      if (!b) {
        problems.push({ path: bpath, message: 'must be an object' });
        continue;
      }
      if (typeof b.id !== 'string' || !ID_RE.test(b.id)) problems.push({ path: `${bpath}.id`, message: 'letters, digits, - and _ (1–64)' });
      else if (blockIds.has(b.id)) problems.push({ path: `${bpath}.id`, message: `duplicate block id ${b.id}` });
      else blockIds.add(b.id);
      const bschema = schema.blocks.find((x) => x.type === b.type);
      if (!bschema) {
        problems.push({ path: `${bpath}.type`, message: `unknown block type ${JSON.stringify(b.type)} in ${schema.type}` });
        continue;
      }
      blocks.push({ id: String(b.id), type: bschema.type, settings: checkSettings(bschema.settings, b.settings, `${bpath}.settings`, problems) });
    }
    if (schema.type === 'video' && typeof settings.video_url === 'string' && settings.video_url !== '' && !parseVideoUrl(settings.video_url))
      problems.push({ path: `${path}.settings.video_url`, message: 'a YouTube or Vimeo link, or an .mp4/.webm file' });
    sections.push({ id: String(id), type: schema.type, ...(s.disabled === true ? { disabled: true } : {}), settings, blocks });
  }
  if (template !== 'home' && mains !== 1 && problems.length === 0)
    problems.push({ path: 'sections', message: `the ${template} template holds its page content (a main section) exactly once` });
  return problems.length ? { ok: false, problems } : { ok: true, layout: { sections } };
}

/** A section's or block's settings with the registry's defaults filled in (unknown keys dropped). */
export function settingsWithDefaults(fields: SettingField[], stored: Record<string, SettingValue> | undefined): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const f of fields) {
    const v = stored?.[f.id];
    out[f.id] = v !== undefined && checkValue(f, v) === null ? v : (f.default ?? null);
  }
  return out;
}

/** Every richtext setting of a layout, rewritten by `clean` (the sanitiser, on write and before rendering). */
export function mapRichText(layout: Layout, clean: (html: string) => string): Layout {
  const map = (fields: SettingField[] | undefined, settings: Record<string, SettingValue>) => {
    const next = { ...settings };
    for (const f of fields ?? []) if (f.type === 'richtext' && typeof next[f.id] === 'string') next[f.id] = clean(next[f.id] as string);
    return next;
  };
  return {
    sections: layout.sections.map((s) => {
      const schema = SECTIONS_BY_TYPE.get(s.type);
      return {
        ...s,
        settings: map(schema?.settings, s.settings),
        blocks: s.blocks.map((b) => ({ ...b, settings: map(schema?.blocks.find((x) => x.type === b.type)?.settings, b.settings) })),
      };
    }),
  };
}

/**
 * The layout of a template the merchant has not saved: the home page as it was
 * before sections (hero, the first two collections, new arrivals), and the
 * page's own content alone on the other templates.
 */
export function defaultLayout(template: ThemeTemplate, opts: { collectionIds?: string[] } = {}): Layout {
  if (template !== 'home') return { sections: [{ id: 'main', type: 'main', settings: {}, blocks: [] }] };
  return {
    sections: [
      { id: 'hero', type: 'hero-banner', settings: {}, blocks: [] },
      ...(opts.collectionIds ?? []).slice(0, 2).map((collection, i) => ({
        id: `featured-collection-${i + 1}`,
        type: 'featured-collection',
        settings: { collection },
        blocks: [],
      })),
      { id: 'new-arrivals', type: 'recommendations', settings: {}, blocks: [] },
    ],
  };
}
