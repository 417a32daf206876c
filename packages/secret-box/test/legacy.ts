/**
 * The two boxes this package replaced, as they sealed (copied from their last
 * versions: packages/auth/src/secret-box.ts and packages/webhooks/src/secrets.ts
 * before the merge), so tests can write values exactly as the database holds
 * them today and check the new box opens them.
 */
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** `@storeloom/auth`'s SecretBox v1 (two-factor seeds): HKDF key, purpose as additional data, `v1.<b64url(iv|tag|ct)>`. */
export function sealAuthV1(secret: string, plaintext: string, purpose: string): string {
  const key = Buffer.from(hkdfSync('sha256', secret, 'storeloom', 'secret-box v1', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** `@storeloom/webhooks`' SecretBox v1 (signing secrets): sha256 key, no additional data, `v1.<iv>.<tag>.<ct>`. */
export function sealWebhookV1(secret: string, plaintext: string): string {
  const key = createHash('sha256').update(`storeloom-webhook-secrets:${secret}`).digest();
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}
