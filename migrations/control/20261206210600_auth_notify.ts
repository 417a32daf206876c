import { type Kysely, sql } from 'kysely';

/**
 * Who-may-do-what changes are announced at commit on the `storeloom_auth` channel (issue 23), so every process's
 * in-memory caches of validated sessions, API tokens and store access drop them at once, whichever process or path
 * (API, password reset, account deletion, plain SQL) made the change:
 * - `user <id>`: a session ended or shortened, a token revoked/changed/deleted, the user's name, e-mail, password or
 *   second factor (TOTP, passkeys) changed, the user deleted;
 * - `store <id>`: a store row changed or was deleted, a membership added, changed or removed.
 * Inserts of sessions and tokens and the last-seen/last-used touches announce nothing (nothing cached is outdated).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function control.storeloom_auth_notify() returns trigger language plpgsql as $$
    begin
      -- tg_argv: the kind ('user' or 'store') and the column holding its id.
      if tg_op in ('UPDATE', 'DELETE') then
        perform pg_notify('storeloom_auth', tg_argv[0] || ' ' || (to_jsonb(old) ->> tg_argv[1]));
      end if;
      if tg_op in ('UPDATE', 'INSERT') then
        perform pg_notify('storeloom_auth', tg_argv[0] || ' ' || (to_jsonb(new) ->> tg_argv[1]));
      end if;
      return null;
    end $$`.execute(db);
  const triggers: [table: string, events: string, kind: string, column: string][] = [
    ['sessions', 'delete or update of expires_at, user_id', 'user', 'user_id'],
    ['api_tokens', 'delete or update of revoked_at, scopes, expires_at, user_id, token_hash', 'user', 'user_id'],
    ['users', 'delete or update of email, name, password_hash, totp_enabled_at', 'user', 'id'],
    ['user_passkeys', 'insert or delete or update of user_id', 'user', 'user_id'],
    ['memberships', 'insert or delete or update', 'store', 'store_id'],
    ['stores', 'delete or update', 'store', 'id'],
  ];
  for (const [table, events, kind, column] of triggers) {
    await sql
      .raw(
        `create trigger ${table}_auth_notify after ${events} on control.${table} for each row execute function control.storeloom_auth_notify('${kind}', '${column}')`,
      )
      .execute(db);
  }
}
