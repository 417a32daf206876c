/**
 * Theme sections (issue 20): the section registry, each template's draft and
 * published layout, publishing, version history, restore, and signed preview
 * links into the storefront that show the drafts. Layout checks and storage
 * are `ThemeLayoutService` (@storeloom/content); the registry is @storeloom/theme.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { signThemePreview, ThemeLayoutService, ThemeSettingsService } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { isMediaKey, newObjectKey } from '@storeloom/storage';
import { BUTTON_STYLES, SECTION_TYPES, SETTING_TYPES, THEME_DENSITIES, THEME_FONTS, THEME_TEMPLATES } from '@storeloom/theme';
import type { Context } from 'hono';
import { type Api, type AppEnv, storeUrl } from '../context.ts';
import { requirePermission, storageOf, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import { imageUploadBody, readImageUpload } from '../uploads.ts';

const SettingValue = z.union([z.string(), z.number(), z.boolean(), z.null()]).openapi('ThemeSettingValue');
const SettingField = z
  .object({
    id: z.string(),
    type: z.enum(SETTING_TYPES),
    label: z.string(),
    default: SettingValue.optional(),
    options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    step: z.number().optional(),
  })
  .openapi('ThemeSettingField');
const SectionType = z
  .object({
    type: z.string(),
    name: z.string(),
    settings: z.array(SettingField),
    blocks: z.array(z.object({ type: z.string(), name: z.string(), settings: z.array(SettingField) })),
    maxBlocks: z.number().int(),
    templates: z
      .array(z.enum(THEME_TEMPLATES))
      .openapi({ description: 'Templates the section may be placed on; `main` (the page content) is required exactly once on collection, product and page' }),
  })
  .openapi('ThemeSectionType');

const Settings = z.record(z.string(), SettingValue);
const LayoutSchema = z
  .object({
    sections: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        disabled: z.boolean().optional(),
        settings: Settings,
        blocks: z.array(z.object({ id: z.string(), type: z.string(), settings: Settings })),
      }),
    ),
  })
  .openapi('ThemeLayout');
/** What a client sends: the registry checks types and values (422 layout_invalid), so values are any JSON here. */
const LayoutInput = z
  .object({
    sections: z
      .array(
        z.object({
          id: z.string(),
          type: z.string(),
          disabled: z.boolean().optional(),
          settings: z.record(z.string(), z.unknown()).optional(),
          blocks: z.array(z.object({ id: z.string(), type: z.string(), settings: z.record(z.string(), z.unknown()).optional() })).optional(),
        }),
      )
      .max(200),
  })
  .openapi('ThemeLayoutInput');
const TemplateView = z
  .object({
    template: z.enum(THEME_TEMPLATES),
    draft: LayoutSchema,
    published: LayoutSchema,
    version: z.number().int().openapi({ description: 'Draft changes so far (0: never saved); send it back as expectedVersion' }),
    draftUpdatedAt: z.string().nullable(),
    publishedAt: z.string().nullable(),
  })
  .openapi('ThemeTemplate');
const TemplateParams = StoreIdParam.extend({ template: z.enum(THEME_TEMPLATES).openapi({ param: { name: 'template', in: 'path' } }) });
const VersionParams = TemplateParams.extend({ versionId: z.string().openapi({ param: { name: 'versionId', in: 'path' }, format: 'uuid' }) });
const LayoutInvalid = z
  .object({
    error: z.object({
      code: z.literal('layout_invalid'),
      message: z.string(),
      details: z.array(z.object({ path: z.string().openapi({ example: 'sections[2].settings.heading' }), message: z.string() })),
    }),
  })
  .openapi('LayoutInvalid');

