import { createRoute, z } from '@hono/zod-openapi';
import { generateToken, LoginThrottle, normaliseEmail } from '@storeloom/auth';
import { newId } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp } from '@storeloom/http';
import { platformMail } from '@storeloom/mail';
import { requireAuth } from '../guards.ts';
import { toStoreJson } from '../presenters.ts';
import { errorResponses, jsonBody, jsonResponse, StoreSchema, TwoFactorChallengeSchema, UserSchema } from '../schemas.ts';
import { kickMailDelivery } from '../mail.ts';
import { limit, startSession } from '../session.ts';
import type { Api } from '../context.ts';

const Email = z.string().trim().max(254).email();
const Password = z.string().min(10, 'at least 10 characters').max(256);

const signup = createRoute({
  operationId: 'signUp',
  method: 'post',
  path: '/auth/signup',
  tags: ['auth'],
  summary: 'Create a merchant account and sign in',
  request: { body: jsonBody(z.object({ email: Email, password: Password, name: z.string().trim().min(1).max(100) })) },
  responses: { 201: jsonResponse(z.object({ user: UserSchema }), 'Signed up; the session cookie is set'), ...errorResponses(400, 409, 415, 429) },
});

const login = createRoute({
  operationId: 'logIn',
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Sign in with email and password',
  request: { body: jsonBody(z.object({ email: Email, password: z.string().min(1).max(256) })) },
  responses: {
    200: jsonResponse(
      z.union([z.object({ user: UserSchema }), TwoFactorChallengeSchema]),
      'Signed in (a new session cookie is set), or, with two-factor sign-in on, a ticket for POST /auth/login/two-factor',
    ),
    ...errorResponses(400, 401, 415, 429),
  },
});

const logout = createRoute({
  operationId: 'logOut',
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'End the current session',
  responses: { 204: { description: 'Signed out' }, ...errorResponses(403) },
});

const MeSchema = z.object({
  user: UserSchema.extend({ locale: z.enum(['en', 'zh-CN']).nullable().openapi({ description: 'Preferred console language; null = browser' }) }),
  stores: z.array(StoreSchema),
});

const me = createRoute({
  operationId: 'getMe',
  method: 'get',
  path: '/me',
  tags: ['auth'],
  'x-token-scope': 'any',
  summary: 'The signed-in user and their stores',
  responses: {
    200: jsonResponse(MeSchema, 'Current user'),
    ...errorResponses(401),
  },
});

const session = createRoute({
  operationId: 'getSession',
  method: 'get',
  path: '/auth/session',
  tags: ['auth'],
  summary: 'Whether a session is signed in, and if so the user and their stores (200 either way)',
  description:
    "The console's probe on load: signed out is an answer, not an error, so a visitor's first page does not log a 401. " +
    'GET /me stays the authenticated read (401 without a session).',
  responses: {
    200: jsonResponse(
      z.union([z.object({ signedIn: z.literal(false) }), MeSchema.extend({ signedIn: z.literal(true) })]),
      'signedIn false without a session; otherwise the same body as GET /me with signedIn true',
    ),
    ...errorResponses(429),
  },
});

const LOGIN_WINDOW = 15 * 60;
const LOGIN_PER_IP = 50;
const SIGNUP_PER_IP = 20;

/** Someone signed up with an address that has an account: tell its owner (and how to get back in). */
async function mailExistingAccount(c: Parameters<Parameters<Api['openapi']>[1]>[0], email: string) {
  const base = c.var.services.config.publicUrl.replace(/\/$/, '');
  const locale = await c.var.services.users.localeOf(email);
  // The account's console language, else the language the sign-up page was read in.
  const m = platformMail(
    { kind: 'signup-existing-account', loginUrl: `${base}/login`, resetUrl: `${base}/forgot-password` },
    locale ?? c.req.header('accept-language') ?? null,
    base,
  );
  await c.var.services.mail.enqueue({ kind: 'signup-existing-account', to: email, subject: m.subject, text: m.text, html: m.html });
  kickMailDelivery(c);
}

