/** Passkeys: add and remove them on the account, and sign in with one (no password; counts as two-factor sign-in). */
import { createRoute, z } from '@hono/zod-openapi';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp } from '@storeloom/http';
import { requireAuth } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, UserSchema } from '../schemas.ts';
import { limit, startSession } from '../session.ts';
import type { Api } from '../context.ts';

const PasskeySchema = z
  .object({ id: z.string(), name: z.string(), backedUp: z.boolean(), createdAt: z.string(), lastUsedAt: z.string().nullable() })
  .openapi('Passkey');
/** The browser's WebAuthn answer as JSON (what @simplewebauthn/browser returns); verified by the server library. */
const CredentialJson = z
  .object({ id: z.string().max(1024), rawId: z.string().max(1024), type: z.literal('public-key'), response: z.record(z.string(), z.unknown()) })
  .passthrough()
  .openapi('WebAuthnCredentialJSON');
const Options = z.record(z.string(), z.unknown()).openapi('WebAuthnOptionsJSON', { description: 'PublicKeyCredential options as JSON (pass to the browser)' });

const listPasskeys = createRoute({
  operationId: 'listPasskeys',
  method: 'get',
  path: '/me/passkeys',
  tags: ['account security'],
  summary: 'Your passkeys',
  responses: { 200: jsonResponse(z.object({ data: z.array(PasskeySchema) }), 'Passkeys'), ...errorResponses(401) },
});

const registrationOptions = createRoute({
  operationId: 'passkeyRegistrationOptions',
  method: 'post',
  path: '/me/passkeys/options',
  tags: ['account security'],
  summary: 'Start adding a passkey: options for navigator.credentials.create()',
  responses: { 200: jsonResponse(Options, 'Creation options'), ...errorResponses(401, 403, 409, 429) },
});

const addPasskey = createRoute({
  operationId: 'addPasskey',
  method: 'post',
  path: '/me/passkeys',
  tags: ['account security'],
  summary: 'Finish adding a passkey with the browser’s answer; ends your other sessions',
  request: { body: jsonBody(z.object({ name: z.string().trim().max(80).default('Passkey'), credential: CredentialJson })) },
  responses: { 201: jsonResponse(PasskeySchema, 'Added'), ...errorResponses(400, 401, 403, 409, 415, 429) },
});

const removePasskey = createRoute({
  operationId: 'removePasskey',
  method: 'delete',
  path: '/me/passkeys/{passkeyId}',
  tags: ['account security'],
  summary: 'Remove a passkey',
  request: {
    params: z.object({
      passkeyId: z
        .string()
        .max(1024)
        .openapi({ param: { name: 'passkeyId', in: 'path' } }),
    }),
  },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

const signInOptions = createRoute({
  operationId: 'passkeySignInOptions',
  method: 'post',
  path: '/auth/passkey/options',
  tags: ['auth'],
  summary: 'Start a passkey sign-in: options for navigator.credentials.get()',
  responses: { 200: jsonResponse(Options, 'Request options'), ...errorResponses(429) },
});

const signIn = createRoute({
  operationId: 'passkeySignIn',
  method: 'post',
  path: '/auth/passkey',
  tags: ['auth'],
  summary: 'Sign in with a passkey (no password; user verification required)',
  request: { body: jsonBody(z.object({ credential: CredentialJson })) },
  responses: { 200: jsonResponse(z.object({ user: UserSchema }), 'Signed in; a new session cookie is set'), ...errorResponses(400, 401, 415, 429) },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function registerPasskeyRoutes(app: Api) {
  app.openapi(listPasskeys, async (c) => {
    const auth = requireAuth(c);
    const rows = await c.var.services.passkeys.list(auth.user.id);
    return c.json({ data: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), lastUsedAt: iso(r.lastUsedAt) })) }, 200);
  });

  app.openapi(registrationOptions, async (c) => {
    const auth = requireAuth(c);
    if (auth.method !== 'session') throw new AppError(ErrorCode.Forbidden, 'Sign in to add a passkey; API tokens cannot');
    await limit(c, `passkey-add:user:${auth.user.id}`, 20, 15 * 60);
    return c.json((await c.var.services.passkeys.registrationOptions(auth.user)) as unknown as Record<string, unknown>, 200);
  });

  app.openapi(addPasskey, async (c) => {
    const auth = requireAuth(c);
    if (auth.method !== 'session') throw new AppError(ErrorCode.Forbidden, 'Sign in to add a passkey; API tokens cannot');
    const { name, credential } = c.req.valid('json');
    await limit(c, `passkey-add:user:${auth.user.id}`, 20, 15 * 60);
    const p = await c.var.services.passkeys.register(auth.user.id, credential as unknown as RegistrationResponseJSON, name);
    // The account now counts as two-factor: sessions that began with the password alone must not inherit that.
    await c.var.services.sessions.revokeOthers(auth.user.id, auth.sessionId ?? null);
    return c.json({ ...p, createdAt: p.createdAt.toISOString(), lastUsedAt: iso(p.lastUsedAt) }, 201);
  });

  app.openapi(removePasskey, async (c) => {
    const auth = requireAuth(c);
    if (auth.method !== 'session') throw new AppError(ErrorCode.Forbidden, 'Sign in to remove a passkey; API tokens cannot');
    const { passkeyId } = c.req.valid('param');
    if (!(await c.var.services.passkeys.remove(auth.user.id, passkeyId))) throw new AppError(ErrorCode.NotFound, 'Passkey not found');
    return c.body(null, 204);
  });

  app.openapi(signInOptions, async (c) => {
    await limit(c, `passkey-signin:ip:${clientIp(c, c.var.services.config.trustProxy)}`, 60, 15 * 60);
    return c.json((await c.var.services.passkeys.authenticationOptions()) as unknown as Record<string, unknown>, 200);
  });

  app.openapi(signIn, async (c) => {
    const { credential } = c.req.valid('json');
    await limit(c, `passkey-signin:ip:${clientIp(c, c.var.services.config.trustProxy)}`, 60, 15 * 60);
    const { userId } = await c.var.services.passkeys.authenticate(credential as unknown as AuthenticationResponseJSON);
    const user = await c.var.services.users.get(userId);
    if (!user) throw new AppError(ErrorCode.InvalidCredentials, 'The passkey could not be verified; try again');
    await startSession(c, user.id);
    return c.json({ user: { id: user.id, email: user.email, name: user.name } }, 200);
  });
}
