/**
 * Merchant account security: two-factor sign-in (TOTP + recovery codes), the
 * second step of a sign-in, the sessions page, and a store's "require
 * two-factor sign-in" policy. Changing the second factor ends the user's other
 * sessions, like a password change.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp } from '@storeloom/http';
import { requireAuth, requirePermission, storeAccess } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam, UserSchema } from '../schemas.ts';
import { limit, startSession } from '../session.ts';
import type { Api } from '../context.ts';

const Code = z.string().trim().min(6).max(20).openapi({ description: 'A 6-digit code from the authenticator app, or a recovery code (xxxxx-xxxxx)' });
const CurrentPassword = z.string().min(1).max(256);

const TwoFactorStatusSchema = z
  .object({ enabled: z.boolean(), enabledAt: z.string().nullable(), recoveryCodesLeft: z.number().int() })
  .openapi('TwoFactorStatus');
const RecoveryCodesSchema = z
  .object({ recoveryCodes: z.array(z.string()).openapi({ description: 'Shown once: each signs in one time when the authenticator is lost' }) })
  .openapi('RecoveryCodes');
const SessionSchema = z
  .object({
    id: z.string(),
    current: z.boolean(),
    device: z.string(),
    network: z.string().nullable().openapi({ description: 'The address truncated to its /24 (IPv4) or /48 (IPv6) network' }),
    createdAt: z.string(),
    lastSeenAt: z.string().nullable(),
    expiresAt: z.string(),
  })
  .openapi('Session');
const StoreSecuritySchema = z
  .object({
    requireTwoFactor: z.boolean(),
    members: z.array(z.object({ userId: z.string(), name: z.string(), role: z.string(), twoFactor: z.boolean() })),
  })
  .openapi('StoreSecurity');

const loginSecondStep = createRoute({
  operationId: 'completeTwoFactorLogin',
  method: 'post',
  path: '/auth/login/two-factor',
  tags: ['auth'],
  summary: 'Second step of a sign-in: the ticket from /auth/login and a code',
  request: { body: jsonBody(z.object({ ticket: z.string().min(1).max(200), code: Code })) },
  responses: {
    200: jsonResponse(z.object({ user: UserSchema }), 'Signed in; a new session cookie is set'),
    ...errorResponses(400, 401, 415, 429),
  },
});

const getStatus = createRoute({
  operationId: 'getTwoFactor',
  method: 'get',
  path: '/me/two-factor',
  tags: ['account security'],
  summary: 'Whether two-factor sign-in is on, and how many recovery codes are left',
  responses: { 200: jsonResponse(TwoFactorStatusSchema, 'Status'), ...errorResponses(401) },
});

const beginTotp = createRoute({
  operationId: 'beginTotpEnrolment',
  method: 'post',
  path: '/me/two-factor/totp',
  tags: ['account security'],
  summary: 'Start enrolling an authenticator app (needs the password); confirm with a code to turn it on',
  request: { body: jsonBody(z.object({ password: CurrentPassword })) },
  responses: {
    200: jsonResponse(z.object({ secret: z.string(), uri: z.string(), qrSvg: z.string() }).openapi('TotpEnrolment'), 'Scan the QR code or type the secret'),
    ...errorResponses(400, 401, 409, 415, 429),
    503: jsonResponse(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'SECRETS_KEY is not configured'),
  },
});

const confirmTotp = createRoute({
  operationId: 'confirmTotpEnrolment',
  method: 'post',
  path: '/me/two-factor/totp/confirm',
  tags: ['account security'],
  summary: 'Turn two-factor sign-in on with a code from the app; returns recovery codes once and ends other sessions',
  request: {
    body: jsonBody(
      z.object({
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/, '6 digits'),
      }),
    ),
  },
  responses: { 200: jsonResponse(RecoveryCodesSchema, 'On'), ...errorResponses(400, 401, 409, 415, 429) },
});

const disable = createRoute({
  operationId: 'disableTwoFactor',
  method: 'post',
  path: '/me/two-factor/disable',
  tags: ['account security'],
  summary: 'Turn two-factor sign-in off (password and a current code); ends other sessions',
  request: { body: jsonBody(z.object({ password: CurrentPassword, code: Code })) },
  responses: { 204: { description: 'Off' }, ...errorResponses(400, 401, 415, 429) },
});

const regenerateCodes = createRoute({
  operationId: 'regenerateRecoveryCodes',
  method: 'post',
  path: '/me/two-factor/recovery-codes',
  tags: ['account security'],
  summary: 'Replace the recovery codes (the old ones stop working)',
  request: { body: jsonBody(z.object({ password: CurrentPassword })) },
  responses: { 200: jsonResponse(RecoveryCodesSchema, 'New codes'), ...errorResponses(400, 401, 409, 415, 429) },
});

const listSessions = createRoute({
  operationId: 'listSessions',
  method: 'get',
  path: '/me/sessions',
  tags: ['account security'],
  summary: 'Your signed-in sessions (device, network, last seen)',
  responses: { 200: jsonResponse(z.object({ data: z.array(SessionSchema) }), 'Sessions'), ...errorResponses(401) },
});

const revokeSession = createRoute({
  operationId: 'revokeSession',
  method: 'delete',
  path: '/me/sessions/{sessionId}',
  tags: ['account security'],
  summary: 'End one session',
  request: {
    params: z.object({
      sessionId: z
        .string()
        .max(64)
        .openapi({ param: { name: 'sessionId', in: 'path' } }),
    }),
  },
  responses: { 204: { description: 'Ended' }, ...errorResponses(401, 403, 404) },
});

const revokeOthers = createRoute({
  operationId: 'revokeOtherSessions',
  method: 'post',
  path: '/me/sessions/revoke-others',
  tags: ['account security'],
  summary: 'End every session except this one',
  responses: { 200: jsonResponse(z.object({ revoked: z.number().int() }), 'Ended'), ...errorResponses(401, 403) },
});

const getStoreSecurity = createRoute({
  operationId: 'getStoreSecurity',
  method: 'get',
  path: '/stores/{storeId}/security',
  tags: ['team'],
  summary: "The store's sign-in policy and which members use two-factor sign-in",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(StoreSecuritySchema, 'Policy'), ...errorResponses(401, 403, 404) },
});

const updateStoreSecurity = createRoute({
  operationId: 'updateStoreSecurity',
  method: 'patch',
  path: '/stores/{storeId}/security',
  tags: ['team'],
  summary: 'Require two-factor sign-in of everyone on the team (owner only; the owner needs it first)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ requireTwoFactor: z.boolean() })) },
  responses: { 200: jsonResponse(StoreSecuritySchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 415) },
});

/** Sessions signed in with an API token have no session to keep; token callers cannot manage sign-in security. */
function requireSessionAuth(c: Parameters<typeof requireAuth>[0]) {
  const auth = requireAuth(c);
  if (auth.method !== 'session') throw new AppError(ErrorCode.Forbidden, 'Sign in with your password to change account security; API tokens cannot');
  return auth;
}

