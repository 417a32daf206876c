/** Store settings (name, currency, languages, theme) and the logo. Keys and shapes follow contracts §2. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { isIsoCountry } from '@storeloom/commerce';
import { AppError, ErrorCode } from '@storeloom/errors';
import { newObjectKey } from '@storeloom/storage';
import { HEX_COLOUR_RE, STORE_TEXT_LIMITS, StoreSettingsService, SUPPORTED_LOCALES, THEME_FONTS } from '@storeloom/stores';
import { BUTTON_STYLES, THEME_DENSITIES } from '@storeloom/theme';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requirePermission, storageOf, storeAccess } from '../guards.ts';
import { CurrencyCodeInput, errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import { imageUploadBody, readImageUpload } from '../uploads.ts';
import type { Api } from '../context.ts';

const Colour = z.string().trim().toLowerCase().regex(HEX_COLOUR_RE, 'a colour as #rrggbb');
const Locale = z.enum(SUPPORTED_LOCALES);

export const ThemeSchema = z
  .object({
    primaryColor: z.string(),
    accentColor: z.string(),
    backgroundColor: z.string(),
    textColor: z.string(),
    font: z.enum(THEME_FONTS),
    headingFont: z.enum(THEME_FONTS),
    fontScale: z.number().int(),
    density: z.enum(THEME_DENSITIES),
    buttonRadius: z.number().int(),
    buttonStyle: z.enum(BUTTON_STYLES),
    faviconUrl: z.string().nullable(),
    logoUrl: z.string().nullable(),
  })
  .openapi('Theme', { description: 'The published theme; typography, spacing, buttons and favicon are edited as a draft under /theme/settings' });
export const StoreSettingsSchema = z
  .object({
    name: z.string(),
    currency: z.string(),
    country: z.string().nullable(),
    defaultLocale: Locale,
    languages: z.array(Locale),
    theme: ThemeSchema,
    announcement: z.string().nullable().openapi({ description: "The storefront's announcement bar (plain text; null: none); translatable" }),
    footerText: z.string().nullable().openapi({ description: "A text in the storefront's footer (plain text; null: none); translatable" }),
  })
  .openapi('StoreSettings');

const get = createRoute({
  operationId: 'getStoreSettings',
  method: 'get',
  path: '/stores/{storeId}/settings',
  tags: ['settings'],
  summary: 'Store settings: name, currency, languages (first = default), theme',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(StoreSettingsSchema, 'Settings'), ...errorResponses(401, 404) },
});

const put = createRoute({
  operationId: 'setStoreSettings',
  method: 'put',
  path: '/stores/{storeId}/settings',
  tags: ['settings'],
  summary: 'Update store settings (fields given are replaced; theme fields merge; the logo has its own route)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.object({
        name: z.string().trim().min(1).max(100).optional(),
        currency: CurrencyCodeInput.optional(),
        country: z.string().trim().toUpperCase().refine(isIsoCountry, 'an ISO 3166-1 alpha-2 country code such as GB').nullable().optional(),
        defaultLocale: Locale.optional(),
        languages: z.array(Locale).min(1).max(SUPPORTED_LOCALES.length).optional(),
        announcement: z.string().max(STORE_TEXT_LIMITS.announcement).nullable().optional(),
        footerText: z.string().max(STORE_TEXT_LIMITS.footerText).nullable().optional(),
        theme: z
          .object({
            primaryColor: Colour.optional(),
            accentColor: Colour.optional(),
            backgroundColor: Colour.optional(),
            textColor: Colour.optional(),
            font: z.enum(THEME_FONTS).optional(),
          })
          .strict()
          .optional(),
      }),
    ),
  },
  responses: { 200: jsonResponse(StoreSettingsSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});

const uploadLogo = createRoute({
  operationId: 'uploadLogo',
  method: 'post',
  path: '/stores/{storeId}/settings/logo',
  tags: ['settings'],
  summary: 'Upload the store logo (multipart `file`); replaces the previous one',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: imageUploadBody({}) },
  responses: { 200: jsonResponse(StoreSettingsSchema, 'Logo set'), ...errorResponses(400, 401, 403, 404, 413, 415) },
});

const deleteLogo = createRoute({
  operationId: 'deleteLogo',
  method: 'delete',
  path: '/stores/{storeId}/settings/logo',
  tags: ['settings'],
  summary: 'Remove the store logo',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(StoreSettingsSchema, 'Logo removed'), ...errorResponses(401, 403, 404) },
});

const actorOf = (c: Context<AppEnv>) => ({ userId: c.var.auth?.user.id ?? null, requestId: c.var.requestId });

function settingsOf(c: Context<AppEnv>) {
  if (!c.get('tenant')) throw new AppError(ErrorCode.StoreNotActive, 'This store is still being set up; try again in a moment');
  return new StoreSettingsService(c.var.services.db, c.var.store);
}

async function deleteObject(c: Context<AppEnv>, key: string | null) {
  if (!key) return;
  await storageOf(c)
    .delete(key)
    .catch((err) => c.var.logger.warn('could not delete a replaced object', { err, key }));
}

export function registerSettingsRoutes(app: Api) {
  app.openapi(get, async (c) => c.json(await settingsOf(c).get(), 200));

  app.openapi(put, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    const service = settingsOf(c);
    const view = await service.update(body, actorOf(c));
    c.var.services.stores.access.forget(c.var.store.id);
    return c.json(view, 200);
  });

  app.openapi(uploadLogo, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const service = settingsOf(c);
    const { bytes, type } = await readImageUpload(c, c.req.valid('form').file);
    const storage = storageOf(c);
    const key = newObjectKey(c.var.store.id, 'logo', type.ext);
    await storage.put(key, bytes, type.contentType);
    try {
      const { previousKey } = await service.setLogo({ key, url: storage.publicUrl(key) }, actorOf(c));
      await deleteObject(c, previousKey);
    } catch (e) {
      await deleteObject(c, key);
      throw e;
    }
    return c.json(await service.get(), 200);
  });

  app.openapi(deleteLogo, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const service = settingsOf(c);
    const { previousKey } = await service.setLogo(null, actorOf(c));
    await deleteObject(c, previousKey);
    return c.json(await service.get(), 200);
  });
}
