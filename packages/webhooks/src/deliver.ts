/** One signed POST of an event body through the SSRF-guarded egress, with what the log keeps of it. */
import { EgressRefused, type EgressPolicy, guardedPost, type Resolver, STRICT_EGRESS } from './egress.ts';
import { SIGNATURE_HEADER, signPayload } from './signing.ts';

/** Bytes of request and response bodies kept in the delivery log. */
export const LOG_BODY_LIMIT = 4096;
const RESPONSE_READ_LIMIT = 16 * 1024;

export interface DeliveryAttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  requestHeaders: Record<string, string>;
  responseBody: string | null;
  durationMs: number;
}

const cut = (s: string, n = LOG_BODY_LIMIT) => (s.length > n ? `${s.slice(0, n)}… [truncated]` : s);

export async function attemptDelivery(
  url: string,
  secret: string,
  body: string,
  opts: { egress?: EgressPolicy | undefined; resolver?: Resolver | undefined; timeoutMs?: number; now?: Date } = {},
): Promise<DeliveryAttemptResult> {
  const t = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Storeloom-Webhooks/1',
    [SIGNATURE_HEADER]: signPayload(secret, body, t),
  };
  const started = Date.now();
  // The log never holds the signature (it is a valid signed request for 5 minutes).
  const logged = { ...headers, [SIGNATURE_HEADER]: `t=${t},v1=…` };
  try {
    const res = await guardedPost(url, {
      headers,
      body,
      policy: opts.egress ?? STRICT_EGRESS,
      ...(opts.resolver ? { resolver: opts.resolver } : {}),
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxResponseBytes: RESPONSE_READ_LIMIT,
    });
    const ok = res.status >= 200 && res.status < 300;
    const error = ok ? null : res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}`;
    return { ok, status: res.status, error, requestHeaders: logged, responseBody: cut(res.body.toString('utf8')), durationMs: Date.now() - started };
  } catch (e) {
    const prefix = e instanceof EgressRefused ? 'refused: ' : '';
    return {
      ok: false,
      status: null,
      error: `${prefix}${(e as Error).message}`.slice(0, 500),
      requestHeaders: logged,
      responseBody: null,
      durationMs: Date.now() - started,
    };
  }
}

export { cut as truncateForLog };
