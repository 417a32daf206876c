/**
 * Signing secrets at rest. Signing needs the secret itself (a hash would not
 * do), so it is stored encrypted with AES-256-GCM under a key from the
 * environment (WEBHOOK_SECRETS_KEY; the launcher generates one into DATA_DIR).
 * Stored form: `v1.<iv>.<tag>.<ciphertext>` (base64url). A `plain:` value is a
 * secret carried over from the old alert webhook by a migration (no key there);
 * the service re-encrypts it the first time it reads it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Key used when none is configured (development and tests only; packages/env refuses the default in production). */
export const DEVELOPMENT_SECRETS_KEY = 'storeloom-development-webhook-secrets-key';

export class SecretBox {
  private readonly key: Buffer;
  constructor(key: string) {
    this.key = createHash('sha256').update(`storeloom-webhook-secrets:${key}`).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(stored: string): string {
    if (stored.startsWith('plain:')) return stored.slice('plain:'.length);
    const [v, iv, tag, ct] = stored.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unreadable webhook secret');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }
}
