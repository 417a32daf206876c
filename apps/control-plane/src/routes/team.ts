/** A store's team: members, invitations, roles, ownership transfer. Rules live in TeamService; routes only translate. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp } from '@storeloom/http';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth, requirePermission, storeAccess, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import { kickMailDelivery } from '../mail.ts';
import { limit, startSession } from '../session.ts';
import type { Api } from '../context.ts';

const InvitableRole = z.enum(['admin', 'staff']);

const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role: z.enum(['owner', 'admin', 'staff']), joinedAt: z.string() })
  .openapi('Member');
const InvitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: InvitableRole,
    invitedBy: z.string().nullable(),
    expiresAt: z.string(),
    expired: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('Invitation');
const TeamSchema = z.object({ members: z.array(MemberSchema), invitations: z.array(InvitationSchema) }).openapi('Team');

const actorOf = (c: Context<AppEnv>) => ({ userId: requireAuth(c).user.id, role: c.var.role, requestId: c.var.requestId });

const getTeam = createRoute({
  operationId: 'getTeam',
  method: 'get',
  path: '/stores/{storeId}/team',
  tags: ['team'],
  summary: 'Members and open invitations',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(TeamSchema, 'The team'), ...errorResponses(401, 404) },
});

const invite = createRoute({
  operationId: 'inviteMember',
  method: 'post',
  path: '/stores/{storeId}/invitations',
  tags: ['team'],
  summary: 'Invite someone by e-mail as admin or staff (owner/admin only). Inviting an address again refreshes its invitation.',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ email: z.string().trim().max(254).email(), role: InvitableRole })) },
  responses: {
    201: jsonResponse(z.object({ invitation: InvitationSchema, refreshed: z.boolean() }), 'Invited (a link was mailed)'),
    ...errorResponses(400, 401, 403, 404, 409, 429),
  },
});

const revokeInvitation = createRoute({
  operationId: 'revokeInvitation',
  method: 'delete',
  path: '/stores/{storeId}/invitations/{invitationId}',
  tags: ['team'],
  summary: 'Revoke an open invitation',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ invitationId: z.string() }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
});

const changeRole = createRoute({
  operationId: 'changeMemberRole',
  method: 'patch',
  path: '/stores/{storeId}/members/{userId}',
  tags: ['team'],
  summary: "Change a member's role (admin/staff; the owner's role changes only by transfer)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ userId: z.string() }), body: jsonBody(z.object({ role: InvitableRole })) },
  responses: { 200: jsonResponse(MemberSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});

const removeMember = createRoute({
  operationId: 'removeMember',
  method: 'delete',
  path: '/stores/{storeId}/members/{userId}',
  tags: ['team'],
  summary: 'Remove a member (owner/admin), or leave the store (your own id). The owner cannot be removed.',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ userId: z.string() }) },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

const transfer = createRoute({
  operationId: 'transferOwnership',
  method: 'post',
  path: '/stores/{storeId}/transfer-ownership',
  tags: ['team'],
  summary: 'Make another member the owner (owner only); you become an admin',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ userId: z.string().uuid() })) },
  responses: { 200: jsonResponse(TeamSchema, 'Transferred; the new team'), ...errorResponses(400, 401, 403, 404, 409) },
});

const previewInvitation = createRoute({
  operationId: 'previewInvitation',
  method: 'get',
  path: '/invitations/preview',
  'x-token-scope': 'session',
  tags: ['team'],
  summary: 'What an invitation link is for (public: the accept page shows it before sign-in)',
  request: { query: z.object({ token: z.string().min(1).max(200) }) },
  responses: {
    200: jsonResponse(
      z.object({ storeId: z.string(), storeName: z.string(), email: z.string(), role: InvitableRole, accountExists: z.boolean() }),
      'The invitation',
    ),
    ...errorResponses(400, 429),
  },
});

const acceptInvitation = createRoute({
  operationId: 'acceptInvitation',
  method: 'post',
  path: '/invitations/accept',
  'x-token-scope': 'session',
  tags: ['team'],
  summary: 'Accept an invitation: signed in with the invited address, or sign up with it (name + password) through the link',
  request: {
    body: jsonBody(
      z.object({ token: z.string().min(1).max(200), name: z.string().trim().min(1).max(100).optional(), password: z.string().min(10).max(256).optional() }),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({ storeId: z.string(), role: InvitableRole, user: z.object({ id: z.string(), email: z.string(), name: z.string() }) }),
      'Joined the store',
    ),
    ...errorResponses(400, 401, 403, 409, 429),
  },
});

export function registerTeamRoutes(app: Api) {
  app.openapi(getTeam, async (c) => {
    requirePermission(c, Permission.ReadStore);
    return c.json(await c.var.services.team.list(c.var.store.id), 200);
  });

  app.openapi(invite, async (c) => {
    requirePermission(c, Permission.ManageTeam);
    const body = c.req.valid('json');
    // Bounds the mail a compromised admin account could send through us.
    await limit(c, `invite:store:${c.var.store.id}`, 100, 3600);
    await c.var.services.billing.assertWithinPlan(c.var.store, 'staffSeats');
    const r = await c.var.services.team.invite(c.var.store, actorOf(c), body, c.var.services.config.publicUrl);
    kickMailDelivery(c);
    return c.json(r, 201);
  });

  app.openapi(revokeInvitation, async (c) => {
    requirePermission(c, Permission.ManageTeam);
    await c.var.services.team.revokeInvitation(c.var.store.id, actorOf(c), uuidParam(c, 'invitationId', 'Invitation'));
    return c.body(null, 204);
  });

  app.openapi(changeRole, async (c) => {
    const userId = uuidParam(c, 'userId', 'Member');
    requirePermission(c, Permission.ManageTeam);
    return c.json(await c.var.services.team.changeRole(c.var.store.id, actorOf(c), userId, c.req.valid('json').role), 200);
  });

  app.openapi(removeMember, async (c) => {
    const userId = uuidParam(c, 'userId', 'Member');
    const actor = actorOf(c);
    if (userId !== actor.userId) requirePermission(c, Permission.ManageTeam);
    await c.var.services.team.remove(c.var.store.id, actor, userId);
    return c.body(null, 204);
  });

  app.openapi(transfer, async (c) => {
    requirePermission(c, Permission.TransferOwnership);
    await c.var.services.team.transferOwnership(c.var.store.id, actorOf(c), c.req.valid('json').userId);
    return c.json(await c.var.services.team.list(c.var.store.id), 200);
  });

  app.openapi(previewInvitation, async (c) => {
    await limit(c, `invite-preview:ip:${clientIp(c, c.var.services.config.trustProxy)}`, 60, 900);
    return c.json(await c.var.services.team.preview(c.req.valid('query').token), 200);
  });

  app.openapi(acceptInvitation, async (c) => {
    const { token, name, password } = c.req.valid('json');
    await limit(c, `invite-accept:ip:${clientIp(c, c.var.services.config.trustProxy)}`, 30, 900);
    const { team, users } = c.var.services;
    let user = c.var.auth?.user;
    if (!user) {
      if (!name || !password) throw new AppError(ErrorCode.Unauthenticated, 'Sign in, or send name and password to create an account with the invited address');
      // Holding the link proves the address: the account is created with the invited e-mail, never one from the body.
      const inv = await team.preview(token);
      const created = await users.signup({ email: inv.email, password, name });
      user = { id: created.id, email: created.email, name: created.name, twoFactor: false };
      await startSession(c, user.id);
    }
    const r = await team.accept(token, user, c.var.requestId);
    return c.json({ ...r, user: { id: user.id, email: user.email, name: user.name } }, 200);
  });
}