export function registerTwoFactorRoutes(app: Api) {
  app.openapi(loginSecondStep, async (c) => {
    const { ticket, code } = c.req.valid('json');
    const { twoFactor, users } = c.var.services;
    await limit(c, `2fa:ip:${clientIp(c, c.var.services.config.trustProxy)}`, 50, 15 * 60);
    const pending = await twoFactor.challengeOwner(ticket);
    if (!pending) throw new AppError(ErrorCode.InvalidToken, 'This sign-in has expired; enter your password again');
    // Per account, across tickets: someone holding the password cannot guess codes through many challenges.
    const accountKey = `2fa:acct:${pending}`;
    await limit(c, accountKey, 10, 15 * 60);
    const { userId } = await twoFactor.completeChallenge(ticket, code);
    await c.var.services.rateLimiter.reset(accountKey);
    const user = await users.get(userId);
    if (!user) throw new AppError(ErrorCode.InvalidToken, 'This sign-in has expired; enter your password again');
    await startSession(c, user.id);
    return c.json({ user: { id: user.id, email: user.email, name: user.name } }, 200);
  });

  app.openapi(getStatus, async (c) => {
    const auth = requireAuth(c);
    const s = await c.var.services.twoFactor.status(auth.user.id);
    return c.json({ enabled: s.enabled, enabledAt: s.enabledAt?.toISOString() ?? null, recoveryCodesLeft: s.recoveryCodesLeft }, 200);
  });

  app.openapi(beginTotp, async (c) => {
    const auth = requireSessionAuth(c);
    const { password } = c.req.valid('json');
    await limit(c, `2fa-setup:user:${auth.user.id}`, 10, 15 * 60);
    await c.var.services.users.verifyCredentials(auth.user.email, password);
    const enrolment = await c.var.services.twoFactor.beginTotp(auth.user.id, auth.user.email);
    return c.json(enrolment, 200);
  });

  app.openapi(confirmTotp, async (c) => {
    const auth = requireSessionAuth(c);
    const { code } = c.req.valid('json');
    await limit(c, `2fa-setup:user:${auth.user.id}`, 10, 15 * 60);
    const { recoveryCodes } = await c.var.services.twoFactor.confirmTotp(auth.user.id, code);
    await c.var.services.sessions.revokeOthers(auth.user.id, auth.sessionId ?? null);
    return c.json({ recoveryCodes }, 200);
  });

  app.openapi(disable, async (c) => {
    const auth = requireSessionAuth(c);
    const { password, code } = c.req.valid('json');
    await limit(c, `2fa-setup:user:${auth.user.id}`, 10, 15 * 60);
    await c.var.services.users.verifyCredentials(auth.user.email, password);
    await c.var.services.twoFactor.verify(auth.user.id, code);
    await c.var.services.twoFactor.disable(auth.user.id);
    await c.var.services.sessions.revokeOthers(auth.user.id, auth.sessionId ?? null);
    return c.body(null, 204);
  });

  app.openapi(regenerateCodes, async (c) => {
    const auth = requireSessionAuth(c);
    const { password } = c.req.valid('json');
    await limit(c, `2fa-setup:user:${auth.user.id}`, 10, 15 * 60);
    await c.var.services.users.verifyCredentials(auth.user.email, password);
    return c.json(await c.var.services.twoFactor.regenerateRecoveryCodes(auth.user.id), 200);
  });

  app.openapi(listSessions, async (c) => {
    const auth = requireAuth(c);
    const rows = await c.var.services.sessions.list(auth.user.id, auth.sessionId ?? null);
    return c.json(
      {
        data: rows.map((s) => ({
          ...s,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt?.toISOString() ?? null,
          expiresAt: s.expiresAt.toISOString(),
        })),
      },
      200,
    );
  });

  app.openapi(revokeSession, async (c) => {
    const auth = requireSessionAuth(c);
    const { sessionId } = c.req.valid('param');
    if (!(await c.var.services.sessions.revoke(auth.user.id, sessionId))) throw new AppError(ErrorCode.NotFound, 'Session not found');
    return c.body(null, 204);
  });

  app.openapi(revokeOthers, async (c) => {
    const auth = requireSessionAuth(c);
    const revoked = await c.var.services.sessions.revokeOthers(auth.user.id, auth.sessionId ?? null);
    return c.json({ revoked }, 200);
  });

  app.openapi(getStoreSecurity, async (c) => {
    requirePermission(c, Permission.ManageTeam);
    return c.json(await c.var.services.storeSecurity.get(c.var.store.id), 200);
  });

  app.openapi(updateStoreSecurity, async (c) => {
    requirePermission(c, Permission.ManageSecurity);
    const auth = requireAuth(c);
    const { requireTwoFactor } = c.req.valid('json');
    return c.json(await c.var.services.storeSecurity.setRequireTwoFactor(c.var.store.id, auth.user, requireTwoFactor, c.var.requestId), 200);
  });
}
