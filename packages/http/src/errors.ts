import { AppError, ErrorCode, httpStatusOf, isAppError, isConnectionError } from '@storeloom/errors';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { Logger } from './logger.ts';

export function validationError(error: ZodError): AppError {
  const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return new AppError(ErrorCode.ValidationFailed, details.length === 1 ? `${details[0]?.path || 'body'}: ${details[0]?.message}` : 'Request validation failed', { details });
}

/** Maps anything thrown to the stable error body. Internals (stack, SQL) are logged, never returned. */
export function toErrorResponse(c: Context, err: unknown, logger?: Logger) {
  let appErr: AppError;
  if (isAppError(err)) appErr = err;
  else if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) appErr = new AppError(ErrorCode.PayloadTooLarge, 'Request body is too large');
    else if (status === 400) appErr = new AppError(ErrorCode.InvalidJson, 'Request body is not valid JSON');
    else if (status === 401) appErr = new AppError(ErrorCode.Unauthenticated, 'Authentication required');
    else if (status === 403) appErr = new AppError(ErrorCode.Forbidden, 'Forbidden');
    else if (status === 404) appErr = new AppError(ErrorCode.NotFound, 'Not found');
    else appErr = new AppError(ErrorCode.BadRequest, 'Bad request');
  } else if (isConnectionError(err)) {
    logger?.warn('database unavailable', { err });
    appErr = new AppError(ErrorCode.ServiceUnavailable, 'Service temporarily unavailable, please retry', { headers: { 'Retry-After': '2' } });
  } else {
    logger?.error('unhandled error', { err });
    appErr = new AppError(ErrorCode.Internal, 'Internal server error');
  }
  for (const [k, v] of Object.entries(appErr.headers)) c.header(k, v);
  return c.json(appErr.toBody(), httpStatusOf[appErr.code] as ContentfulStatusCode);
}
