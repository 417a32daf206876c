import { AppError, ErrorCode, httpStatusOf, isAppError, isConnectionError, isPgError, isStatementTimeout } from '@storeloom/errors';
import { ClusterUnavailableError } from '@storeloom/db';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { Logger } from '@storeloom/log';

export function validationError(error: ZodError): AppError {
  const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return new AppError(
    ErrorCode.ValidationFailed,
    details.length === 1 ? `${details[0]?.path || 'body'}: ${details[0]?.message}` : 'Request validation failed',
    { details },
  );
}

/** Maps anything thrown to the stable error body. Internals (stack, SQL) are logged, never returned. */
export function toErrorResponse(c: Context, err: unknown, logger?: Logger) {
  let appErr: AppError;
  if (isAppError(err)) {
    appErr = err;
    // A 503 by configuration, not by load: the operator needs to hear of it (the answer names no cluster).
    if (err instanceof ClusterUnavailableError) logger?.warn('database cluster not configured in this process', { cluster: err.cluster });
  } else if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) appErr = new AppError(ErrorCode.PayloadTooLarge, 'Request body is too large');
    else if (status === 400) appErr = new AppError(ErrorCode.InvalidJson, 'Request body is not valid JSON');
    else if (status === 401) appErr = new AppError(ErrorCode.Unauthenticated, 'Authentication required');
    else if (status === 403) appErr = new AppError(ErrorCode.Forbidden, 'Forbidden');
    else if (status === 404) appErr = new AppError(ErrorCode.NotFound, 'Not found');
    else appErr = new AppError(ErrorCode.BadRequest, 'Bad request');
  } else if (isPgError(err) && (err.code === '22021' || err.code === '22P05')) {
    // Text Postgres cannot store (a NUL character, \u0000 in JSON): the client's input, not our fault.
    appErr = new AppError(ErrorCode.ValidationFailed, 'Text must not contain NUL (\\u0000) characters', {
      details: [{ path: '', message: 'must not contain NUL characters' }],
    });
  } else if (isPgError(err) && err.code === '22003') {
    // A value past a column's range (e.g. stock beyond 2^31): the client's input.
    appErr = new AppError(ErrorCode.ValidationFailed, 'A number is out of the allowed range', { details: [{ path: '', message: 'number out of range' }] });
  } else if (isStatementTimeout(err)) {
    // The same answer as the request deadline: the statement was cancelled and its transaction rolled back.
    logger?.warn('statement timeout', { err });
    appErr = new AppError(ErrorCode.ServiceUnavailable, 'The request took too long; please retry', { headers: { 'Retry-After': '1' } });
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
