/**
 * Shopper accounts, one set per store (the same e-mail in two stores is two
 * accounts). Passwords are argon2id; session cookies carry a random token and
 * the database keeps its sha256.
 */
import { dummyPasswordHash, generateToken, hashPassword, sha256Hex, verifyPassword } from '@storeloom/auth';
import { type Kysely, newId, type OrderAddress, type TenantDatabase, type Transaction } from '@storeloom/db';
import type { MailMessage, MailOutbox } from '@storeloom/mail';
import { emitWebhookEvent } from '@storeloom/webhooks';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { z } from 'zod';
import { isIsoCountry } from './countries.ts';

export const CUSTOMER_SESSION_DAYS = 30;
/** A password-reset link works for one hour, a verification link for three days; each once. */
export const CUSTOMER_RESET_TTL_MS = 60 * 60 * 1000;
export const CUSTOMER_VERIFY_TTL_MS = 3 * 86_400_000;
const TOKEN_RE = /^[a-z2-7]{52}$/;

/** Builds the mail carrying a one-time link; the service writes it in the transaction that stores the token. */
export type CustomerLinkMail = (customer: CustomerView, token: string) => Omit<MailMessage, 'to'>;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface CustomerView {
  id: string;
  email: string;
  name: string;
}

/** The signed-in customer as the account page shows them. */
export interface CustomerProfile extends CustomerView {
  emailVerified: boolean;
}

export interface AddressView extends OrderAddress {
  id: string;
}

