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

/**
 * Price snapshot of an open checkout. The checkout page signs the unit prices
 * it shows (per cart, variant and quantity); placing the order with the token
 * charges exactly those prices while the token is fresh and the cart still
 * holds the same lines, even if a price changed meanwhile (dynamic pricing, a
 * merchant edit): the checkout keeps the total it showed. Any other change to
 * the cart falls back to the live prices (and the expected-total check).
 */
export interface QuotedLine {
  variantId: string;
  quantity: number;
  unitPrice: number;
}

const quoteMac = (secret: string, storeId: string, payload: string) => createHmac('sha256', secret).update(`quote:${storeId}:${payload}`).digest('base64url');

export function signCheckoutQuote(secret: string, storeId: string, cartId: string, lines: readonly QuotedLine[], issuedAtMs: number): string {
  const payload = Buffer.from(JSON.stringify({ c: cartId, i: issuedAtMs, l: lines.map((l) => [l.variantId, l.quantity, l.unitPrice]) })).toString('base64url');
  return `${payload}.${quoteMac(secret, storeId, payload)}`;
}

/** The quoted lines when `token` is a valid, unexpired quote of this store's cart; otherwise null. */
export function verifyCheckoutQuote(
  secret: string,
  storeId: string,
  cartId: string,
  token: string | null | undefined,
  nowMs: number,
  maxAgeMs: number,
): QuotedLine[] | null {
  if (!token || token.length > 16_384) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const payload = token.slice(0, dot);
  const expected = Buffer.from(quoteMac(secret, storeId, payload));
  const given = Buffer.from(token.slice(dot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const q = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown; l?: unknown };
    if (q.c !== cartId || typeof q.i !== 'number' || !Array.isArray(q.l)) return null;
    if (q.i > nowMs + 60_000 || nowMs - q.i > maxAgeMs) return null;
    const lines: QuotedLine[] = [];
    for (const row of q.l as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || !Number.isInteger(row[1]) || !Number.isInteger(row[2])) return null;
      lines.push({ variantId: row[0], quantity: row[1] as number, unitPrice: row[2] as number });
    }
    return lines;
  } catch {
    return null;
  }
}
