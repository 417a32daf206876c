/**
 * Merchant account security: TOTP two-factor sign-in with recovery codes,
 * pending second-factor sign-ins, session "last seen" for the sessions page,
 * known devices (a mail goes out on a sign-in from a new one), and a store
 * setting that requires two-factor sign-in of everyone on the store's team.
 *
 * The TOTP secret must be readable to verify codes, so it is stored sealed
 * (AES-256-GCM under SECRETS_KEY, see packages/auth/src/secret-box.ts);
 * recovery codes, challenge tickets and device keys are stored as sha256 only.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('totp_secret_sealed', 'text')
    .addColumn('totp_enabled_at', 'timestamptz')
    // The last accepted time step: a code is never accepted twice (RFC 6238 section 5.2).
    .addColumn('totp_last_step', 'bigint')
    .execute();
  await db.schema
    .createTable('user_recovery_codes')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_recovery_codes_pkey', ['user_id', 'code_hash'])
    .execute();
  await db.schema
    .createTable('login_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('login_challenges_user_idx').on('login_challenges').column('user_id').execute();
  await db.schema
    .createTable('user_devices')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_devices_pkey', ['user_id', 'device_hash'])
    .execute();
  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'timestamptz').execute();
  await db.updateTable('sessions').set({ last_seen_at: sql`created_at` }).execute();
  await db.schema
    .alterTable('stores')
    .addColumn('require_two_factor', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}
