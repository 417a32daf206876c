/**
 * The store theme's stored shape and its defaults, in one place: the console's
 * settings API (`@storeloom/stores`), the storefront's settings loader
 * (`@storeloom/commerce`) and the console's editor all read a theme through
 * `readTheme`, so what the merchant is shown is what shoppers get. Zero
 * dependencies: the console bundle imports it too.
 */

export const THEME_FONTS = ['system', 'serif', 'rounded', 'mono'] as const;
export type ThemeFont = (typeof THEME_FONTS)[number];

/** A colour as stored: `#rrggbb`, lower case (inputs are lower-cased before they are checked). */
export const HEX_COLOUR_RE = /^#[0-9a-f]{6}$/;

export const THEME_DENSITIES = ['compact', 'comfortable', 'spacious'] as const;
export type ThemeDensity = (typeof THEME_DENSITIES)[number];
export const BUTTON_STYLES = ['solid', 'outline'] as const;
export type ButtonStyle = (typeof BUTTON_STYLES)[number];
/** Type scale in percent of the browser's base size (steps of 5). */
export const FONT_SCALE = { min: 85, max: 130, step: 5 } as const;
/** Button corner radius in px; 32 reads as fully rounded ("pill") at every button height the storefront uses. */
export const BUTTON_RADIUS = { min: 0, max: 32 } as const;

export interface ThemeSettings {
  primaryColor: string;
  accentColor: string;
  backgroundColor: string;
  textColor: string;
  /** The body text's font. */
  font: ThemeFont;
  /** Headings' font (a store saved before there was one reads its body font here, so it looks as it did). */
  headingFont: ThemeFont;
  fontScale: number;
  density: ThemeDensity;
  buttonRadius: number;
  buttonStyle: ButtonStyle;
  /** Uploaded through the theme settings (draft, then published); a store media URL. */
  faviconUrl: string | null;
  /** Set by the logo upload of store settings, outside the theme's draft. */
  logoUrl: string | null;
}

/**
 * What a store looks like before the merchant picks anything. The storefront's
 * stylesheet was checked with axe against these (text on primary and accent
 * buttons stays above WCAG AA).
 */
export const DEFAULT_THEME: Readonly<ThemeSettings> = Object.freeze({
  primaryColor: '#1f2937',
  accentColor: '#d97706',
  backgroundColor: '#ffffff',
  textColor: '#111827',
  font: 'system',
  headingFont: 'system',
  fontScale: 100,
  density: 'comfortable',
  buttonRadius: 32,
  buttonStyle: 'solid',
  faviconUrl: null,
  logoUrl: null,
});

