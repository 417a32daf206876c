import { createRoute, z } from '@hono/zod-openapi';
import { API_SCOPES } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requireAuth, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse } from '../schemas.ts';
import type { Api } from '../context.ts';

const Scope = z.enum(API_SCOPES).openapi('ApiScope', { description: 'What a token may do: read_… / write_… per route family (docs/design/security.md)' });

const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    scopes: z.array(Scope),
  })
  .openapi('ApiToken');

const create = createRoute({
  operationId: 'createApiToken',
  method: 'post',
  path: '/me/api-tokens',
  tags: ['api tokens'],
  summary: 'Create a personal API token (the secret is shown only in this response); it may do only what its scopes allow (none by default)',
  request: {
    body: jsonBody(
      z.object({
        name: z.string().trim().min(1).max(100),
        expiresInDays: z.number().int().min(1).max(3650).optional(),
        scopes: z.array(Scope).max(API_SCOPES.length).default([]),
      }),
    ),
  },
  responses: { 201: jsonResponse(z.object({ token: z.string(), apiToken: TokenSchema }), 'Created'), ...errorResponses(400, 401) },
});
const list = createRoute({
  operationId: 'listApiTokens',
  method: 'get',
  path: '/me/api-tokens',
  tags: ['api tokens'],
  summary: 'Live API tokens',
  'x-token-scope': 'any',
  responses: { 200: jsonResponse(z.object({ data: z.array(TokenSchema) }), 'Tokens'), ...errorResponses(401) },
});
const revoke = createRoute({
  operationId: 'revokeApiToken',
  method: 'delete',
  path: '/me/api-tokens/{tokenId}',
  tags: ['api tokens'],
  summary: 'Revoke an API token',
  request: { params: z.object({ tokenId: z.string() }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 404) },
});

export function registerApiTokenRoutes(app: Api) {
  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    const { name, expiresInDays, scopes } = c.req.valid('json');
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const { token, info } = await c.var.services.apiTokens.create(auth.user.id, name, expiresAt, scopes);
    return c.json({ token, apiToken: info }, 201);
  });
  app.openapi(list, async (c) => c.json({ data: await c.var.services.apiTokens.list(requireAuth(c).user.id) }, 200));
  app.openapi(revoke, async (c) => {
    const auth = requireAuth(c);
    if (!(await c.var.services.apiTokens.revoke(auth.user.id, uuidParam(c, 'tokenId', 'API token'))))
      throw new AppError(ErrorCode.NotFound, 'API token not found');
    return c.body(null, 204);
  });
}
