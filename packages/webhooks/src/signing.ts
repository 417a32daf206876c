/**
 * Signed merchant webhooks, Stripe-style: header
 *   Storeloom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The receiver recomputes the HMAC over the timestamp and the exact body it
 * received, compares in constant time and rejects old timestamps (replays).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { checkUrlSyntax, type EgressPolicy, EgressRefused, guardedPost, type Resolver, STRICT_EGRESS } from './egress.ts';

export const SIGNATURE_HEADER = 'storeloom-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function signPayload(secret: string, body: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/** True when `header` carries a valid signature of `body` made within the tolerance. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const [k, v] = item.split('=', 2);
    if (!k || v === undefined) continue;
    parts.set(k.trim(), [...(parts.get(k.trim()) ?? []), v.trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isSafeInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return (parts.get('v1') ?? []).some((sig) => {
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Syntax of a webhook URL under the egress policy (https unless allowed; no credentials). Null when fine. */
export function validateWebhookUrl(raw: string, policy: EgressPolicy = STRICT_EGRESS): string | null {
  return checkUrlSyntax(raw, policy);
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export interface PostSignedOptions {
  egress?: EgressPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
  now?: Date;
}

/**
 * One POST attempt through the egress guard (see egress.ts: checked address,
 * no redirects, capped body, timeout). A non-2xx answer (a redirect included),
 * a refused address or a network error is a failed attempt.
 */
export async function postSigned(url: string, secret: string, payload: unknown, opts: PostSignedOptions = {}): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const now = opts.now ?? new Date();
  const signature = signPayload(secret, body, Math.floor(now.getTime() / 1000));
  try {
    const res = await guardedPost(url, {
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'user-agent': 'Storeloom-Webhooks/1' },
      body,
      policy: opts.egress ?? STRICT_EGRESS,
      ...(opts.resolver ? { resolver: opts.resolver } : {}),
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    if (res.status >= 300 && res.status < 400) return { ok: false, status: res.status, error: `HTTP ${res.status} (redirects are not followed)` };
    return { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    const prefix = e instanceof EgressRefused ? 'refused: ' : '';
    return { ok: false, status: null, error: `${prefix}${(e as Error).message}`.slice(0, 500) };
  }
}
