import { describe, expect, it } from 'vitest';
import { fromMinorUnits, inferMinorUnitScale, toMinorUnits } from '../src/index.ts';

describe('money', () => {
  it('converts decimal prices to integer minor units without float drift', () => {
    expect([29.9, 34.9, 39.9, 44.9].map((p) => toMinorUnits(p))).toEqual([2990, 3490, 3990, 4490]);
    expect(toMinorUnits(0.1 + 0.2)).toBe(30);
    expect(toMinorUnits(-1.005, 100)).toBe(-100); // 1.005 is 1.00499999... in binary
    expect(fromMinorUnits(2990)).toBe(29.9);
    expect(() => toMinorUnits(Number.NaN)).toThrow(RangeError);
  });

  it('infers the smallest scale that keeps prices exact and distinct', () => {
    expect(inferMinorUnitScale([10, 20])).toBe(1);
    expect(inferMinorUnitScale([29.9, 34.9])).toBe(10);
    expect(inferMinorUnitScale([19.99, 5])).toBe(100);
    expect(inferMinorUnitScale([9.999, 10.001])).toBe(1000);
    expect(inferMinorUnitScale([29.9, 34.9], 6, 2)).toBe(100);
    expect(() => inferMinorUnitScale([Math.PI])).toThrow(RangeError);
  });
});
