import { describe, expect, it } from 'vitest';
import { sampleBeta, sampleGamma, sampleIndex } from '../src/distributions.ts';
import { createRng, fnv1a32, restoreRng } from '../src/rng.ts';

const draw = (seed: number | string, n: number) => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('rng', () => {
  it('is deterministic by seed and differs across seeds', () => {
    expect(draw('policy/1', 50)).toEqual(draw('policy/1', 50));
    expect(draw(7, 50)).toEqual(draw(7, 50));
    expect(draw('policy/1', 50)).not.toEqual(draw('policy/2', 50));
    expect(draw(1, 50)).not.toEqual(draw(2, 50));
  });

  it('returns floats in [0, 1) with a plausible mean', () => {
    const xs = draw('uniform', 20_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('restores from a JSON snapshot and continues the same sequence', () => {
    const a = createRng('snap');
    for (let i = 0; i < 10; i++) a.next();
    const snap = JSON.parse(JSON.stringify(a.getState()));
    const b = restoreRng(snap);
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(Array.from({ length: 20 }, () => a.next()));
  });

  it('rejects bad seeds and states', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => restoreRng([0, 0, 0, 0])).toThrow(RangeError);
    expect(() => restoreRng([1, 2, 3] as unknown as [number, number, number, number])).toThrow(RangeError);
  });

  it('fnv1a32 matches known vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('distributions', () => {
  const moments = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
    return { m, v };
  };

  it.each([
    [1, 1],
    [2, 5],
    [30, 10],
    [0.5, 0.5],
  ])('Beta(%d, %d) has the right mean and variance', (a, b) => {
    const rng = createRng(`beta/${a}/${b}`);
    const xs = Array.from({ length: 20_000 }, () => sampleBeta(rng, a, b));
    expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    const { m, v } = moments(xs);
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(variance / xs.length));
    expect(Math.abs(v / variance - 1)).toBeLessThan(0.06);
  });

  it.each([0.3, 1, 4.5])('Gamma(%d) has mean = variance = shape', (shape) => {
    const rng = createRng(`gamma/${shape}`);
    const xs = Array.from({ length: 20_000 }, () => sampleGamma(rng, shape));
    const { m, v } = moments(xs);
    expect(Math.abs(m - shape)).toBeLessThan(5 * Math.sqrt(shape / xs.length));
    expect(Math.abs(v / shape - 1)).toBeLessThan(0.08);
    expect(() => sampleGamma(rng, 0)).toThrow(RangeError);
  });

  it('sampleIndex follows the weights and skips zeros', () => {
    const rng = createRng('idx');
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[sampleIndex(rng, [0.2, 0, 0.6])]! += 1;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[0]! / 30_000 - 0.25)).toBeLessThan(0.015);
    expect(sampleIndex(rng, [0, 0])).toBe(-1);
  });
});
