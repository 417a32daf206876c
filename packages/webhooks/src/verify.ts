/**
 * For app developers receiving Storeloom webhooks (node:crypto only, copy it
 * into your app if you like). Verify the `Storeloom-Signature` header against
 * the RAW request body, before parsing it:
 *
 *   const event = verifyWebhook(process.env.STORELOOM_WEBHOOK_SECRET, rawBody, req.headers['storeloom-signature']);
 *   if (await seen(event.id)) return res.status(200).end();   // deliveries are at least once: dedupe by id
 *
 * The header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`;
 * while a secret is being rotated it may carry several v1 values.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface StoreloomEvent<T = unknown> {
  id: string;
  type: string;
  createdAt: string;
  storeId: string;
  data: T;
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** Checks the signature (and that it is at most `toleranceSeconds` old) and returns the parsed event; throws otherwise. */
export function verifyWebhook<T = unknown>(
  secret: string,
  rawBody: string | Buffer,
  header: string | string[] | null | undefined,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): StoreloomEvent<T> {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new WebhookVerificationError('missing Storeloom-Signature header');
  let t = Number.NaN;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't') t = Number(v);
    else if (k === 'v1') v1.push(v);
  }
  if (!Number.isSafeInteger(t) || v1.length === 0) throw new WebhookVerificationError('malformed Storeloom-Signature header');
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) throw new WebhookVerificationError('signature timestamp outside the tolerance');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody) : rawBody;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex'));
  const ok = v1.some((sig) => {
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new WebhookVerificationError('signature does not match');
  return JSON.parse(body.toString('utf8')) as StoreloomEvent<T>;
}