const ThemeValues = z
  .object({
    primaryColor: z.string().openapi({ example: '#1f2937' }),
    accentColor: z.string(),
    backgroundColor: z.string(),
    textColor: z.string(),
    font: z.enum(THEME_FONTS).openapi({ description: 'Body text font' }),
    headingFont: z.enum(THEME_FONTS),
    fontScale: z.number().int().openapi({ description: 'Type scale in percent (85–130, steps of 5)' }),
    density: z.enum(THEME_DENSITIES).openapi({ description: 'Spacing between sections and around content' }),
    buttonRadius: z.number().int().openapi({ description: 'Button corner radius in px (0–32; 32 = fully rounded)' }),
    buttonStyle: z.enum(BUTTON_STYLES),
    faviconUrl: z.string().nullable(),
    logoUrl: z.string().nullable().openapi({ description: 'Set by the store settings logo upload; not drafted' }),
  })
  .openapi('ThemeValues');
const ThemeSettingsView = z
  .object({
    draft: ThemeValues,
    published: ThemeValues,
    version: z.number().int().openapi({ description: 'Draft changes so far (0: never edited); send it back as expectedVersion' }),
    draftUpdatedAt: z.string().nullable(),
    publishedAt: z.string().nullable(),
    contrast: z
      .array(
        z.object({
          pair: z.enum(['text', 'button', 'accent']),
          foreground: z.string(),
          background: z.string(),
          ratio: z.number(),
          minimum: z.number().openapi({ description: 'WCAG AA: 4.5 for text and button labels, 3 for the accent (stars, badges)' }),
        }),
      )
      .openapi({ description: "The draft's colour pairs below WCAG AA (a warning: publishing is not refused)" }),
  })
  .openapi('ThemeSettingsView');
const ThemeSettingsInvalid = z
  .object({
    error: z.object({
      code: z.literal('theme_settings_invalid'),
      message: z.string(),
      details: z.array(z.object({ path: z.string().openapi({ example: 'settings.textColor' }), message: z.string() })),
    }),
  })
  .openapi('ThemeSettingsInvalid');

