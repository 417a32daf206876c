import { describe, expect, it } from 'vitest';
import { DEFAULT_THEME, readTheme } from '../src/index.ts';

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
