/**
 * Secrets the platform must read back (a webhook signing secret to sign with,
 * a TOTP seed to check codes against; unlike a password or a token, which are
 * only ever compared as hashes) are sealed with AES-256-GCM under a key made
 * from SECRETS_KEY. One box for the whole platform (two-factor seeds in
 * `@storeloom/auth`, webhook signing secrets in `@storeloom/webhooks`).
 *
 * Sealed form: `v2.<key id>.<base64url(iv | tag | ciphertext)>`. The key id
 * names the key that sealed the value, so a rotation works: configure the new
 * key as SECRETS_KEY and the old one in SECRETS_KEY_PREVIOUS; values sealed
 * under either open, and `open` reports a value sealed under a previous key
 * (or in an older format) as `stale`, so its owner re-seals it under the
 * current key when it next reads it. The value is bound to its purpose (GCM
 * additional data, with the format and key id), so a value sealed for one
 * column cannot be replayed into another.
 *
 * Older formats stay readable, so nothing sealed before this box existed is
 * lost: `v1.<base64url(iv | tag | ct)>` (two-factor seeds: HKDF key, purpose
 * as additional data), `v1.<iv>.<tag>.<ct>` (webhook secrets: sha256 key, no
 * additional data) and `plain:<secret>` (webhook secrets a migration carried
 * over without a key; only where the caller allows it).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Key used when none is configured (development and tests only; packages/env refuses to start production without a key). */
export const DEVELOPMENT_SECRETS_KEY = 'storeloom-development-webhook-secrets-key';

export const MIN_KEY_LENGTH = 32;

export interface SecretKeys {
  /** The key new values are sealed under (SECRETS_KEY). */
  current: string;
  /** Keys values may still be sealed under (SECRETS_KEY_PREVIOUS, and WEBHOOK_SECRETS_KEY when it differs from SECRETS_KEY). */
  previous?: readonly string[];
}

export interface Opened {
  plaintext: string;
  /** Sealed in an older format or under a previous key: seal it again (under the current key) and store that. */
  stale: boolean;
}

interface Key {
  id: string;
  secret: string;
  v2: Buffer;
}

/** A short public name of a key (48 bits of a hash of it), written into every value it seals. */
export function keyId(secret: string): string {
  return createHash('sha256').update(`storeloom secret-box key id\0${secret}`).digest('base64url').slice(0, 8);
}

const deriveV2 = (secret: string) => Buffer.from(hkdfSync('sha256', secret, 'storeloom', 'secret-box v2', 32));
/** The two-factor box's v1 key. */
const deriveAuthV1 = (secret: string) => Buffer.from(hkdfSync('sha256', secret, 'storeloom', 'secret-box v1', 32));
/** The webhook box's v1 key. */
const deriveWebhookV1 = (secret: string) => createHash('sha256').update(`storeloom-webhook-secrets:${secret}`).digest();

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: string | null): string {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  if (aad !== null) d.setAAD(Buffer.from(aad));
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ciphertext), d.final()]).toString('utf8');
}

export class SecretBox {
  readonly #current: Key;
  readonly #keys: Key[];

  /** `keys`: SECRETS_KEY (a string), or the current key and the previous ones during a rotation. Each at least 32 characters. */
  constructor(keys: string | SecretKeys) {
    const { current, previous = [] } = typeof keys === 'string' ? { current: keys } : keys;
    const all = [current, ...previous.filter((k) => k !== current)];
    for (const k of all) if (k.length < MIN_KEY_LENGTH) throw new Error(`SECRETS_KEY must be at least ${MIN_KEY_LENGTH} characters`);
    this.#keys = [...new Set(all)].map((secret) => ({ id: keyId(secret), secret, v2: deriveV2(secret) }));
    this.#current = this.#keys[0] as Key;
  }

  /** Id of the key new values are sealed under. */
  get keyId(): string {
    return this.#current.id;
  }

  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.v2, iv);
    cipher.setAAD(Buffer.from(`v2.${this.#current.id}.${purpose}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v2.${this.#current.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext; throws when the value was sealed under a key this box does not hold, for another purpose, or was altered. */
  open(sealed: string, purpose: string, opts: { allowPlain?: boolean } = {}): string {
    return this.inspect(sealed, purpose, opts).plaintext;
  }

  /** Whether a value should be sealed again under the current key (older format or previous key), without opening it. */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`v2.${this.#current.id}.`);
  }

  /** Like `open`, and says whether the value is stale (re-seal it with `seal` and store that). */
  inspect(sealed: string, purpose: string, opts: { allowPlain?: boolean } = {}): Opened {
    if (sealed.startsWith('plain:')) {
      if (!opts.allowPlain) throw new Error('unsealed secret where a sealed one is required');
      return { plaintext: sealed.slice('plain:'.length), stale: true };
    }
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 3) {
      const key = this.#keys.find((k) => k.id === parts[1]);
      if (!key) throw new Error(`sealed under a key that is not configured (key id ${parts[1]})`);
      const raw = Buffer.from(parts[2] as string, 'base64url');
      const plaintext = decrypt(key.v2, raw.subarray(0, 12), raw.subarray(12, 28), raw.subarray(28), `v2.${key.id}.${purpose}`);
      return { plaintext, stale: key !== this.#current };
    }
    if (parts[0] === 'v1' && parts.length === 2) {
      const raw = Buffer.from(parts[1] as string, 'base64url');
      return {
        plaintext: this.#tryKeys((k) => decrypt(deriveAuthV1(k.secret), raw.subarray(0, 12), raw.subarray(12, 28), raw.subarray(28), purpose)),
        stale: true,
      };
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
      return { plaintext: this.#tryKeys((k) => decrypt(deriveWebhookV1(k.secret), iv, tag, ct, null)), stale: true };
    }
    throw new Error('unknown sealed-secret format');
  }

  /** A value in a format without a key id: the first configured key that authenticates it. */
  #tryKeys(open: (k: Key) => string): string {
    for (const k of this.#keys) {
      try {
        return open(k);
      } catch {
        // not this key
      }
    }
    throw new Error('sealed under a key that is not configured, or altered');
  }
}

/**
 * The keys from the environment: SECRETS_KEY seals; WEBHOOK_SECRETS_KEY is its
 * older name (used when SECRETS_KEY is unset; kept as a previous key when both
 * are set and differ, so what it sealed stays readable); SECRETS_KEY_PREVIOUS
 * lists keys being rotated out. null when none is set.
 */
export function secretKeysFromEnv(env: {
  SECRETS_KEY?: string | undefined;
  WEBHOOK_SECRETS_KEY?: string | undefined;
  SECRETS_KEY_PREVIOUS?: readonly string[] | undefined;
}): SecretKeys | null {
  const current = env.SECRETS_KEY ?? env.WEBHOOK_SECRETS_KEY;
  if (!current) return null;
  const previous = [...(env.WEBHOOK_SECRETS_KEY && env.WEBHOOK_SECRETS_KEY !== current ? [env.WEBHOOK_SECRETS_KEY] : []), ...(env.SECRETS_KEY_PREVIOUS ?? [])];
  return previous.length > 0 ? { current, previous } : { current };
}
