/**
 * Theme preview links: `?theme_preview=<token>` on a store's storefront shows
 * that store's draft layouts (never to anyone without the token). The token is
 * `<storeId>.<expiry epoch seconds>.<HMAC-SHA256(STOREFRONT_SECRET,
 * "theme-preview|storeId|expiry")>` (base64url); it is bound to one store and
 * dies after `THEME_PREVIEW_TTL_SECONDS`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const THEME_PREVIEW_PARAM = 'theme_preview';
export const THEME_PREVIEW_TTL_SECONDS = 30 * 60;

const mac = (secret: string, storeId: string, exp: number) => createHmac('sha256', secret).update(`theme-preview|${storeId}|${exp}`).digest('base64url');

export function signThemePreview(
  secret: string,
  storeId: string,
  now = new Date(),
  ttlSeconds = THEME_PREVIEW_TTL_SECONDS,
): { token: string; expiresAt: Date } {
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  return { token: `${storeId}.${exp}.${mac(secret, storeId, exp)}`, expiresAt: new Date(exp * 1000) };
}

/** True when the token was signed for this store and has not expired. */
export function verifyThemePreview(secret: string, storeId: string, token: string | undefined | null, now = new Date()): boolean {
  if (!token || token.length > 200) return false;
  const [id, expText, sig] = token.split('.');
  if (id !== storeId || !expText || !sig || !/^\d{1,12}$/.test(expText)) return false;
  const exp = Number(expText);
  if (exp * 1000 <= now.getTime()) return false;
  const want = Buffer.from(mac(secret, storeId, exp));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}
