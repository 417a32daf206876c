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

export interface ThemeSettings {
  primaryColor: string;
  accentColor: string;
  backgroundColor: string;
  textColor: string;
  font: ThemeFont;
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
  logoUrl: null,
});

/**
 * A stored theme value, key by key: a missing or malformed key falls back to
 * its default alone, so one bad colour never resets the others.
 */
export function readTheme(raw: unknown): ThemeSettings {
  const t = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const colour = (v: unknown, fallback: string) => (typeof v === 'string' && HEX_COLOUR_RE.test(v.toLowerCase()) ? v.toLowerCase() : fallback);
  return {
    primaryColor: colour(t.primaryColor, DEFAULT_THEME.primaryColor),
    accentColor: colour(t.accentColor, DEFAULT_THEME.accentColor),
    backgroundColor: colour(t.backgroundColor, DEFAULT_THEME.backgroundColor),
    textColor: colour(t.textColor, DEFAULT_THEME.textColor),
    font: THEME_FONTS.includes(t.font as ThemeFont) ? (t.font as ThemeFont) : DEFAULT_THEME.font,
    logoUrl: typeof t.logoUrl === 'string' && t.logoUrl.length <= 2000 ? t.logoUrl : null,
  };
}
export * from './sections.ts';
