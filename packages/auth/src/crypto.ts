import { hash as oneShotHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** OWASP password storage cheat sheet: argon2id, m=19 MiB, t=2, p=1. */
const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const hashPassword = (password: string) => hash(password, ARGON2_OPTIONS);
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** 160 bits of randomness, base32: session tokens and API tokens. */
export const generateToken = (bytes = 20) => encodeBase32LowerCaseNoPadding(randomBytes(bytes));
/**
 * sha256 of a string (UTF-8) as hex. One-shot `crypto.hash` (Node >= 20.12) rather than `createHash().update().digest()`:
 * same digest, without a Hash object and two more calls into C++; every authenticated request hashes its token or
 * session cookie (issue 23).
 */
export const sha256Hex = (s: string) => oneShotHash('sha256', s, 'hex');
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

// Verifying against a real hash when the account does not exist keeps login
// timing the same for known and unknown emails.
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = () => {
  dummyHash ??= hashPassword(generateToken());
  return dummyHash;
};
