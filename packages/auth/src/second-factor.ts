/**
 * One definition of "this account has a second factor": an authenticator app
 * (TOTP turned on) or at least one passkey. Sessions, API tokens, a store's
 * two-factor policy and the password sign-in all read it from here.
 */
import type { ControlDatabase } from '@storeloom/db';
import type { ExpressionBuilder } from 'kysely';

export function hasSecondFactor(eb: ExpressionBuilder<ControlDatabase, 'users'>) {
  return eb.or([
    eb('users.totp_enabled_at', 'is not', null),
    eb.exists(eb.selectFrom('user_passkeys').select('user_passkeys.id').whereRef('user_passkeys.user_id', '=', 'users.id')),
  ]);
}
