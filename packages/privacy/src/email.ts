import { createHash } from 'node:crypto';
import { AppError, ErrorCode } from '@storeloom/errors';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
/** sha256 (hex) of the normalised address: what stays of it after an erasure (request records, unsubscribes). */
export const emailHash = (email: string) => createHash('sha256').update(normaliseEmail(email)).digest('hex');

export function parseEmail(raw: string): string {
  const email = normaliseEmail(raw);
  if (!EMAIL_RE.test(email) || email.length > 254)
    throw new AppError(ErrorCode.ValidationFailed, 'Enter a valid e-mail address', { details: { field: 'email' } });
  return email;
}