export class CustomerService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async register(input: { email: string; name: string; password: string }): Promise<CustomerView> {
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim();
    if (!EMAIL_RE.test(email) || email.length > 254)
      throw new AppError(ErrorCode.ValidationFailed, 'Enter a valid e-mail address', { details: { field: 'email' } });
    if (!name || name.length > 200) throw new AppError(ErrorCode.ValidationFailed, 'Enter your name', { details: { field: 'name' } });
    if (input.password.length < 8 || input.password.length > 200)
      throw new AppError(ErrorCode.ValidationFailed, 'Passwords need at least 8 characters', { details: { field: 'password' } });
    const id = newId();
    try {
      const passwordHash = await hashPassword(input.password);
      await this.t.transaction().execute(async (trx) => {
        const createdAt = new Date();
        await trx.insertInto('customers').values({ id, email, name, password_hash: passwordHash, created_at: createdAt }).execute();
        await emitWebhookEvent(trx, {
          type: 'customer.created',
          resourceKey: `customer:${id}`,
          data: { customer: { id, email, name, createdAt: createdAt.toISOString() } },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.EmailTaken, 'An account with this e-mail already exists; sign in instead');
      throw e;
    }
    return { id, email, name };
  }

  /** Same timing for unknown e-mails and wrong passwords. */
  async authenticate(emailInput: string, password: string): Promise<CustomerView> {
    const email = emailInput.trim().toLowerCase();
    const row = await this.t.selectFrom('customers').select(['id', 'email', 'name', 'password_hash']).where('email', '=', email).executeTakeFirst();
    const ok = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !ok) throw new AppError(ErrorCode.InvalidCredentials, 'Wrong e-mail or password');
    return { id: row.id, email: row.email, name: row.name };
  }

  async createSession(customerId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = generateToken();
    const expiresAt = new Date(Date.now() + CUSTOMER_SESSION_DAYS * 86_400_000);
    await this.t
      .insertInto('customer_sessions')
      .values({ id: sha256Hex(token), customer_id: customerId, expires_at: expiresAt, created_at: new Date() })
      .execute();
    return { token, expiresAt };
  }

  async validateSession(token: string | undefined): Promise<CustomerView | null> {
    if (!token || !/^[a-z2-7]{32}$/.test(token)) return null;
    const row = await this.t
      .selectFrom('customer_sessions as s')
      .innerJoin('customers as c', 'c.id', 's.customer_id')
      .select(['c.id', 'c.email', 'c.name'])
      .where('s.id', '=', sha256Hex(token))
      .where('s.expires_at', '>', new Date())
      .executeTakeFirst();
    return row ?? null;
  }

  async endSession(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.t.deleteFrom('customer_sessions').where('id', '=', sha256Hex(token)).execute();
  }

  async profile(customerId: string): Promise<CustomerProfile | null> {
    const row = await this.t.selectFrom('customers').select(['id', 'email', 'name', 'email_verified_at']).where('id', '=', customerId).executeTakeFirst();
    return row ? { id: row.id, email: row.email, name: row.name, emailVerified: row.email_verified_at !== null } : null;
  }

  /**
   * Mails a password-reset link when the address has an account, and does the same work (a token, a transaction)
   * when it has none, so neither the caller's answer nor its timing tells accounts apart. A new link voids the
   * customer's earlier unused reset links. Nothing is mailed to an address without an account.
   */
  async requestPasswordReset(emailInput: string, outbox: MailOutbox, mail: CustomerLinkMail): Promise<void> {
    const email = emailInput.trim().toLowerCase();
    const token = generateToken(32);
    const customer = EMAIL_RE.test(email)
      ? await this.t.selectFrom('customers').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst()
      : undefined;
    await this.t.transaction().execute(async (trx) => {
      if (!customer) {
        await trx.selectFrom('customer_tokens').select('token_hash').where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
        return;
      }
      await this.issue(trx, customer, 'reset', token, CUSTOMER_RESET_TTL_MS, outbox, mail);
    });
  }

  /**
   * Consumes a reset link (once: of two concurrent uses exactly one wins), sets the new password and ends every
   * session of the customer in the same transaction. The link proved the address, so the address counts as verified
   * and earlier guest orders placed with it join the account.
   */
  async resetPassword(token: string, newPassword: string): Promise<CustomerView> {
    if (newPassword.length < 8 || newPassword.length > 200)
      throw new AppError(ErrorCode.ValidationFailed, 'Passwords need at least 8 characters', { details: { field: 'password' } });
    if (!TOKEN_RE.test(token)) throw invalidLink();
    const passwordHash = await hashPassword(newPassword);
    return this.t.transaction().execute(async (trx) => {
      const customerId = await consume(trx, token, 'reset');
      const now = new Date();
      const c = await trx
        .updateTable('customers')
        .set((eb) => ({ password_hash: passwordHash, email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)) }))
        .where('id', '=', customerId)
        .returning(['id', 'email', 'name'])
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('customer_sessions').where('customer_id', '=', c.id).execute();
      await trx
        .updateTable('customer_tokens')
        .set({ used_at: now })
        .where('customer_id', '=', c.id)
        .where('purpose', '=', 'reset')
        .where('used_at', 'is', null)
        .execute();
      await attachGuestOrders(trx, c.id, c.email);
      return c;
    });
  }

  /** Mails a verification link unless the address is verified already; returns whether a link was sent. */
  async requestVerification(customerId: string, outbox: MailOutbox, mail: CustomerLinkMail): Promise<boolean> {
    const customer = await this.t
      .selectFrom('customers')
      .select(['id', 'email', 'name'])
      .where('id', '=', customerId)
      .where('email_verified_at', 'is', null)
      .executeTakeFirst();
    if (!customer) return false;
    await this.t.transaction().execute((trx) => this.issue(trx, customer, 'verify', generateToken(32), CUSTOMER_VERIFY_TTL_MS, outbox, mail));
    return true;
  }

  /**
   * Consumes a verification link: the address is proven, and the guest orders placed with it (before or after the
   * account was opened) join the account. Returns how many orders joined.
   */
  async verifyEmail(token: string): Promise<CustomerView & { attached: number }> {
    if (!TOKEN_RE.test(token)) throw invalidLink();
    return this.t.transaction().execute(async (trx) => {
      const customerId = await consume(trx, token, 'verify');
      const now = new Date();
      const c = await trx
        .updateTable('customers')
        .set((eb) => ({ email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)) }))
        .where('id', '=', customerId)
        .returning(['id', 'email', 'name'])
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('customer_tokens')
        .set({ used_at: now })
        .where('customer_id', '=', c.id)
        .where('purpose', '=', 'verify')
        .where('used_at', 'is', null)
        .execute();
      return { ...c, attached: await attachGuestOrders(trx, c.id, c.email) };
    });
  }

  /** Guest orders placed since with a verified customer's address join the account (run at sign-in); 0 when unverified. */
  async attachGuestOrders(customerId: string): Promise<number> {
    const c = await this.t
      .selectFrom('customers')
      .select(['id', 'email'])
      .where('id', '=', customerId)
      .where('email_verified_at', 'is not', null)
      .executeTakeFirst();
    return c ? attachGuestOrders(this.t, c.id, c.email) : 0;
  }

  private async issue(
    trx: Transaction<TenantDatabase>,
    customer: CustomerView,
    purpose: 'reset' | 'verify',
    token: string,
    ttlMs: number,
    outbox: MailOutbox,
    mail: CustomerLinkMail,
  ): Promise<void> {
    const now = new Date();
    await trx
      .updateTable('customer_tokens')
      .set({ used_at: now })
      .where('customer_id', '=', customer.id)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    await trx
      .insertInto('customer_tokens')
      .values({ token_hash: sha256Hex(token), customer_id: customer.id, purpose, expires_at: new Date(now.getTime() + ttlMs), used_at: null })
      .execute();
    await outbox.enqueue({ ...mail(customer, token), to: customer.email }, trx as never);
  }

  async addresses(customerId: string): Promise<AddressView[]> {
    const rows = await this.t.selectFrom('addresses').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').limit(20).execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      line1: r.line1,
      line2: r.line2,
      city: r.city,
      postalCode: r.postal_code,
      region: r.region,
      country: r.country,
      phone: r.phone,
    }));
  }

  /** Saves an address unless the customer already has the same one. */
  async saveAddress(customerId: string, a: OrderAddress): Promise<void> {
    const same = await this.t
      .selectFrom('addresses')
      .select('id')
      .where('customer_id', '=', customerId)
      .where('line1', '=', a.line1)
      .where('postal_code', '=', a.postalCode)
      .where('name', '=', a.name)
      .executeTakeFirst();
    if (same) return;
    await this.t
      .insertInto('addresses')
      .values({
        id: newId(),
        customer_id: customerId,
        name: a.name,
        line1: a.line1,
        line2: a.line2,
        city: a.city,
        postal_code: a.postalCode,
        region: a.region,
        country: a.country,
        phone: a.phone,
        created_at: new Date(),
      })
      .execute();
  }

  async deleteAddress(customerId: string, addressId: string): Promise<void> {
    await this.t.deleteFrom('addresses').where('customer_id', '=', customerId).where('id', '=', addressId).execute();
  }
}

