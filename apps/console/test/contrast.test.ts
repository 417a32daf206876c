import { describe, expect, it } from 'vitest';
import { AA_NORMAL, contrastRatio, luminance } from '../src/lib/contrast.ts';

describe('WCAG contrast', () => {
  it('gives 21:1 for black on white and 1:1 for equal colours', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
  });

  it('matches published reference ratios around the AA threshold', () => {
    // #767676 on white is the well-known lightest grey passing AA (4.54:1); #777777 fails (4.48:1).
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(AA_NORMAL);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(AA_NORMAL);
    expect(contrastRatio('#0000ff', '#ffffff')).toBeCloseTo(8.59, 2);
  });

  it('refuses what is not a hex colour', () => {
    expect(contrastRatio('red', '#fff')).toBeNull();
    expect(luminance('#12345')).toBeNull();
    expect(luminance('#FFF')).toBe(1);
  });
});
