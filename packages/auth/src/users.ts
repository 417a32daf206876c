import { type Database, newId } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { dummyPasswordHash, hashPassword, verifyPassword } from './crypto.ts';

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

export class UserService {
  constructor(private readonly db: Database) {}

  async signup(input: { email: string; password: string; name: string }): Promise<PublicUser> {
    const email = normaliseEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await this.db.control
        .insertInto('users')
        .values({ id: newId(), email, name: input.name.trim(), password_hash: passwordHash })
        .returning(['id', 'email', 'name', 'created_at'])
        .executeTakeFirstOrThrow();
      return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
    } catch (e) {
      if (isUniqueViolation(e, 'users_email_key')) throw new AppError(ErrorCode.EmailTaken, 'An account with this email already exists');
      throw e;
    }
  }

  /** Returns the user for valid credentials; the same generic error otherwise. */
  /** The console language of the account with this address (null: none set, or no such account); mails are written in it. */
  async localeOf(emailInput: string): Promise<string | null> {
    const row = await this.db.control.selectFrom('users').select('locale').where('email', '=', normaliseEmail(emailInput)).executeTakeFirst();
    return row?.locale ?? null;
  }

  async verifyCredentials(emailInput: string, password: string): Promise<PublicUser> {
    const email = normaliseEmail(emailInput);
    const row = await this.db.control.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    const ok = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !ok) throw new AppError(ErrorCode.InvalidCredentials, 'Email or password is incorrect');
    return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
  }

  async get(id: string): Promise<PublicUser | null> {
    const row = await this.db.control.selectFrom('users').select(['id', 'email', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, email: row.email, name: row.name, createdAt: row.created_at } : null;
  }
}
