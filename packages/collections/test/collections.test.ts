import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TtlCache, topK } from '../src/index.ts';

describe('topK', () => {
  const byValueThenIndex = (xs: number[]) => (a: number, b: number) => (xs[a] as number) > (xs[b] as number) || (xs[a] === xs[b] && a < b);

  it('equals the first k of a full sort, for any input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), fc.integer({ min: 0, max: 70 }), (xs, k) => {
        const before = byValueThenIndex(xs);
        const sorted = xs.map((_, i) => i).sort((a, b) => (before(a, b) ? -1 : 1));
        expect(topK(xs.length, k, before)).toEqual(sorted.slice(0, k));
      }),
    );
  });

  it('leaves out the items `keep` refuses, and still fills k from the rest', () => {
    const xs = [9, 1, 8, 2, 7, 3];
    const even = (i: number) => i % 2 === 0;
    expect(topK(xs.length, 2, byValueThenIndex(xs), even)).toEqual([0, 2]);
    expect(topK(xs.length, 10, byValueThenIndex(xs), even)).toEqual([0, 2, 4]);
    expect(topK(xs.length, 0, byValueThenIndex(xs))).toEqual([]);
    expect(topK(0, 3, byValueThenIndex([]))).toEqual([]);
  });
});

describe('TtlCache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves an entry until its time-to-live, then forgets it', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const cache = new TtlCache<string, number>(1_000);
    cache.set('a', 1);
    vi.setSystemTime(new Date('2026-01-01T00:00:00.999Z'));
    expect(cache.get('a')).toBe(1);
    vi.setSystemTime(new Date('2026-01-01T00:00:01Z'));
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops the oldest entry past its bound, and deletes by key or predicate', () => {
    const cache = new TtlCache<string, number>(60_000, 2);
    cache.set('s1:a', 1);
    cache.set('s1:b', 2);
    cache.set('s2:a', 3);
    expect(cache.get('s1:a')).toBeUndefined();
    expect(cache.get('s1:b')).toBe(2);
    cache.deleteWhere((k) => k.startsWith('s1:'));
    expect(cache.get('s1:b')).toBeUndefined();
    expect(cache.get('s2:a')).toBe(3);
    cache.delete('s2:a');
    expect(cache.get('s2:a')).toBeUndefined();
  });
});
