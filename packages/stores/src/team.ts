/**
 * A store's team: members with roles (owner/admin/staff), e-mailed
 * invitations, role changes, removal and ownership transfer. Rules are
 * enforced here (the console only hides what would be refused); every change
 * is audited in the same transaction, and a partial unique index keeps
 * exactly one owner per store.
 */
import { generateToken, type MailSink, normaliseEmail, sha256Hex } from '@storeloom/auth';
import { type Database, type InvitationRole, type MembershipRole, newId, sql, type Transaction, writeAudit } from '@storeloom/db';
import type { ControlDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { platformMail } from '@storeloom/mail';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface TeamActor {
  userId: string;
  role: MembershipRole;
  requestId?: string | null;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: MembershipRole;
  joinedAt: Date;
}

export interface InvitationView {
  id: string;
  email: string;
  role: InvitationRole;
  invitedBy: string | null;
  expiresAt: Date;
  expired: boolean;
  createdAt: Date;
}

const canManage = (role: MembershipRole) => role === 'owner' || role === 'admin';
const forbidden = (message: string) => new AppError(ErrorCode.Forbidden, message);
const invalidInvitation = () => new AppError(ErrorCode.InvalidToken, 'This invitation link is invalid, was revoked or has expired');

type Tx = Transaction<ControlDatabase>;

/** The member's row, locked for the rest of the transaction (a role change and a removal never interleave); 404 without one. */
async function lockMember(trx: Transaction<ControlDatabase>, storeId: string, userId: string) {
  const current = await trx
    .selectFrom('memberships')
    .select('role')
    .where('store_id', '=', storeId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new AppError(ErrorCode.NotFound, 'Member not found');
  return current;
}

export class TeamService {
  constructor(
    private readonly db: Database,
    private readonly mail: MailSink,
    /** Called after any membership change so cached access checks drop at once. */
    private readonly onMembershipChange: (storeId: string) => void = () => {},
  ) {}

  async list(storeId: string): Promise<{ members: MemberView[]; invitations: InvitationView[] }> {
    const [members, invitations] = await Promise.all([
      this.db.control
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
        .where('memberships.store_id', '=', storeId)
        .orderBy(sql`case memberships.role when 'owner' then 0 when 'admin' then 1 else 2 end`)
        .orderBy('memberships.created_at')
        .execute(),
      this.db.control
        .selectFrom('invitations')
        .selectAll()
        .where('store_id', '=', storeId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .execute(),
    ]);
    const now = Date.now();
    return {
      members: members.map((m) => ({ userId: m.id, email: m.email, name: m.name, role: m.role, joinedAt: m.created_at })),
      invitations: invitations.map((i) => ({
        id: i.id,
        email: i.email,
        role: i.role,
        invitedBy: i.invited_by,
        expiresAt: i.expires_at,
        expired: new Date(i.expires_at).getTime() <= now,
        createdAt: i.created_at,
      })),
    };
  }

  /**
   * Invites an address (admin or staff). Inviting an address that already has
   * an open invitation refreshes it: new link, new expiry, the given role.
   */
  async invite(
    store: { id: string; name: string },
    actor: TeamActor,
    input: { email: string; role: InvitationRole },
    publicUrl: string,
  ): Promise<{ invitation: InvitationView; refreshed: boolean }> {
    if (!canManage(actor.role)) throw forbidden('Only the owner or an admin may invite');
    if ((input.role as string) === 'owner') throw new AppError(ErrorCode.ValidationFailed, 'role: the owner cannot be invited; transfer ownership instead');
    const email = normaliseEmail(input.email);
    const token = generateToken(32);
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    const link = `${publicUrl.replace(/\/$/, '')}/invite?token=${token}`;
    // Two concurrent first invitations of one address: the loser's insert hits the
    // open-invitation index; running again takes the refresh path.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inviteOnce(store, actor, input.role, email, token, expiresAt, link);
      } catch (e) {
        if (attempt < 2 && isUniqueViolation(e, 'invitations_pending_key')) continue;
        throw e;
      }
    }
  }

  private async inviteOnce(
    store: { id: string; name: string },
    actor: TeamActor,
    role: InvitationRole,
    email: string,
    token: string,
    expiresAt: Date,
    link: string,
  ): Promise<{ invitation: InvitationView; refreshed: boolean }> {
    const input = { role };
    const result = await this.db.control.transaction().execute(async (trx) => {
      const member = await trx
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.id')
        .where('memberships.store_id', '=', store.id)
        .where('users.email', '=', email)
        .executeTakeFirst();
      if (member) throw new AppError(ErrorCode.Conflict, 'This person is already a member of the store');
      const inviter = await trx.selectFrom('users').select('name').where('id', '=', actor.userId).executeTakeFirst();
      const refreshed = await trx
        .updateTable('invitations')
        .set({ token_hash: sha256Hex(token), role: input.role, expires_at: expiresAt, invited_by: actor.userId, updated_at: new Date() })
        .where('store_id', '=', store.id)
        .where('email', '=', email)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      const row =
        refreshed ??
        (await trx
          .insertInto('invitations')
          .values({
            id: newId(),
            store_id: store.id,
            email,
            role: input.role,
            token_hash: sha256Hex(token),
            invited_by: actor.userId,
            expires_at: expiresAt,
            accepted_at: null,
            accepted_by: null,
            revoked_at: null,
            created_at: new Date(),
            updated_at: new Date(),
          })
          .returningAll()
          .executeTakeFirstOrThrow());
      // The invitee's console language when they already have an account, else English.
      const invitee = await trx.selectFrom('users').select('locale').where('email', '=', email).executeTakeFirst();
      const m = platformMail({ kind: 'team-invitation', inviter: inviter?.name ?? null, storeName: store.name, role, link }, invitee?.locale ?? null);
      await this.mail.enqueue({ kind: 'team-invitation', to: email, storeId: store.id, subject: m.subject, text: m.text, html: m.html }, trx);
      await writeAudit(trx, {
        storeId: store.id,
        actorUserId: actor.userId,
        action: refreshed ? 'team.invitation_refreshed' : 'team.invited',
        targetType: 'invitation',
        targetId: row.id,
        data: { email, role: input.role },
        requestId: actor.requestId ?? null,
      });
      return { row, refreshed: Boolean(refreshed) };
    });
    const r = result.row;
    return {
      refreshed: result.refreshed,
      invitation: { id: r.id, email: r.email, role: r.role, invitedBy: r.invited_by, expiresAt: r.expires_at, expired: false, createdAt: r.created_at },
    };
  }

  async revokeInvitation(storeId: string, actor: TeamActor, invitationId: string): Promise<void> {
    if (!canManage(actor.role)) throw forbidden('Only the owner or an admin may revoke invitations');
    await this.db.control.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('invitations')
        .set({ revoked_at: new Date(), updated_at: new Date() })
        .where('id', '=', invitationId)
        .where('store_id', '=', storeId)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .returning(['id', 'email'])
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.NotFound, 'Invitation not found');
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'team.invitation_revoked',
        targetType: 'invitation',
        targetId: row.id,
        data: { email: row.email },
        requestId: actor.requestId ?? null,
      });
    });
  }

  /** For the accept page: which store, which address, which role. */
  async preview(token: string): Promise<{ storeId: string; storeName: string; email: string; role: InvitationRole; accountExists: boolean }> {
    if (!/^[a-z2-7]{20,80}$/.test(token)) throw invalidInvitation();
    const row = await this.db.control
      .selectFrom('invitations')
      .innerJoin('stores', 'stores.id', 'invitations.store_id')
      .select(['invitations.store_id', 'stores.name', 'invitations.email', 'invitations.role'])
      .where('invitations.token_hash', '=', sha256Hex(token))
      .where('invitations.accepted_at', 'is', null)
      .where('invitations.revoked_at', 'is', null)
      .where('invitations.expires_at', '>', new Date())
      .where('stores.status', '!=', 'deleted')
      .executeTakeFirst();
    if (!row) throw invalidInvitation();
    const user = await this.db.control.selectFrom('users').select('id').where('email', '=', row.email).executeTakeFirst();
    return { storeId: row.store_id, storeName: row.name, email: row.email, role: row.role, accountExists: Boolean(user) };
  }

  /** The signed-in user joins with the invitation's role; their e-mail must be the invited one. */
  async accept(token: string, user: { id: string; email: string }, requestId?: string | null): Promise<{ storeId: string; role: InvitationRole }> {
    if (!/^[a-z2-7]{20,80}$/.test(token)) throw invalidInvitation();
    const result = await this.db.control.transaction().execute(async (trx) => {
      const inv = await trx
        .selectFrom('invitations')
        .innerJoin('stores', 'stores.id', 'invitations.store_id')
        .select(['invitations.id', 'invitations.store_id', 'invitations.email', 'invitations.role'])
        .where('invitations.token_hash', '=', sha256Hex(token))
        .where('invitations.accepted_at', 'is', null)
        .where('invitations.revoked_at', 'is', null)
        .where('invitations.expires_at', '>', new Date())
        .where('stores.status', '!=', 'deleted')
        .forUpdate('invitations')
        .executeTakeFirst();
      if (!inv) throw invalidInvitation();
      if (normaliseEmail(user.email) !== inv.email)
        throw new AppError(ErrorCode.Forbidden, `This invitation is for ${inv.email}; sign in with that address to accept it`);
      await this.acceptIn(trx, inv, user.id, requestId ?? null);
      return { storeId: inv.store_id, role: inv.role };
    });
    this.onMembershipChange(result.storeId);
    return result;
  }

  private async acceptIn(trx: Tx, inv: { id: string; store_id: string; role: InvitationRole }, userId: string, requestId: string | null) {
    // Already a member (e.g. invited twice across a race): keep the existing role.
    await trx
      .insertInto('memberships')
      .values({ store_id: inv.store_id, user_id: userId, role: inv.role, created_at: new Date() })
      .onConflict((oc) => oc.columns(['store_id', 'user_id']).doNothing())
      .execute();
    await trx.updateTable('invitations').set({ accepted_at: new Date(), accepted_by: userId, updated_at: new Date() }).where('id', '=', inv.id).execute();
    await writeAudit(trx, {
      storeId: inv.store_id,
      actorUserId: userId,
      action: 'team.invitation_accepted',
      targetType: 'user',
      targetId: userId,
      data: { invitationId: inv.id, role: inv.role },
      requestId,
    });
  }

  async changeRole(storeId: string, actor: TeamActor, userId: string, role: InvitationRole): Promise<MemberView> {
    if (!canManage(actor.role)) throw forbidden('Only the owner or an admin may change roles');
    if ((role as string) === 'owner') throw new AppError(ErrorCode.ValidationFailed, 'role: use ownership transfer to make someone the owner');
    await this.db.control.transaction().execute(async (trx) => {
      const current = await lockMember(trx, storeId, userId);
      if (current.role === 'owner') throw forbidden("The owner's role cannot be changed; transfer ownership instead");
      if (current.role === role) return;
      await trx.updateTable('memberships').set({ role }).where('store_id', '=', storeId).where('user_id', '=', userId).execute();
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'team.role_changed',
        targetType: 'user',
        targetId: userId,
        data: { from: current.role, to: role },
        requestId: actor.requestId ?? null,
      });
    });
    this.onMembershipChange(storeId);
    return (await this.member(storeId, userId)) as MemberView;
  }

  /** Admins and the owner remove others; anyone but the owner may leave. The owner is never removed. */
  async remove(storeId: string, actor: TeamActor, userId: string): Promise<void> {
    const leaving = userId === actor.userId;
    if (!leaving && !canManage(actor.role)) throw forbidden('Your role may not remove members');
    await this.db.control.transaction().execute(async (trx) => {
      const current = await lockMember(trx, storeId, userId);
      if (current.role === 'owner') throw forbidden('The owner cannot be removed; transfer ownership first');
      await trx.deleteFrom('memberships').where('store_id', '=', storeId).where('user_id', '=', userId).execute();
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: leaving ? 'team.left' : 'team.member_removed',
        targetType: 'user',
        targetId: userId,
        data: { role: current.role },
        requestId: actor.requestId ?? null,
      });
    });
    this.onMembershipChange(storeId);
  }

  /** Owner only, to an existing member; the old owner becomes an admin, in one transaction. */
  async transferOwnership(storeId: string, actor: TeamActor, toUserId: string): Promise<void> {
    if (toUserId === actor.userId) throw new AppError(ErrorCode.ValidationFailed, 'userId: you already own this store');
    await this.db.control
      .transaction()
      .execute(async (trx) => {
        const rows = await trx
          .selectFrom('memberships')
          .select(['user_id', 'role'])
          .where('store_id', '=', storeId)
          .where('user_id', 'in', [actor.userId, toUserId])
          .orderBy('user_id')
          .forUpdate()
          .execute();
        const me = rows.find((r) => r.user_id === actor.userId);
        const target = rows.find((r) => r.user_id === toUserId);
        // Checked on the locked rows, not the role cached for the request.
        if (me?.role !== 'owner') throw forbidden('Only the owner may transfer ownership');
        if (!target) throw new AppError(ErrorCode.NotFound, 'Member not found');
        await trx.updateTable('memberships').set({ role: 'admin' }).where('store_id', '=', storeId).where('user_id', '=', actor.userId).execute();
        await trx.updateTable('memberships').set({ role: 'owner' }).where('store_id', '=', storeId).where('user_id', '=', toUserId).execute();
        await writeAudit(trx, {
          storeId,
          actorUserId: actor.userId,
          action: 'team.ownership_transferred',
          targetType: 'user',
          targetId: toUserId,
          data: { from: actor.userId, to: toUserId, previousRole: target.role },
          requestId: actor.requestId ?? null,
        });
      })
      .catch((e) => {
        if (isUniqueViolation(e, 'memberships_one_owner')) throw new AppError(ErrorCode.Conflict, 'Ownership changed meanwhile; reload and try again');
        throw e;
      });
    this.onMembershipChange(storeId);
  }

  async member(storeId: string, userId: string): Promise<MemberView | null> {
    const m = await this.db.control
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
      .where('memberships.store_id', '=', storeId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
    return m ? { userId: m.id, email: m.email, name: m.name, role: m.role, joinedAt: m.created_at } : null;
  }
}
