import { type Kysely, sql } from 'kysely';

/**
 * Merchant console: password reset tokens, team invitations, custom-domain
 * verification, a user's console language and the per-store job ledger.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Migrations get a schema-qualified builder: raw SQL would miss the schema, so only the builder is used.
  await db.schema.alterTable('users').addColumn('locale', 'text').execute();
  await db.schema.alterTable('users').addCheckConstraint('users_locale_check', sql`locale is null or locale in ('en','zh-CN')`).execute();

  // Only sha256(token) is stored; a token is single-use (used_at) and expires.
  await db.schema
    .createTable('password_reset_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('password_reset_tokens_user_idx').on('password_reset_tokens').column('user_id').execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('store_id', 'uuid', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('invitations_role_check', sql`role in ('admin','staff')`)
    .addCheckConstraint('invitations_email_lower', sql`email = lower(email)`)
    .execute();
  // One open invitation per store and address: inviting again refreshes it.
  await db.schema
    .createIndex('invitations_pending_key')
    .on('invitations')
    .columns(['store_id', 'email'])
    .unique()
    .where(sql.ref('accepted_at'), 'is', null)
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();

  // Exactly one owner per store, whatever races an ownership transfer meets.
  await db.schema.createIndex('memberships_one_owner').on('memberships').column('store_id').unique().where(sql.ref('role'), '=', 'owner').execute();

  await db.schema.alterTable('stores').addColumn('custom_domain_token', 'text').execute();
  await db.schema.alterTable('stores').addColumn('custom_domain_verified_at', 'timestamptz').execute();

  // Store jobs as the console shows them: written at enqueue, updated by the worker.
  await db.schema
    .createTable('store_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('store_id', 'uuid', (c) => c.notNull())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('waiting'))
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('error', 'text')
    .addColumn('result', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('store_jobs_state_check', sql`state in ('waiting','active','completed','failed')`)
    .execute();
  await db.schema.createIndex('store_jobs_queue_job_key').on('store_jobs').columns(['queue', 'job_id']).unique().execute();
  await db.schema.createIndex('store_jobs_store_idx').on('store_jobs').columns(['store_id', 'id']).execute();
}
