import { createHash } from 'node:crypto';
/** Account self-service: password reset by mail, password change, profile/console language, developer outbox. */
import { createRoute, z } from '@hono/zod-openapi';
import { CONSOLE_LOCALES, normaliseEmail } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp } from '@storeloom/http';
import { requireAuth } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, TwoFactorChallengeSchema } from '../schemas.ts';
import { kickMailDelivery } from '../mail.ts';
import { limit, startSession } from '../session.ts';
import type { Api } from '../context.ts';

const Email = z.string().trim().max(254).email();
const Password = z.string().min(10, 'at least 10 characters').max(256);
const Locale = z.enum(CONSOLE_LOCALES);
const ProfileSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), locale: Locale.nullable() }).openapi('Profile');

const requestReset = createRoute({
  operationId: 'requestPasswordReset',
  method: 'post',
  path: '/auth/password-reset',
  tags: ['auth'],
  summary: 'Mail a password reset link (same answer whether or not the address has an account)',
  request: { body: jsonBody(z.object({ email: Email })) },
  responses: { 202: jsonResponse(z.object({ ok: z.literal(true) }), 'If the address has an account, a link is on its way'), ...errorResponses(400, 415, 429) },
});

const confirmReset = createRoute({
  operationId: 'confirmPasswordReset',
  method: 'post',
  path: '/auth/password-reset/confirm',
  tags: ['auth'],
  summary: 'Set a new password with a reset token; ends all sessions and signs in',
  request: { body: jsonBody(z.object({ token: z.string().min(1).max(200), password: Password })) },
  responses: {
    200: jsonResponse(
      z.union([z.object({ user: z.object({ id: z.string(), email: z.string(), name: z.string() }) }), TwoFactorChallengeSchema]),
      'Password set; a new session cookie is set, or (two-factor sign-in on) a ticket for POST /auth/login/two-factor',
    ),
    ...errorResponses(400, 415, 429),
  },
});

const changePassword = createRoute({
  operationId: 'changePassword',
  method: 'post',
  path: '/me/password',
  tags: ['auth'],
  summary: 'Change password (needs the current one); other sessions end',
  request: { body: jsonBody(z.object({ currentPassword: z.string().min(1).max(256), newPassword: Password })) },
  responses: { 204: { description: 'Changed' }, ...errorResponses(400, 401, 415, 429) },
});

const patchMe = createRoute({
  operationId: 'updateMe',
  method: 'patch',
  path: '/me',
  tags: ['auth'],
  summary: 'Update your name or console language',
  request: { body: jsonBody(z.object({ name: z.string().trim().min(1).max(100).optional(), locale: Locale.nullable().optional() })) },
  responses: { 200: jsonResponse(z.object({ user: ProfileSchema }), 'Updated'), ...errorResponses(400, 401, 415) },
});

const OutboxEntrySchema = z
  .object({
    id: z.string(),
    storeId: z.string().nullable(),
    kind: z.string(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable(),
    status: z.enum(['pending', 'sent', 'failed']),
    createdAt: z.string(),
  })
  .openapi('OutboxMessage');

const devOutbox = createRoute({
  operationId: 'listDevOutbox',
  method: 'get',
  path: '/dev/outbox',
  tags: ['developer'],
  summary: 'Mail kept in the local outbox, newest first (only without SMTP and outside production)',
  request: { query: z.object({ to: z.string().max(254).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(OutboxEntrySchema) }), 'Messages'), ...errorResponses(404) },
});

export function registerAccountRoutes(app: Api) {
  app.openapi(requestReset, async (c) => {
    const { email } = c.req.valid('json');
    const ip = clientIp(c, c.var.services.config.trustProxy);
    await limit(c, `reset:ip:${ip}`, 20, 3600);
    // Per account + client IP, so requests from elsewhere never stop the owner's own (issue 15: 5 requests from anyone
    // used to lock the reset for an hour). Past 5 mails an hour to one address, further requests answer the same but
    // mail nothing new (the links already mailed keep working).
    const account = normaliseEmail(email);
    await limit(c, `reset:acct-ip:${createHash('sha256').update(account).digest('hex').slice(0, 32)}:${ip}`, 5, 3600);
    const mailBudget = await c.var.services.rateLimiter.hit(`reset:mails:${createHash('sha256').update(account).digest('hex').slice(0, 32)}`, 5, 3600);
    if (mailBudget.allowed) {
      // The same work whether or not the address has an account (a mail either way), so neither the answer nor its
      // timing tells accounts apart (issue 15).
      await c.var.services.accounts.requestPasswordReset(email, c.var.services.config.publicUrl, c.req.header('accept-language') ?? null);
      kickMailDelivery(c);
    }
    return c.json({ ok: true }, 202);
  });

  app.openapi(confirmReset, async (c) => {
    const { token, password } = c.req.valid('json');
    await limit(c, `reset-confirm:ip:${clientIp(c, c.var.services.config.trustProxy)}`, 30, 900);
    const user = await c.var.services.accounts.resetPassword(token, password);
    // The reset revoked the user's API tokens; this process forgets its cached copies at once (others within 5 s).
    c.var.services.apiTokens.forgetCached();
    // A mailed link proves the mailbox, not the second factor: with two-factor on, signing in still needs a code.
    if (await c.var.services.twoFactor.secondFactorRequired(user.id)) {
      const ip = clientIp(c, c.var.services.config.trustProxy);
      const { ticket, expiresAt } = await c.var.services.twoFactor.createChallenge(user.id, { ip, userAgent: c.req.header('user-agent') ?? null });
      return c.json({ twoFactorRequired: true as const, ticket, expiresAt: expiresAt.toISOString() }, 200);
    }
    await startSession(c, user.id);
    return c.json({ user }, 200);
  });

  app.openapi(changePassword, async (c) => {
    const auth = requireAuth(c);
    const { currentPassword, newPassword } = c.req.valid('json');
    await limit(c, `password-change:user:${auth.user.id}`, 10, 900);
    await c.var.services.accounts.changePassword(auth.user.id, currentPassword, newPassword, auth.sessionId ?? null);
    return c.body(null, 204);
  });

  app.openapi(patchMe, async (c) => {
    const auth = requireAuth(c);
    const body = c.req.valid('json');
    if (Object.keys(body).length === 0) throw new AppError(ErrorCode.ValidationFailed, 'Nothing to update');
    const user = await c.var.services.accounts.updateProfile(auth.user.id, body);
    if (!user) throw new AppError(ErrorCode.NotFound, 'User not found');
    return c.json({ user }, 200);
  });

  app.openapi(devOutbox, async (c) => {
    const { config, mail } = c.var.services;
    if (!(config.devOutbox ?? !config.smtpUrl) || mail.transportKind !== 'local') throw new AppError(ErrorCode.NotFound, 'No such route');
    const { to, limit: n } = c.req.valid('query');
    const rows = await mail.list({ ...(to ? { to } : {}), limit: n });
    return c.json(
      {
        data: rows.map((r) => ({
          id: r.id,
          storeId: r.storeId,
          kind: r.kind,
          to: r.to,
          subject: r.subject,
          text: r.text,
          html: r.html,
          status: r.status,
          createdAt: r.createdAt,
        })),
      },
      200,
    );
  });
}
