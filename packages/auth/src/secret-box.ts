/**
 * Secrets the platform must read back (a TOTP seed to verify codes, unlike a
 * password or a token, which are only ever compared as hashes) are sealed with
 * AES-256-GCM under a key derived from SECRETS_KEY. Each sealed value is bound
 * to its purpose (GCM additional data), so a value sealed for one column cannot
 * be replayed into another. Format: `v1.<base64url(iv | tag | ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  readonly #key: Buffer;

  /** `secret`: SECRETS_KEY, at least 32 characters of randomness. */
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('SECRETS_KEY must be at least 32 characters');
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'storeloom', 'secret-box v1', 32));
  }

  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** Throws when the value was sealed under another key or purpose, or was altered. */
  open(sealed: string, purpose: string): string {
    const [version, data] = sealed.split('.', 2);
    if (version !== VERSION || !data) throw new Error('unknown sealed-secret format');
    const raw = Buffer.from(data, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
