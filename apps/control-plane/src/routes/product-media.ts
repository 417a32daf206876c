/**
 * 3D models as product media: POST a `.glb` (multipart `file`, optional `alt`,
 * `poster` image and `usdz` for iOS Quick Look). The model is checked by the
 * Khronos glTF validator before anything is stored; a refused model is a 422
 * `model_invalid` with the validator's first messages.
 */
import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { checkUsdz, DEFAULT_MODEL_MAX_BYTES, ProductMediaService, type StoredFile, validateGlb } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { checkImageUpload, MODEL_CONTENT_TYPES, newObjectKey } from '@storeloom/storage';
import { requireAuth, requirePermission, storageOf, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonResponse, StoreIdParam } from '../schemas.ts';
import { DEFAULT_UPLOAD_MAX_BYTES } from '../uploads.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const Params = StoreIdParam.extend({ productId: z.string() });
const MediaParams = Params.extend({ mediaId: z.string() });
const MessageSchema = z.object({
  code: z.string(),
  message: z.string(),
  severity: z.enum(['error', 'warning', 'info', 'hint']),
  pointer: z.string().nullable(),
});
const MediaSchema = z
  .object({
    id: z.string(),
    type: z.literal('model'),
    url: z.string().openapi({ description: 'The .glb on the store media origin (served as model/gltf-binary, cached for a year)' }),
    alt: z.string().nullable(),
    posterUrl: z.string().nullable(),
    usdzUrl: z.string().nullable(),
    bytes: z.number().int(),
    position: z.number().int(),
    report: z.object({
      validatorVersion: z.string().nullable(),
      generator: z.string().nullable(),
      numErrors: z.number().int(),
      numWarnings: z.number().int(),
      triangles: z.number().int().nullable(),
      messages: z.array(MessageSchema),
    }),
    createdAt: z.string(),
  })
  .openapi('ProductMedia');
const binary = (description: string) => z.any().openapi({ type: 'string', format: 'binary', description });

const upload = createRoute({
  operationId: 'uploadProductMedia',
  method: 'post',
  path: '/stores/{storeId}/products/{productId}/media',
  tags: ['products'],
  summary: 'Upload a 3D model (multipart `file` .glb, optional `alt`, `poster` image, `usdz` for iOS Quick Look); validated by the Khronos glTF validator',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    headers: IdempotencyHeader,
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: binary('glTF binary (.glb), self-contained'),
            alt: z.string().max(500).optional(),
            poster: binary('Poster image shown before the model loads (PNG, JPEG, WebP, GIF or AVIF)').optional(),
            usdz: binary('USDZ for AR Quick Look on iOS').optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(MediaSchema, 'Stored'),
    ...errorResponses(400, 401, 403, 404, 413, 415),
    422: jsonResponse(
      z
        .object({ error: z.object({ code: z.literal('model_invalid'), message: z.string(), details: z.object({ messages: z.array(MessageSchema) }) }) })
        .openapi('ModelInvalid'),
      'The glTF validator refused the model (code model_invalid, its first messages in details)',
    ),
  },
});
const list = createRoute({
  operationId: 'listProductMedia',
  method: 'get',
  path: '/stores/{storeId}/products/{productId}/media',
  tags: ['products'],
  summary: "A product's 3D models with their validator reports",
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(z.object({ data: z.array(MediaSchema) }).openapi('ProductMediaList'), 'Media'), ...errorResponses(401, 404) },
});
const remove = createRoute({
  operationId: 'deleteProductMedia',
  method: 'delete',
  path: '/stores/{storeId}/products/{productId}/media/{mediaId}',
  tags: ['products'],
  summary: 'Delete a 3D model and its stored files',
  middleware: [storeAccess] as const,
  request: { params: MediaParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

const asBytes = async (f: unknown) => (f instanceof File ? new Uint8Array(await f.arrayBuffer()) : null);

export function registerProductMediaRoutes(app: Api) {
  app.openapi(upload, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    const service = new ProductMediaService(tenantOf(c));
    if (!(await service.productExists(productId))) throw new AppError(ErrorCode.NotFound, 'Product not found');
    const form = c.req.valid('form');
    const model = await asBytes(form.file);
    if (!model)
      throw new AppError(ErrorCode.ValidationFailed, 'file: attach the model as the "file" part', { details: [{ path: 'file', message: 'required' }] });
    const maxModel = c.var.services.config.modelUploadMaxBytes ?? DEFAULT_MODEL_MAX_BYTES;
    // Everything is checked before anything is stored: a refused upload leaves nothing behind.
    const report = await validateGlb(model, maxModel);
    const poster = await asBytes(form.poster);
    const posterType = poster ? checkImageUpload(poster, c.var.services.config.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES) : null;
    const usdz = await asBytes(form.usdz);
    if (usdz) {
      if (usdz.length > maxModel) throw new AppError(ErrorCode.PayloadTooLarge, `A USDZ file may be at most ${Math.floor(maxModel / (1024 * 1024))} MB`);
      checkUsdz(usdz);
    }
    const alt = typeof form.alt === 'string' && form.alt.trim() ? form.alt.trim() : null;
    const hash = (b: Uint8Array | null) => (b ? createHash('sha256').update(b).digest('hex') : null);
    return idempotent(c, auth.user.id, { model: hash(model), poster: hash(poster), usdz: hash(usdz), alt }, async () => {
      const storage = storageOf(c);
      const written: string[] = [];
      const put = async (bytes: Uint8Array, ext: 'glb' | 'usdz' | NonNullable<typeof posterType>['ext'], type: string): Promise<StoredFile> => {
        const key = newObjectKey(c.var.store.id, ext === 'glb' || ext === 'usdz' ? 'model' : 'img', ext);
        await storage.put(key, bytes, type);
        written.push(key);
        return { key, url: storage.publicUrl(key) };
      };
      try {
        const stored = await put(model, 'glb', MODEL_CONTENT_TYPES.glb);
        const posterFile = poster && posterType ? await put(poster, posterType.ext, posterType.contentType) : null;
        const usdzFile = usdz ? await put(usdz, 'usdz', MODEL_CONTENT_TYPES.usdz) : null;
        return {
          status: 201,
          body: await service.addModel(productId, { model: stored, bytes: model.length, report, alt, poster: posterFile, usdz: usdzFile }),
        };
      } catch (e) {
        for (const key of written) await storage.delete(key).catch(() => {});
        throw e;
      }
    });
  });

  app.openapi(list, async (c) => {
    const productId = uuidParam(c, 'productId', 'Product');
    const service = new ProductMediaService(tenantOf(c));
    if (!(await service.productExists(productId))) throw new AppError(ErrorCode.NotFound, 'Product not found');
    return c.json({ data: await service.list(productId) }, 200);
  });

  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    const keys = await new ProductMediaService(tenantOf(c)).remove(productId, uuidParam(c, 'mediaId', 'Media'));
    for (const key of keys)
      await storageOf(c)
        .delete(key)
        .catch((err) => c.var.logger.warn('could not delete a model object', { err }));
    return c.body(null, 204);
  });
}
