/** The one redirect rule of both apps (storefront `to`/`next`, console `next`); Chromium runs it in test/e2e/open-redirect.test.ts. */
import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from '../src/safe-redirect.ts';

describe('safeRedirectPath', () => {
  it('refuses every target a browser would take off the origin', () => {
    for (const t of [
      '//evil.example',
      '/\\evil.example/x',
      '\\\\evil.example',
      '/\t/evil.example/y',
      '/\n/evil.example',
      '/\r\n/evil.example',
      ' //evil',
      'https://evil.example',
      'javascript:alert(1)',
      'evil.example',
      '/a/..//evil.example',
      '/./\\evil',
      '',
      undefined,
      42,
    ]) {
      expect(safeRedirectPath(t, '/home'), JSON.stringify(t)).toBe('/home');
    }
  });
  it('keeps same-origin paths, serialised as the browser would send them', () => {
    expect(safeRedirectPath('/account?tab=orders#top')).toBe('/account?tab=orders#top');
    expect(safeRedirectPath(['/cart', '/x'])).toBe('/cart');
    expect(safeRedirectPath('/%5Cevil.example/x')).toBe('/%5Cevil.example/x');
    expect(safeRedirectPath('/cart\r\nSet-Cookie: a=b')).toBe('/cartSet-Cookie:%20a=b');
  });
});
