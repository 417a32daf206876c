import { describe, expect, it } from 'vitest';
import { contrastRatio, DEFAULT_THEME, readTheme, themeContrastWarnings, validateThemeSettings } from '../src/index.ts';

describe('readTheme', () => {
  it('gives the defaults for nothing stored or a value that is not an object', () => {
    expect(readTheme(undefined)).toEqual(DEFAULT_THEME);
    expect(readTheme('blue')).toEqual(DEFAULT_THEME);
  });

  it('falls back key by key: one bad colour or font keeps the others', () => {
    const t = readTheme({ primaryColor: '#AA3300', accentColor: 'red', font: 'comic', textColor: '#000000', logoUrl: '/media/logo.png' });
    expect(t).toEqual({ ...DEFAULT_THEME, primaryColor: '#aa3300', textColor: '#000000', logoUrl: '/media/logo.png' });
  });
});

describe('theme settings beyond colours', () => {
  it('reads a store saved before headings had a font as its body font, and bounds every number', () => {
    expect(readTheme({ font: 'serif' }).headingFont).toBe('serif');
    expect(readTheme({ font: 'serif', headingFont: 'mono' }).headingFont).toBe('mono');
    expect(readTheme({ fontScale: 112, buttonRadius: 33, density: 'roomy', buttonStyle: 'ghost' })).toMatchObject({
      fontScale: DEFAULT_THEME.fontScale,
      buttonRadius: DEFAULT_THEME.buttonRadius,
      density: 'comfortable',
      buttonStyle: 'solid',
    });
    expect(readTheme({ fontScale: 85, buttonRadius: 0 })).toMatchObject({ fontScale: 85, buttonRadius: 0 });
  });

  it('validates a partial input with one problem per bad key', () => {
    expect(validateThemeSettings({ textColor: '#ABCDEF', density: 'compact' })).toEqual({ ok: true, settings: { textColor: '#abcdef', density: 'compact' } });
    const r = validateThemeSettings({ fontScale: '100', buttonRadius: 2.5, logoUrl: '/x.png' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(['settings.fontScale', 'settings.buttonRadius', 'settings.logoUrl']);
    expect(validateThemeSettings([]).ok).toBe(false);
  });

  it('warns per colour pair below WCAG AA, following the button style', () => {
    expect(themeContrastWarnings(DEFAULT_THEME)).toEqual([]);
    // A pale primary: white labels on it fail; as an outline (primary on white) it fails too.
    const pale = { ...DEFAULT_THEME, primaryColor: '#a5b4fc' };
    expect(themeContrastWarnings(pale).map((w) => w.pair)).toEqual(['button']);
    expect(themeContrastWarnings({ ...pale, buttonStyle: 'outline' })[0]).toMatchObject({ pair: 'button', foreground: '#a5b4fc', background: '#ffffff' });
    // Grey text on white is the text pair; a pale accent the accent pair (3:1 for stars and badges).
    expect(themeContrastWarnings({ ...DEFAULT_THEME, textColor: '#999999', accentColor: '#fde68a' }).map((w) => w.pair)).toEqual(['text', 'accent']);
    expect(contrastRatio('#000000', '#ffffff')).toBe(21);
  });
});