const invalidLink = () => new AppError(ErrorCode.InvalidToken, 'This link is invalid or has expired; ask for a new one');

/** Marks an unused, unexpired link of `purpose` used and returns its customer; a used, expired or unknown link is refused. */
async function consume(trx: Transaction<TenantDatabase>, token: string, purpose: 'reset' | 'verify'): Promise<string> {
  const row = await trx
    .updateTable('customer_tokens')
    .set({ used_at: new Date() })
    .where('token_hash', '=', sha256Hex(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('customer_id')
    .executeTakeFirst();
  if (!row) throw invalidLink();
  return row.customer_id;
}

/** Orders placed as a guest with the (verified) address join the account; erased orders carry no address and stay. */
async function attachGuestOrders(t: Kysely<TenantDatabase>, customerId: string, email: string): Promise<number> {
  const r = await t.updateTable('orders').set({ customer_id: customerId }).where('customer_id', 'is', null).where('email', '=', email).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

const tooLong = (label: string, max: number) => `${label} is too long (at most ${max} characters)`;
const requiredText = (label: string, max: number) =>
  z
    .string()
    .default('')
    .transform((v) => v.trim())
    .pipe(z.string().min(1, `${label} is required`).max(max, tooLong(label, max)));
const optionalText = (label: string, max: number) =>
  z
    .string()
    .default('')
    .transform((v) => v.trim())
    .pipe(z.string().max(max, tooLong(label, max)))
    .transform((v) => v || null);

/** A shipping address as a form or API sends it: each field's own message (missing, too long, unknown country). */
export const addressSchema = z.object({
  name: requiredText('Name', 200),
  line1: requiredText('Address', 200),
  line2: optionalText('Address line 2', 200),
  city: requiredText('City', 200),
  postalCode: requiredText('Postal code', 20),
  region: optionalText('Region', 100),
  country: requiredText('Country', 100)
    .transform((v) => v.toUpperCase())
    .refine(isIsoCountry, 'Country must be an ISO 3166 country code (e.g. FR, US)'),
  phone: optionalText('Phone', 40),
});

/** Validates a shipping address; the first problem is a validation_failed error naming its field. */
export function parseAddress(f: Record<string, unknown>): OrderAddress {
  const r = addressSchema.safeParse(f);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AppError(ErrorCode.ValidationFailed, issue?.message ?? 'Invalid address', { details: { field: String(issue?.path[0] ?? '') } });
}
