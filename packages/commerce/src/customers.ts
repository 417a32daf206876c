/**
 * Shopper accounts, one set per store (the same e-mail in two stores is two
 * accounts). Passwords are argon2id; session cookies carry a random token and
 * the database keeps its sha256.
 */
import { dummyPasswordHash, generateToken, hashPassword, sha256Hex, verifyPassword } from '@storeloom/auth';
import { type Kysely, newId, type OrderAddress, type TenantDatabase } from '@storeloom/db';
import { emitWebhookEvent } from '@storeloom/webhooks';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { z } from 'zod';
import { isIsoCountry } from './countries.ts';

export const CUSTOMER_SESSION_DAYS = 30;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface CustomerView {
  id: string;
  email: string;
  name: string;
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
