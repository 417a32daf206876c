/**
 * The sealed confirmation link a guest is mailed: only the exact token the
 * store issued opens it. Base64url lets the last character of a token carry
 * unused bits, so one token has several spellings that decode to the same
 * bytes; a link must not be openable under a spelling the store never sent.
 */
import { openPrivacyConfirmation, sealPrivacyConfirmation } from '@storeloom/privacy';
import { describe, expect, it } from 'vitest';

const SECRET = 'privacy-links-secret-0123456789abcdef0123';
const STORE = '0190f3a4-5b6c-7d8e-9f01-23456789abcd';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A token whose bytes leave unused bits in its last character (length not a multiple of 3). */
function tokenWithSpareBits(): string {
  for (let n = 0; n < 3; n++) {
    const token = sealPrivacyConfirmation(SECRET, STORE, { kind: 'export', email: `${'a'.repeat(n)}guest@example.org` });
    if (Buffer.from(token, 'base64url').length % 3 !== 0) return token;
  }
  throw new Error('no email length gave spare bits');
}

describe('privacy confirmation tokens', () => {
  it('open only under the spelling the store issued, not another spelling of the same bytes', () => {
    const token = tokenWithSpareBits();
    expect(openPrivacyConfirmation(SECRET, STORE, token)).toMatchObject({ kind: 'export' });
    const last = ALPHABET.indexOf(token.at(-1) as string);
    // The lowest bit of the last character is never part of the bytes when the length is not a multiple of 3.
    const respelled = `${token.slice(0, -1)}${ALPHABET[last ^ 1]}`;
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(token, 'base64url'))).toBe(true);
    expect(openPrivacyConfirmation(SECRET, STORE, respelled)).toBeNull();
  });

  it('open nothing when any byte of the token is changed', () => {
    const token = sealPrivacyConfirmation(SECRET, STORE, { kind: 'erasure', email: 'guest@example.org' });
    const raw = Buffer.from(token, 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(openPrivacyConfirmation(SECRET, STORE, tampered.toString('base64url')), `byte ${i}`).toBeNull();
    }
  });
});