const MEDIA_URL_MAX = 2000;
const inRange = (v: unknown, min: number, max: number, step: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max && (v - min) % step === 0;

/**
 * A stored theme value, key by key: a missing or malformed key falls back to
 * its default alone, so one bad colour never resets the others.
 */
export function readTheme(raw: unknown): ThemeSettings {
  const t = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const colour = (v: unknown, fallback: string) => (typeof v === 'string' && HEX_COLOUR_RE.test(v.toLowerCase()) ? v.toLowerCase() : fallback);
  const font = THEME_FONTS.includes(t.font as ThemeFont) ? (t.font as ThemeFont) : DEFAULT_THEME.font;
  const url = (v: unknown) => (typeof v === 'string' && v.length <= MEDIA_URL_MAX ? v : null);
  return {
    primaryColor: colour(t.primaryColor, DEFAULT_THEME.primaryColor),
    accentColor: colour(t.accentColor, DEFAULT_THEME.accentColor),
    backgroundColor: colour(t.backgroundColor, DEFAULT_THEME.backgroundColor),
    textColor: colour(t.textColor, DEFAULT_THEME.textColor),
    font,
    headingFont: THEME_FONTS.includes(t.headingFont as ThemeFont) ? (t.headingFont as ThemeFont) : font,
    fontScale: inRange(t.fontScale, FONT_SCALE.min, FONT_SCALE.max, FONT_SCALE.step) ? (t.fontScale as number) : DEFAULT_THEME.fontScale,
    density: THEME_DENSITIES.includes(t.density as ThemeDensity) ? (t.density as ThemeDensity) : DEFAULT_THEME.density,
    buttonRadius: inRange(t.buttonRadius, BUTTON_RADIUS.min, BUTTON_RADIUS.max, 1) ? (t.buttonRadius as number) : DEFAULT_THEME.buttonRadius,
    buttonStyle: BUTTON_STYLES.includes(t.buttonStyle as ButtonStyle) ? (t.buttonStyle as ButtonStyle) : DEFAULT_THEME.buttonStyle,
    faviconUrl: url(t.faviconUrl),
    logoUrl: url(t.logoUrl),
  };
}

/** The theme settings the merchant drafts and publishes in the theme editor (the logo has its own upload). */
export type DraftableThemeSettings = Omit<ThemeSettings, 'logoUrl'>;
export const DRAFTABLE_THEME_KEYS = [
  'primaryColor',
  'accentColor',
  'backgroundColor',
  'textColor',
  'font',
  'headingFont',
  'fontScale',
  'density',
  'buttonRadius',
  'buttonStyle',
  'faviconUrl',
] as const satisfies readonly (keyof DraftableThemeSettings)[];

export interface ThemeSettingsProblem {
  path: string;
  message: string;
}

/**
 * Checks a partial theme-settings input (the keys given replace the draft's):
 * unknown keys and bad values are problems with paths `settings.<key>` and a
 * message a merchant can act on. Colours are lower-cased.
 */
export function validateThemeSettings(raw: unknown): { ok: true; settings: Partial<DraftableThemeSettings> } | { ok: false; problems: ThemeSettingsProblem[] } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, problems: [{ path: 'settings', message: 'must be an object' }] };
  const problems: ThemeSettingsProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(raw)) {
    const path = `settings.${key}`;
    const bad = (message: string) => problems.push({ path, message });
    switch (key) {
      case 'primaryColor':
      case 'accentColor':
      case 'backgroundColor':
      case 'textColor':
        if (typeof v === 'string' && HEX_COLOUR_RE.test(v.trim().toLowerCase())) out[key] = v.trim().toLowerCase();
        else bad('a colour as #rrggbb');
        break;
      case 'font':
      case 'headingFont':
        if (THEME_FONTS.includes(v as ThemeFont)) out[key] = v;
        else bad(`one of ${THEME_FONTS.join(', ')}`);
        break;
      case 'fontScale':
        if (inRange(v, FONT_SCALE.min, FONT_SCALE.max, FONT_SCALE.step)) out[key] = v;
        else bad(`a percentage from ${FONT_SCALE.min} to ${FONT_SCALE.max} in steps of ${FONT_SCALE.step}`);
        break;
      case 'density':
        if (THEME_DENSITIES.includes(v as ThemeDensity)) out[key] = v;
        else bad(`one of ${THEME_DENSITIES.join(', ')}`);
        break;
      case 'buttonRadius':
        if (inRange(v, BUTTON_RADIUS.min, BUTTON_RADIUS.max, 1)) out[key] = v;
        else bad(`whole pixels from ${BUTTON_RADIUS.min} to ${BUTTON_RADIUS.max}`);
        break;
      case 'buttonStyle':
        if (BUTTON_STYLES.includes(v as ButtonStyle)) out[key] = v;
        else bad(`one of ${BUTTON_STYLES.join(', ')}`);
        break;
      case 'faviconUrl':
        // Only null (remove) here: a favicon is set by uploading an image, which stores it as store media.
        if (v === null) out[key] = null;
        else bad('upload the favicon as an image; only null (remove it) is accepted here');
        break;
      default:
        bad('unknown setting');
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, settings: out as Partial<DraftableThemeSettings> };
}

/** WCAG 2.x contrast between two #rrggbb colours (1–21), or null when one is not a colour. */
export function contrastRatio(a: string, b: string): number | null {
  const la = luminance(a);
  const lb = luminance(b);
  if (la === null || lb === null) return null;
  const [hi, lo] = la > lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}

/** Relative luminance of a #rgb or #rrggbb colour. */
export function luminance(hex: string): number | null {
  let m = /^#?([0-9a-f]{6})$/i.exec(hex.trim())?.[1];
  const short = /^#?([0-9a-f]{3})$/i.exec(hex.trim())?.[1];
  if (!m && short) m = [...short].map((c) => c + c).join('');
  if (!m) return null;
  const n = Number.parseInt(m, 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG AA for normal text. */
export const AA_NORMAL = 4.5;
/** WCAG AA for large text (24 px, or 18.66 px bold) and interface parts. */
export const AA_LARGE = 3;

export interface ContrastWarning {
  /** `text` (body text on the background), `button` (button label on its fill, or an outline button on the background), `accent` (stars and badges on the background). */
  pair: 'text' | 'button' | 'accent';
  foreground: string;
  background: string;
  ratio: number;
  minimum: number;
}

/**
 * The colour pairs the storefront draws, each against WCAG AA: a warning per
 * pair below it (the merchant may still publish: it is their brand, and the
 * editor says what to fix). Ratios are rounded to two decimals.
 */
export function themeContrastWarnings(
  t: Pick<ThemeSettings, 'primaryColor' | 'accentColor' | 'backgroundColor' | 'textColor' | 'buttonStyle'>,
): ContrastWarning[] {
  const pairs: [ContrastWarning['pair'], string, string, number][] = [
    ['text', t.textColor, t.backgroundColor, AA_NORMAL],
    t.buttonStyle === 'outline' ? ['button', t.primaryColor, t.backgroundColor, AA_NORMAL] : ['button', t.backgroundColor, t.primaryColor, AA_NORMAL],
    ['accent', t.accentColor, t.backgroundColor, AA_LARGE],
  ];
  const out: ContrastWarning[] = [];
  for (const [pair, foreground, background, minimum] of pairs) {
    const ratio = contrastRatio(foreground, background);
    if (ratio !== null && ratio < minimum) out.push({ pair, foreground, background, ratio: Math.round(ratio * 100) / 100, minimum });
  }
  return out;
}
export * from './sections.ts';
