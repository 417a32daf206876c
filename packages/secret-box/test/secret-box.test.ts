/**
 * The platform's one secret box: sealing bound to a purpose and a key id,
 * rotation (previous keys open, values under them are stale), the two older
 * formats it replaced (sealed exactly as the old code did) and the env aliases.
 */
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_SECRETS_KEY, keyId, SecretBox, secretKeysFromEnv } from '../src/index.ts';
import { sealAuthV1, sealWebhookV1 } from './legacy.ts';

const A = 'a'.repeat(20) + 'first-key-0123456789';
const B = 'b'.repeat(20) + 'second-key-012345678';
const C = 'c'.repeat(20) + 'third-key-0123456789';

describe('SecretBox', () => {
  it('seals under the current key with its id and the purpose bound in', () => {
    const box = new SecretBox(A);
    const sealed = box.seal('whsec_123', 'col.a');
    expect(sealed).toMatch(new RegExp(`^v2\\.${keyId(A)}\\.[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain('whsec_123');
    expect(box.seal('whsec_123', 'col.a')).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed, 'col.a')).toBe('whsec_123');
    expect(box.inspect(sealed, 'col.a')).toEqual({ plaintext: 'whsec_123', stale: false });
    expect(box.isStale(sealed)).toBe(false);
    // Another column's purpose, another key, or one altered byte: refused.
    expect(() => box.open(sealed, 'col.b')).toThrow();
    expect(() => new SecretBox(B).open(sealed, 'col.a')).toThrow(/not configured/);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(() => box.open(tampered, 'col.a')).toThrow();
    // A key id swapped in does not open it either (the id is authenticated too).
    const both = new SecretBox({ current: A, previous: [B] });
    expect(() => both.open(sealed.replace(keyId(A), keyId(B)), 'col.a')).toThrow();
  });

  it('rotates: previous keys open what they sealed, reported stale until sealed again under the current key', () => {
    const old = new SecretBox(A);
    const sealedOld = old.seal('seed', 'p');
    const rotated = new SecretBox({ current: B, previous: [A] });
    expect(rotated.keyId).toBe(keyId(B));
    expect(rotated.inspect(sealedOld, 'p')).toEqual({ plaintext: 'seed', stale: true });
    expect(rotated.isStale(sealedOld)).toBe(true);
    const resealed = rotated.seal('seed', 'p');
    expect(rotated.inspect(resealed, 'p')).toEqual({ plaintext: 'seed', stale: false });
    // Once A is dropped from the configuration, only what was sealed again opens.
    const after = new SecretBox({ current: B, previous: [C] });
    expect(after.open(resealed, 'p')).toBe('seed');
    expect(() => after.open(sealedOld, 'p')).toThrow(new RegExp(`key id ${keyId(A)}`));
  });

  it("opens the auth box's v1 values (two-factor seeds) with any configured key, bound to their purpose, as stale", () => {
    const v1 = sealAuthV1(A, 'c2VlZA==', 'users.totp_secret_sealed');
    expect(new SecretBox(A).inspect(v1, 'users.totp_secret_sealed')).toEqual({ plaintext: 'c2VlZA==', stale: true });
    expect(new SecretBox({ current: B, previous: [A] }).open(v1, 'users.totp_secret_sealed')).toBe('c2VlZA==');
    expect(() => new SecretBox(A).open(v1, 'another.column')).toThrow();
    expect(() => new SecretBox(B).open(v1, 'users.totp_secret_sealed')).toThrow(/not configured/);
  });

  it("opens the webhook box's v1 values and `plain:` carry-overs (only where allowed), as stale", () => {
    const v1 = sealWebhookV1(DEVELOPMENT_SECRETS_KEY, 'whsec_old');
    expect(new SecretBox(DEVELOPMENT_SECRETS_KEY).inspect(v1, 'webhook')).toEqual({ plaintext: 'whsec_old', stale: true });
    expect(new SecretBox({ current: A, previous: [DEVELOPMENT_SECRETS_KEY] }).open(v1, 'webhook')).toBe('whsec_old');
    expect(() => new SecretBox(A).open(v1, 'webhook')).toThrow();
    expect(new SecretBox(A).inspect('plain:whsec_p', 'webhook', { allowPlain: true })).toEqual({ plaintext: 'whsec_p', stale: true });
    expect(() => new SecretBox(A).open('plain:whsec_p', 'users.totp_secret_sealed')).toThrow(/unsealed/);
    expect(() => new SecretBox(A).open('v9.x.y', 'p')).toThrow(/unknown sealed-secret format/);
  });

  it('refuses short keys', () => {
    expect(() => new SecretBox('short')).toThrow(/at least 32/);
    expect(() => new SecretBox({ current: A, previous: ['short'] })).toThrow(/at least 32/);
  });

  it('reads its keys from the environment: WEBHOOK_SECRETS_KEY is the older name of SECRETS_KEY', () => {
    expect(secretKeysFromEnv({})).toBeNull();
    expect(secretKeysFromEnv({ SECRETS_KEY: A })).toEqual({ current: A });
    expect(secretKeysFromEnv({ WEBHOOK_SECRETS_KEY: B })).toEqual({ current: B });
    expect(secretKeysFromEnv({ SECRETS_KEY: A, WEBHOOK_SECRETS_KEY: A })).toEqual({ current: A });
    // Both set and different (a platform from before the merge): what the webhook key sealed stays readable.
    expect(secretKeysFromEnv({ SECRETS_KEY: A, WEBHOOK_SECRETS_KEY: B, SECRETS_KEY_PREVIOUS: [C] })).toEqual({ current: A, previous: [B, C] });
    const keys = secretKeysFromEnv({ SECRETS_KEY: A, WEBHOOK_SECRETS_KEY: B }) as NonNullable<ReturnType<typeof secretKeysFromEnv>>;
    const box = new SecretBox(keys);
    expect(box.open(sealWebhookV1(B, 'whsec_w'), 'webhook')).toBe('whsec_w');
    expect(box.open(sealAuthV1(A, 'seed', 'p'), 'p')).toBe('seed');
  });
});
