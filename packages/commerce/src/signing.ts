/**
 * Signed order links: the status page of an order is reachable by whoever
 * holds its link (guests have no account), so the link carries an HMAC of the
 * store and order id under a server secret. A tampered link is a plain 404.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function orderLinkSignature(secret: string, storeId: string, orderId: string): string {
  return createHmac('sha256', secret).update(`order:${storeId}:${orderId}`).digest('base64url').slice(0, 32);
}

export function verifyOrderLink(secret: string, storeId: string, orderId: string, signature: string | undefined | null): boolean {
  if (!signature) return false;
  const expected = Buffer.from(orderLinkSignature(secret, storeId, orderId));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
