import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateToken, sha256Hex } from '../src/crypto.ts';

describe('sha256Hex', () => {
  // Stored session ids and API token hashes were written with createHash: the one-shot hash must give the same digest.
  it('is the digest createHash gives for the same string (UTF-8)', () => {
    const samples = ['', 'a', generateToken(), `slk_${generateToken()}`, 'Zoë 🧵 naïve', 'x'.repeat(10_000), randomBytes(64).toString('latin1')];
    for (const s of samples) expect(sha256Hex(s)).toBe(createHash('sha256').update(s).digest('hex'));
  });
});
