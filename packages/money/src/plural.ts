/**
 * Plural messages for the console and storefront catalogues, in ICU's plural syntax:
 *   '{count, plural, one {# variant} other {# variants}}'
 * The branch is chosen by an exact match (`=0 {…}`) first, then by Intl.PluralRules for the locale (French says
 * "0 résultat" and "1 000 000 de résultats", Japanese has only `other`); `#` becomes the number formatted for the
 * locale. Other `{name}` placeholders inside a branch are left for the catalogue's own interpolation.
 * It lives here with the store languages because the console and the storefront's browser bundle both import this
 * zero-dependency package.
 */

export interface PluralBlock {
  /** The placeholder holding the count. */
  name: string;
  /** Selectors in the order written: CLDR categories (`one`, `other`, …) and exact matches (`=0`). */
  selectors: string[];
  branches: Record<string, string>;
  start: number;
  end: number;
}

const BLOCK_START = /\{\s*(\w+)\s*,\s*plural\s*,/g;

/** The plural blocks of a message, or an error naming what is malformed. */
export function pluralBlocks(template: string): PluralBlock[] {
  const blocks: PluralBlock[] = [];
  BLOCK_START.lastIndex = 0;
  for (let m = BLOCK_START.exec(template); m; m = BLOCK_START.exec(template)) {
    const name = m[1] as string;
    let i = m.index + m[0].length;
    const selectors: string[] = [];
    const branches: Record<string, string> = {};
    for (;;) {
      while (/\s/.test(template[i] ?? '')) i++;
      if (template[i] === '}') break;
      const sel = /^(=\d+|[a-z]+)\s*\{/.exec(template.slice(i));
      if (!sel) throw new Error(`malformed plural block for {${name}} at ${i}: ${template}`);
      const selector = sel[1] as string;
      let depth = 1;
      let j = i + sel[0].length;
      const bodyStart = j;
      for (; j < template.length && depth > 0; j++) {
        if (template[j] === '{') depth++;
        else if (template[j] === '}') depth--;
      }
      if (depth !== 0) throw new Error(`unclosed plural branch '${selector}' for {${name}}: ${template}`);
      selectors.push(selector);
      branches[selector] = template.slice(bodyStart, j - 1);
      i = j;
    }
    if (!('other' in branches)) throw new Error(`plural block for {${name}} has no 'other' branch: ${template}`);
    blocks.push({ name, selectors, branches, start: m.index, end: i + 1 });
    BLOCK_START.lastIndex = i + 1;
  }
  return blocks;
}

const rulesCache = new Map<string, Intl.PluralRules>();
const numberCache = new Map<string, Intl.NumberFormat>();

function pluralRules(locale: string) {
  let r = rulesCache.get(locale);
  if (!r) {
    r = new Intl.PluralRules(locale);
    rulesCache.set(locale, r);
  }
  return r;
}

function numberFormat(locale: string) {
  let f = numberCache.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale);
    numberCache.set(locale, f);
  }
  return f;
}

/**
 * Replaces each plural block of `template` by the branch for its count in `locale`. A count that is not a finite
 * number (a missing parameter) takes the `other` branch with the placeholder kept, so a mistake stays visible.
 */
export function formatPlurals(locale: string, template: string, params: Record<string, string | number>): string {
  if (!template.includes('plural')) return template;
  const blocks = pluralBlocks(template);
  if (blocks.length === 0) return template;
  let out = '';
  let at = 0;
  for (const b of blocks) {
    const raw = params[b.name];
    const count = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    let body: string;
    if (!Number.isFinite(count)) body = (b.branches.other as string).replaceAll('#', `{${b.name}}`);
    else {
      const exact = b.branches[`=${count}`];
      const category = pluralRules(locale).select(count);
      body = (exact ?? b.branches[category] ?? b.branches.other ?? '').replaceAll('#', numberFormat(locale).format(count));
    }
    out += template.slice(at, b.start) + body;
    at = b.end;
  }
  return out + template.slice(at);
}

/**
 * The plural categories a whole-number count can take in `locale` (probed over 0…1000 and a million): what a
 * catalogue's plural blocks must cover.
 */
export function integerPluralCategories(locale: string): string[] {
  const rules = pluralRules(locale);
  const seen = new Set<string>();
  for (let n = 0; n <= 1000; n++) seen.add(rules.select(n));
  for (const n of [1_000_000, 2_000_000, 1_000_001]) seen.add(rules.select(n));
  return [...seen].sort();
}

/**
 * The placeholder names a message uses, each once and sorted: plural counts and the `{name}`s in any branch (so
 * English "one"/"other" and Japanese "other" alone compare equal).
 */
export function messagePlaceholders(template: string): string[] {
  const names = new Set<string>(pluralBlocks(template).map((b) => b.name));
  for (const m of template.matchAll(/\{(\w+)\}/g)) names.add(m[1] as string);
  return [...names].sort();
}