const tags = ['theme'];
const listSections = createRoute({
  operationId: 'listThemeSections',
  method: 'get',
  path: '/stores/{storeId}/theme/sections',
  tags,
  summary: 'The section registry: every section type with its settings, block types and limits',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ sections: z.array(SectionType) }).openapi('ThemeSectionList'), 'Section types'), ...errorResponses(401, 404) },
});
const getTemplate = createRoute({
  operationId: 'getThemeTemplate',
  method: 'get',
  path: '/stores/{storeId}/theme/templates/{template}',
  tags,
  summary: "A template's draft and published layout (the default layout until the merchant saves one)",
  middleware: [storeAccess] as const,
  request: { params: TemplateParams },
  responses: { 200: jsonResponse(TemplateView, 'The template'), ...errorResponses(400, 401, 404) },
});
const putDraft = createRoute({
  operationId: 'saveThemeDraft',
  method: 'put',
  path: '/stores/{storeId}/theme/templates/{template}/draft',
  tags,
  summary: "Replace a template's draft layout (shoppers keep seeing the published one); send expectedVersion to refuse overwriting a newer draft",
  middleware: [storeAccess] as const,
  request: {
    params: TemplateParams,
    body: jsonBody(z.object({ layout: LayoutInput, expectedVersion: z.number().int().min(0).optional() })),
  },
  responses: {
    200: jsonResponse(TemplateView, 'Saved'),
    422: jsonResponse(LayoutInvalid, 'Unknown section or block type, a bad setting, too many blocks (code layout_invalid, problems in details)'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});
const publish = createRoute({
  operationId: 'publishThemeTemplate',
  method: 'post',
  path: '/stores/{storeId}/theme/templates/{template}/publish',
  tags,
  summary: 'Publish the draft: shoppers see it, and it is added to the version history',
  middleware: [storeAccess] as const,
  request: { params: TemplateParams },
  responses: { 200: jsonResponse(TemplateView, 'Published'), ...errorResponses(400, 401, 403, 404) },
});
const listVersions = createRoute({
  operationId: 'listThemeVersions',
  method: 'get',
  path: '/stores/{storeId}/theme/templates/{template}/versions',
  tags,
  summary: "A template's published versions, newest first (the last 50)",
  middleware: [storeAccess] as const,
  request: { params: TemplateParams },
  responses: {
    200: jsonResponse(
      z
        .object({
          versions: z.array(z.object({ id: z.string(), publishedAt: z.string(), publishedBy: z.string().nullable().openapi({ description: 'User id' }) })),
        })
        .openapi('ThemeVersionList'),
      'Versions',
    ),
    ...errorResponses(400, 401, 404),
  },
});
const restore = createRoute({
  operationId: 'restoreThemeVersion',
  method: 'post',
  path: '/stores/{storeId}/theme/templates/{template}/versions/{versionId}/restore',
  tags,
  summary: 'Copy a published version into the draft (publish it to show it to shoppers)',
  middleware: [storeAccess] as const,
  request: { params: VersionParams },
  responses: { 200: jsonResponse(TemplateView, 'Restored into the draft'), ...errorResponses(400, 401, 403, 404) },
});
const preview = createRoute({
  operationId: 'createThemePreview',
  method: 'post',
  path: '/stores/{storeId}/theme/preview',
  tags,
  summary: "A short-lived signed storefront link that shows the draft layouts (for the editor's iframe; shoppers never see drafts)",
  description:
    'The link is `<store URL><path>?theme_preview=<token>`; the same query parameter works on any path of the store until `expiresAt` (30 minutes). ' +
    'Preview responses may be framed by the console origin only (CSP frame-ancestors).',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: {
      ...jsonBody(
        z.object({
          path: z
            .string()
            .max(500)
            .regex(/^\/(?!\/)[^\s?#]*$/, 'a path on the store starting with /')
            .optional(),
        }),
      ),
      required: false,
    },
  },
  responses: {
    200: jsonResponse(z.object({ url: z.string(), expiresAt: z.string() }).openapi('ThemePreview'), 'Preview link'),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

const getThemeSettings = createRoute({
  operationId: 'getThemeSettings',
  method: 'get',
  path: '/stores/{storeId}/theme/settings',
  tags,
  summary: 'Theme-level settings (colours, typography, spacing, buttons, favicon): the draft, the published values, and contrast warnings',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(ThemeSettingsView, 'Theme settings'), ...errorResponses(401, 404) },
});
const putThemeSettingsDraft = createRoute({
  operationId: 'saveThemeSettingsDraft',
  method: 'put',
  path: '/stores/{storeId}/theme/settings/draft',
  tags,
  summary: "Change the draft theme settings (keys given replace the draft's; shoppers keep the published ones until publish)",
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.object({
        settings: z
          .record(z.string(), z.unknown())
          .openapi({ description: 'Any of ThemeValues except logoUrl; faviconUrl only as null (upload the favicon to set one)' }),
        expectedVersion: z.number().int().min(0).optional(),
      }),
    ),
  },
  responses: {
    200: jsonResponse(ThemeSettingsView, 'Saved'),
    422: jsonResponse(ThemeSettingsInvalid, 'An unknown setting or a bad value (code theme_settings_invalid, problems in details)'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});
const publishThemeSettings = createRoute({
  operationId: 'publishThemeSettings',
  method: 'post',
  path: '/stores/{storeId}/theme/settings/publish',
  tags,
  summary: 'Publish the draft theme settings: the storefront uses them for every shopper',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(ThemeSettingsView, 'Published'), ...errorResponses(401, 403, 404) },
});
const discardThemeSettingsDraft = createRoute({
  operationId: 'discardThemeSettingsDraft',
  method: 'post',
  path: '/stores/{storeId}/theme/settings/discard',
  tags,
  summary: 'Throw the draft theme settings away: the draft takes the published values again (a favicon uploaded only into the draft is deleted)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: { content: { 'application/json': { schema: z.object({ expectedVersion: z.number().int().min(0).optional() }) } }, required: false },
  },
  responses: { 200: jsonResponse(ThemeSettingsView, 'Discarded'), ...errorResponses(400, 401, 403, 404, 409) },
});
const uploadFavicon = createRoute({
  operationId: 'uploadThemeFavicon',
  method: 'post',
  path: '/stores/{storeId}/theme/settings/favicon',
  tags,
  summary: 'Upload the favicon (multipart `file`, a square PNG of 32–512 px is best) into the draft theme settings',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: imageUploadBody({}) },
  responses: { 200: jsonResponse(ThemeSettingsView, 'Favicon set in the draft'), ...errorResponses(400, 401, 403, 404, 413, 415) },
});

/**
 * Theme settings whose replaced, removed or discarded favicons leave storage once nothing refers to them (only this
 * store's own `favicon-*` media keys; a URL that is not one is left alone).
 */
function themeSettingsOf(c: Context<AppEnv>): ThemeSettingsService {
  const storage = storageOf(c);
  const storeId = c.var.store.id;
  return new ThemeSettingsService(tenantOf(c), {
    releaseFavicons: async (urls) => {
      for (const url of urls) {
        const key = `${storeId}/${url.slice(url.lastIndexOf('/') + 1)}`;
        if (!isMediaKey(key) || !key.startsWith(`${storeId}/favicon-`) || storage.publicUrl(key) !== url) continue;
        await storage.delete(key).catch((err) => c.var.logger.warn('could not delete a released favicon', { err, key }));
      }
    },
  });
}

export function registerThemeRoutes(app: Api) {
  app.openapi(listSections, (c) => c.json({ sections: SECTION_TYPES.map((s) => ({ ...s, templates: [...s.templates] })) }, 200));
  app.openapi(getTemplate, async (c) => c.json(await new ThemeLayoutService(tenantOf(c)).get(c.req.valid('param').template), 200));
  app.openapi(putDraft, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    return c.json(await new ThemeLayoutService(tenantOf(c)).saveDraft(c.req.valid('param').template, body.layout, body.expectedVersion), 200);
  });
  app.openapi(publish, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json(await new ThemeLayoutService(tenantOf(c)).publish(c.req.valid('param').template, c.var.auth?.user.id ?? null), 200);
  });
  app.openapi(listVersions, async (c) => c.json({ versions: await new ThemeLayoutService(tenantOf(c)).versions(c.req.valid('param').template) }, 200));
  app.openapi(restore, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const versionId = uuidParam(c, 'versionId', 'Version');
    return c.json(await new ThemeLayoutService(tenantOf(c)).restore(c.req.valid('param').template, versionId), 200);
  });
  app.openapi(getThemeSettings, async (c) => c.json(await new ThemeSettingsService(tenantOf(c)).get(), 200));
  app.openapi(putThemeSettingsDraft, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    return c.json(await themeSettingsOf(c).saveDraft(body.settings, body.expectedVersion), 200);
  });
  app.openapi(publishThemeSettings, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const view = await themeSettingsOf(c).publish();
    c.var.services.stores.access.forget(c.var.store.id);
    return c.json(view, 200);
  });
  app.openapi(uploadFavicon, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const { bytes, type } = await readImageUpload(c, c.req.valid('form').file);
    const storage = storageOf(c);
    // The draft's earlier favicon is deleted unless the published theme still shows it.
    const key = newObjectKey(c.var.store.id, 'favicon', type.ext);
    await storage.put(key, bytes, type.contentType);
    try {
      return c.json(await themeSettingsOf(c).setDraftFavicon(storage.publicUrl(key)), 200);
    } catch (e) {
      await storage.delete(key).catch(() => {});
      throw e;
    }
  });
  app.openapi(discardThemeSettingsDraft, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = (c.req.valid('json') ?? {}) as { expectedVersion?: number };
    return c.json(await themeSettingsOf(c).discardDraft(body.expectedVersion), 200);
  });
  app.openapi(preview, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const secret = c.var.services.config.orderLinkSecret;
    if (!secret) throw new AppError(ErrorCode.ServiceUnavailable, 'Previews need STOREFRONT_SECRET on the control plane');
    const body = (c.req.valid('json') ?? {}) as { path?: string };
    const { token, expiresAt } = signThemePreview(secret, c.var.store.id);
    const url = `${storeUrl(c.var.services.config, c.var.store)}${body.path ?? '/'}?theme_preview=${encodeURIComponent(token)}`;
    return c.json({ url, expiresAt: expiresAt.toISOString() }, 200);
  });
}
