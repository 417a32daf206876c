import { AppError, ErrorCode } from '@storeloom/errors';

export interface Cursor {
  v: string | number | null;
  id: string;
}

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.v, c.id])).toString('base64url');

export function decodeCursor(s: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string' && /^[0-9a-f-]{36}$/.test(parsed[1])) {
      const v = parsed[0];
      if (v === null || typeof v === 'string' || typeof v === 'number') return { v, id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

export const invalidCursor = () =>
  new AppError(ErrorCode.ValidationFailed, 'cursor: invalid pagination cursor', { details: [{ path: 'cursor', message: 'invalid cursor' }] });
