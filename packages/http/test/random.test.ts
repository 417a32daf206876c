import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from '../src/random.ts';

describe('pooledRandomBytes', () => {
  it('hands out the requested length, never the same bytes twice, across pool refills', () => {
    const seen = new Set<string>();
    // 3,000 × 16 bytes is several refills of the 8 KiB pool.
    for (let i = 0; i < 3000; i++) {
      const hex = pooledRandomBytes(16).toString('hex');
      expect(hex).toHaveLength(32);
      seen.add(hex);
    }
    expect(seen.size).toBe(3000);
    expect(pooledRandomBytes(8)).toHaveLength(8);
    expect(() => pooledRandomBytes(1 << 20)).toThrow(RangeError);
  });
});
