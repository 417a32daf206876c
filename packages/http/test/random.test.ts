import { describe, expect, it } from 'vitest';
import { pooledRandomBytes, pooledRandomHex } from '../src/random.ts';

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

describe('pooledRandomHex', () => {
  it('hands out lowercase hex of the requested length, never the same characters twice, across pool refills', () => {
    const seen = new Set<string>();
    // 2,000 × 48 characters is several refills of the 16,384-character pool.
    for (let i = 0; i < 2000; i++) {
      const hex = pooledRandomHex(48);
      expect(hex).toMatch(/^[0-9a-f]{48}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(2000);
    expect(pooledRandomHex(16)).toHaveLength(16);
    expect(() => pooledRandomHex(1 << 20)).toThrow(RangeError);
  });
});
