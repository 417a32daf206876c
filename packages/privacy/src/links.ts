/**
 * Links a shopper follows from a mail, signed with the storefront's secret.
 *
 * - The confirmation link of a guest's request: the request is created only
 *   when the link is used, so nobody can start an export or erasure of an
 *   address they cannot read mail for. The token is sealed (AES-256-GCM, key
 *   derived from the secret, the store id as associated data) rather than
 *   merely signed, so the address never appears in a URL (access logs, proxy
 *   logs, browser history); it expires after `CONFIRM_TTL_MS`.
 * - The download link of a finished export: HMAC over store, request and the
 *   archive's expiry; it dies with the archive.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrivacyRequestKind } from '@storeloom/db';

/** A guest's confirmation link works for 24 hours. */
export const CONFIRM_TTL_MS = 24 * 3600_000;

const key = (secret: string, purpose: string) => createHmac('sha256', secret).update(`privacy:${purpose}`).digest();

export interface PrivacyConfirmation {
  kind: PrivacyRequestKind;
  email: string;
  /** Expiry (ms since epoch). */
  exp: number;
}

export function sealPrivacyConfirmation(secret: string, storeId: string, c: { kind: PrivacyRequestKind; email: string }, now = Date.now()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(secret, 'confirm'), iv);
  cipher.setAAD(Buffer.from(storeId));
  const plain = Buffer.from(JSON.stringify({ k: c.kind, e: c.email, x: now + CONFIRM_TTL_MS }));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The confirmation behind a token, or null when it is tampered with, of another store, malformed or expired. */
export function openPrivacyConfirmation(secret: string, storeId: string, token: string | undefined | null, now = Date.now()): PrivacyConfirmation | null {
  if (!token || token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const raw = Buffer.from(token, 'base64url');
  // Only the spelling the store issued: base64url's unused trailing bits would otherwise give one token several spellings.
  if (raw.length < 29 || raw.toString('base64url') !== token) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(secret, 'confirm'), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(storeId));
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    const v = JSON.parse(plain.toString('utf8')) as { k?: unknown; e?: unknown; x?: unknown };
    if ((v.k !== 'export' && v.k !== 'erasure') || typeof v.e !== 'string' || typeof v.x !== 'number') return null;
    if (v.x <= now) return null;
    return { kind: v.k, email: v.e, exp: v.x };
  } catch {
    return null;
  }
}

const exportMac = (secret: string, storeId: string, requestId: string, exp: number) =>
  createHmac('sha256', key(secret, 'export')).update(`${storeId}:${requestId}:${exp}`).digest('base64url').slice(0, 43);

/** Path and query of a finished export's download link on the store's host (valid until `exp`, the archive's expiry). */
export function privacyExportPath(secret: string, storeId: string, requestId: string, exp: Date): string {
  const x = exp.getTime();
  return `/account/privacy/exports/${requestId}?exp=${x}&sig=${exportMac(secret, storeId, requestId, x)}`;
}

export function verifyPrivacyExportLink(
  secret: string,
  storeId: string,
  requestId: string,
  exp: string | undefined,
  sig: string | undefined,
  now = Date.now(),
): boolean {
  if (!exp || !sig || !/^\d{1,15}$/.test(exp)) return false;
  const x = Number(exp);
  if (x <= now) return false;
  const expected = Buffer.from(exportMac(secret, storeId, requestId, x));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The mail that tells a shopper their export is ready, with its signed download link (null when there is none to send). */
export function exportReadyMail(
  secret: string,
  origin: string,
  store: { id: string; name: string },
  r: {
    id: string;
    kind: PrivacyRequestKind;
    status: string;
    source: string;
    email: string | null;
    archive_key: string | null;
    archive_expires_at: Date | string | null;
  },
) {
  if (r.kind !== 'export' || r.status !== 'completed' || r.source === 'merchant' || !r.email || !r.archive_key || !r.archive_expires_at) return null;
  const exp = new Date(r.archive_expires_at);
  const url = `${origin.replace(/\/$/, '')}${privacyExportPath(secret, store.id, r.id, exp)}`;
  return {
    kind: 'privacy-export-ready',
    to: r.email,
    storeId: store.id,
    dedupKey: `privacy-export-ready:${store.id}:${r.id}`,
    subject: `Your data from ${store.name} is ready`,
    text:
      `Hello,\n\nThe copy of the personal data ${store.name} holds about this address, which you asked for, is ready.\n` +
      `Download it (one JSON file) until ${exp.toUTCString()}:\n${url}\n\n` +
      'The link is personal: anyone who has it can download the file. After that date the file is deleted; you can ask again at any time.\n',
  };
}
