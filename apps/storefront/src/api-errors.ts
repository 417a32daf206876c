/**
 * Errors of the JSON APIs that arise before their routers run. The APIs under /api/storefront/v1 answer their own
 * errors with `toErrorResponse`; what the storefront's pipeline refuses earlier (unknown host, closed or not launched
 * store, per-IP rate limit, request deadline, a database it cannot reach) or cannot route reaches the app's error
 * pages, which are HTML for shoppers. An app developer's client must get the API's JSON body instead, so on an API
 * path the pipeline hands its refusal, as an AppError or whatever was thrown, to the same `toErrorResponse`: the code,
 * status, headers and the hiding of internals stay in one place (@storeloom/http, @storeloom/errors).
 */
import { toErrorResponse } from '@storeloom/http';
import type { Context } from 'hono';
import type { StorefrontEnv } from './context.ts';

/** All of /api/ is the JSON APIs': the storefront serves no page there (as the launch gate and consent banner assume). */
export const isApiPath = (path: string) => path.startsWith('/api/');

/** On an API path, the API's JSON error answer for `err`; elsewhere null, and the caller answers with its page. */
export function apiError(c: Context<StorefrontEnv>, err: unknown): Response | null {
  return isApiPath(c.req.path) ? toErrorResponse(c, err, c.var.logger) : null;
}