export function registerAuthRoutes(app: Api) {
  app.openapi(signup, async (c) => {
    const body = c.req.valid('json');
    const ip = clientIp(c, c.var.services.config.trustProxy);
    await limit(c, `signup:ip:${ip}`, SIGNUP_PER_IP, 3600);
    let user: Awaited<ReturnType<typeof c.var.services.users.signup>>;
    try {
      user = await c.var.services.users.signup(body);
    } catch (e) {
      if (!(e instanceof AppError && e.code === ErrorCode.EmailTaken)) throw e;
      // An address that has an account answers exactly like a new one (issue 15: 409 email_taken told accounts
      // apart): 201 with a user and a session cookie, neither of which exists; the owner gets a mail instead.
      await mailExistingAccount(c, normaliseEmail(body.email));
      c.header('Set-Cookie', c.var.services.sessions.cookie(generateToken(20), new Date(Date.now() + 30 * 86_400_000)), { append: true });
      return c.json({ user: { id: newId(), email: normaliseEmail(body.email), name: body.name.trim() } }, 201);
    }
    await startSession(c, user.id);
    return c.json({ user: { id: user.id, email: user.email, name: user.name } }, 201);
  });

  app.openapi(login, async (c) => {
    const { email, password } = c.req.valid('json');
    const ip = clientIp(c, c.var.services.config.trustProxy);
    await limit(c, `login:ip:${ip}`, LOGIN_PER_IP, LOGIN_WINDOW);
    // Backoff per account + client IP (and a short, capped one per account), never a hard lock: a stranger failing on
    // purpose from other addresses cannot keep the owner out (issue 15).
    const throttle = new LoginThrottle(c.var.services.db, 'cp-login');
    const account = normaliseEmail(email);
    const wait = await throttle.waitSeconds(account, ip);
    if (wait > 0) throw new AppError(ErrorCode.RateLimited, 'Too many failed sign-ins; try again later', { headers: { 'Retry-After': String(wait) } });
    let user: Awaited<ReturnType<typeof c.var.services.users.verifyCredentials>>;
    try {
      user = await c.var.services.users.verifyCredentials(email, password);
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.InvalidCredentials) await throttle.failed(account, ip);
      throw e;
    }
    await throttle.succeeded(account, ip);
    if (await c.var.services.twoFactor.secondFactorRequired(user.id)) {
      // The password was right; the session starts only after the second factor (POST /auth/login/two-factor).
      const { ticket, expiresAt } = await c.var.services.twoFactor.createChallenge(user.id, { ip, userAgent: c.req.header('user-agent') ?? null });
      return c.json({ twoFactorRequired: true as const, ticket, expiresAt: expiresAt.toISOString() }, 200);
    }
    await startSession(c, user.id);
    return c.json({ user: { id: user.id, email: user.email, name: user.name } }, 200);
  });

  app.openapi(logout, async (c) => {
    const auth = c.var.auth;
    if (auth?.sessionId) await c.var.services.sessions.invalidate(auth.sessionId);
    c.header('Set-Cookie', c.var.services.sessions.blankCookie(), { append: true });
    return c.body(null, 204);
  });

  const meOf = async (c: Parameters<Parameters<Api['openapi']>[1]>[0], auth: ReturnType<typeof requireAuth>) => {
    const [stores, profile] = await Promise.all([c.var.services.stores.access.listForUser(auth.user.id), c.var.services.accounts.profile(auth.user.id)]);
    return {
      user: { id: auth.user.id, email: auth.user.email, name: auth.user.name, locale: profile?.locale ?? null },
      stores: stores.map((s) => toStoreJson(c.var.services.config, s)),
    };
  };

  app.openapi(me, async (c) => c.json(await meOf(c, requireAuth(c)), 200));

  app.openapi(session, async (c) => {
    const auth = c.var.auth;
    // A session only: an API token is not a console sign-in (the auth tag is session-only anyway).
    if (!auth || auth.method === 'token') return c.json({ signedIn: false as const }, 200);
    return c.json({ signedIn: true as const, ...(await meOf(c, auth)) }, 200);
  });
}
