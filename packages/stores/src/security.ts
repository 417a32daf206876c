/**
 * A store's sign-in policy: the owner may require two-factor sign-in of
 * everyone on the team. The API then refuses the store to members without it
 * (403 two_factor_required, apps/control-plane/src/guards.ts), tokens included.
 */
import { hasSecondFactor } from '@storeloom/auth';
import { type Database, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { sql } from 'kysely';

export interface StoreSecurityView {
  requireTwoFactor: boolean;
  members: { userId: string; name: string; role: string; twoFactor: boolean }[];
}

export class StoreSecurityService {
  constructor(
    private readonly db: Database,
    /** Called after the policy changes so cached access checks drop at once. */
    private readonly onChange: (storeId: string) => void = () => {},
  ) {}

  async get(storeId: string): Promise<StoreSecurityView> {
    const [store, members] = await Promise.all([
      this.db.control.selectFrom('stores').select('require_two_factor').where('id', '=', storeId).executeTakeFirstOrThrow(),
      this.db.control
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.name', 'memberships.role'])
        .select((eb) => hasSecondFactor(eb).as('second_factor'))
        .where('memberships.store_id', '=', storeId)
        .orderBy(sql`case memberships.role when 'owner' then 0 when 'admin' then 1 else 2 end`)
        .orderBy('memberships.created_at')
        .execute(),
    ]);
    return {
      requireTwoFactor: store.require_two_factor,
      members: members.map((m) => ({ userId: m.id, name: m.name, role: m.role, twoFactor: Boolean(m.second_factor) })),
    };
  }

  /** Turning the requirement on needs the owner's own two-factor sign-in first, so nobody locks themselves out. */
  async setRequireTwoFactor(storeId: string, actor: { id: string; twoFactor: boolean }, value: boolean, requestId?: string): Promise<StoreSecurityView> {
    if (value && !actor.twoFactor) {
      throw new AppError(ErrorCode.InvalidState, 'Turn on two-factor sign-in for your own account before requiring it of your team');
    }
    await this.db.control.transaction().execute(async (trx) => {
      await trx.updateTable('stores').set({ require_two_factor: value, updated_at: new Date() }).where('id', '=', storeId).execute();
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.id,
        action: value ? 'store.two_factor_required' : 'store.two_factor_not_required',
        targetType: 'store',
        targetId: storeId,
        requestId: requestId ?? null,
      });
    });
    this.onChange(storeId);
    return this.get(storeId);
  }
}
