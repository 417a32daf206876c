/**
 * Shoppers' privacy requests (export, erasure) as the merchant sees them. The
 * POST/GET pair is a fixed contract; the list, approval, retry and download
 * are the console's. Every view and download is written to the store's audit
 * log (who, which request, when), never the address itself.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { type Store, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { privacyRequestJob } from '@storeloom/jobs';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Params = StoreIdParam.extend({ privacyRequestId: z.string() });
const Kind = z.enum(['export', 'erasure']);
const Status = z.enum(['pending', 'running', 'completed', 'failed']);

const RequestSchema = z
  .object({
    id: z.string(),
    kind: Kind,
    status: Status,
    downloadUrl: z.string().optional(),
    source: z.enum(['merchant', 'shopper', 'guest']),
    email: z.string().nullable().openapi({ description: 'null once the address has been erased' }),
    createdAt: z.string(),
    dueAt: z.string().openapi({ description: 'Statutory deadline (one month from receipt)' }),
    approvedAt: z.string().nullable(),
    awaitingApproval: z.boolean(),
    completedAt: z.string().nullable(),
    error: z.string().nullable(),
    archiveExpiresAt: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()),
    extendedAt: z.string().nullable().openapi({ description: 'When the deadline was extended by two months (once, art. 12(3))' }),
    extensionReason: z.string().nullable(),
  })
  .openapi('PrivacyRequest');

const create = createRoute({
  operationId: 'createPrivacyRequest',
  method: 'post',
  path: '/stores/{storeId}/privacy-requests',
  tags: ['privacy'],
  summary: "Export or erase everything the store holds on a shopper's e-mail address (runs in the background)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ kind: Kind, email: z.string().trim().min(3).max(254) })) },
  responses: {
    202: jsonResponse(z.object({ id: z.string(), kind: Kind, status: Status }).openapi('PrivacyRequestAccepted'), 'Accepted'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const get = createRoute({
  operationId: 'getPrivacyRequest',
  method: 'get',
  path: '/stores/{storeId}/privacy-requests/{privacyRequestId}',
  tags: ['privacy'],
  summary: 'One privacy request; a finished export has a downloadUrl (same authentication)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(RequestSchema, 'The request'), ...errorResponses(401, 403, 404) },
});
const list = createRoute({
  operationId: 'listPrivacyRequests',
  method: 'get',
  path: '/stores/{storeId}/privacy-requests',
  tags: ['privacy'],
  summary: 'Privacy requests, newest first, with their statutory deadlines',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: z.object({ status: Status.optional() }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(RequestSchema) }).openapi('PrivacyRequestList'), 'Requests'), ...errorResponses(401, 403, 404) },
});
const approve = createRoute({
  operationId: 'approvePrivacyRequest',
  method: 'post',
  path: '/stores/{storeId}/privacy-requests/{privacyRequestId}/approve',
  tags: ['privacy'],
  summary: "Approve a shopper's request (from the storefront) so it runs",
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 202: jsonResponse(RequestSchema, 'Approved; running in the background'), ...errorResponses(401, 403, 404, 409) },
});
const extend = createRoute({
  operationId: 'extendPrivacyRequest',
  method: 'post',
  path: '/stores/{storeId}/privacy-requests/{privacyRequestId}/extend',
  tags: ['privacy'],
  summary: 'Extend the deadline once by two months for a complex request (GDPR art. 12(3)); the reason is what the shopper is told',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(z.object({ reason: z.string().trim().min(10).max(1000) }).openapi('ExtendPrivacyRequest')) },
  responses: { 200: jsonResponse(RequestSchema, 'Extended'), ...errorResponses(400, 401, 403, 404, 409) },
});
const retry = createRoute({
  operationId: 'retryPrivacyRequest',
  method: 'post',
  path: '/stores/{storeId}/privacy-requests/{privacyRequestId}/retry',
  tags: ['privacy'],
  summary: 'Run a failed request again',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 202: jsonResponse(RequestSchema, 'Queued again'), ...errorResponses(401, 403, 404, 409) },
});
const download = createRoute({
  operationId: 'downloadPrivacyExport',
  method: 'get',
  path: '/stores/{storeId}/privacy-requests/{privacyRequestId}/export',
  tags: ['privacy'],
  summary: 'The export document of a finished export request (one JSON file; audit-logged)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: {
    200: jsonResponse(z.record(z.string(), z.unknown()).openapi('PrivacyExport'), 'The export document (format storeloom.privacy-export/1)'),
    ...errorResponses(401, 403, 404, 409),
  },
});

const downloadPath = (c: Context<AppEnv>, store: Store) => (id: string) =>
  `${c.var.services.config.publicUrl.replace(/\/$/, '')}/api/v1/stores/${store.id}/privacy-requests/${id}/export`;

async function audit(c: Context<AppEnv>, action: string, requestId: string, data: Record<string, unknown> = {}) {
  await writeAudit(c.var.services.db, {
    storeId: c.var.store.id,
    actorUserId: c.var.auth?.user.id ?? null,
    action,
    targetType: 'privacy_request',
    targetId: requestId,
    data,
    requestId: c.var.requestId,
  });
}

export function registerPrivacyRoutes(app: Api) {
  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const body = c.req.valid('json');
    const { privacy, queues } = c.var.services;
    const { row, created } = await privacy.create(c.var.store, { kind: body.kind, email: body.email, source: 'merchant', requestedBy: auth.user.id });
    if (row.approved_at && row.status === 'pending') await queues.enqueue(privacyRequestJob, { storeId: c.var.store.id, requestId: row.id });
    if (created) await audit(c, `privacy.${row.kind}_requested`, row.id, { kind: row.kind });
    return c.json({ id: row.id, kind: row.kind, status: row.status }, 202);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const row = await c.var.services.privacy.getOrThrow(c.var.store, uuidParam(c, 'privacyRequestId', 'Privacy request'));
    await audit(c, 'privacy.request_viewed', row.id);
    return c.json(c.var.services.privacy.view(row, downloadPath(c, c.var.store)), 200);
  });
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const rows = await c.var.services.privacy.list(c.var.store, { status: c.req.valid('query').status });
    const path = downloadPath(c, c.var.store);
    return c.json({ items: rows.map((r) => c.var.services.privacy.view(r, path)) }, 200);
  });
  app.openapi(approve, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const id = uuidParam(c, 'privacyRequestId', 'Privacy request');
    const row = await c.var.services.privacy.approve(c.var.store, id, auth.user.id);
    await c.var.services.queues.enqueue(privacyRequestJob, { storeId: c.var.store.id, requestId: row.id });
    await audit(c, 'privacy.request_approved', row.id, { kind: row.kind });
    return c.json(c.var.services.privacy.view(row, downloadPath(c, c.var.store)), 202);
  });
  app.openapi(extend, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const id = uuidParam(c, 'privacyRequestId', 'Privacy request');
    const row = await c.var.services.privacy.extend(c.var.store, id, auth.user.id, c.req.valid('json').reason);
    await audit(c, 'privacy.request_extended', row.id, { kind: row.kind, dueAt: new Date(row.due_at).toISOString() });
    return c.json(c.var.services.privacy.view(row, downloadPath(c, c.var.store)), 200);
  });
  app.openapi(retry, async (c) => {
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const id = uuidParam(c, 'privacyRequestId', 'Privacy request');
    const row = await c.var.services.privacy.retry(c.var.store, id);
    // A fresh job id: the failed job of the first run keeps its own.
    await c.var.services.queues.enqueue(
      privacyRequestJob,
      { storeId: c.var.store.id, requestId: row.id },
      { jobId: `privacy:${c.var.store.id}:${row.id}:${Date.now()}` },
    );
    await audit(c, 'privacy.request_retried', row.id, { kind: row.kind });
    return c.json(c.var.services.privacy.view(row, downloadPath(c, c.var.store)), 202);
  });
  app.openapi(download, async (c) => {
    requirePermission(c, Permission.ManagePrivacy);
    tenantOf(c);
    const id = uuidParam(c, 'privacyRequestId', 'Privacy request');
    const body = await c.var.services.privacy.download(c.var.store, id);
    if (!body) throw new AppError(ErrorCode.InvalidState, 'No export document to download (not finished, expired or erased)');
    await audit(c, 'privacy.export_downloaded', id);
    c.header('Content-Disposition', `attachment; filename="privacy-export-${id}.json"`);
    c.header('Cache-Control', 'private, no-store');
    return c.json(JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>, 200);
  });
}
