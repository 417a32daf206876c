/**
 * Theme template layouts (issue 20): the draft the merchant edits, the
 * published copy shoppers get, the version history, and restore. Layouts are
 * checked against the section registry (`@storeloom/theme`) on every write;
 * rich-text settings go through the product-description sanitiser on write
 * (and again when the storefront renders). `version` counts draft changes:
 * a save with a stale `expectedVersion` is 409 `version_conflict`.
 */
import { sanitizeRichText } from '@storeloom/catalog/html';
import { isUuid, type Kysely, newId, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { defaultLayout, type Layout, mapRichText, THEME_TEMPLATES, type ThemeTemplate, validateLayout } from '@storeloom/theme';

export interface ThemeTemplateView {
  template: ThemeTemplate;
  draft: Layout;
  published: Layout;
  /** Draft changes so far (0: never saved). */
  version: number;
  draftUpdatedAt: string | null;
  publishedAt: string | null;
}
export interface ThemeVersionView {
  id: string;
  publishedAt: string;
  publishedBy: string | null;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const conflict = () => new AppError(ErrorCode.VersionConflict, 'The draft was changed since you loaded it; reload and try again');
const MAX_VERSIONS_LISTED = 50;

/** Checks a layout for a template and sanitises its rich text; 422 `layout_invalid` with `details: [{path, message}]` otherwise. */
export function checkLayout(template: ThemeTemplate, raw: unknown): Layout {
  const result = validateLayout(template, raw);
  if (!result.ok)
    throw new AppError(ErrorCode.LayoutInvalid, `The layout is not valid: ${result.problems[0]?.path} ${result.problems[0]?.message}`, {
      details: result.problems,
    });
  return mapRichText(result.layout, sanitizeRichText);
}

export class ThemeLayoutService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** The default layouts name the store's first collections (the home page as it was before sections). */
  private async defaults(template: ThemeTemplate): Promise<Layout> {
    if (template !== 'home') return defaultLayout(template);
    const rows = await this.t.selectFrom('collections').select('id').orderBy('created_at').orderBy('id').limit(2).execute();
    return defaultLayout('home', { collectionIds: rows.map((r) => r.id) });
  }

  async get(template: ThemeTemplate): Promise<ThemeTemplateView> {
    const row = await this.t.selectFrom('theme_templates').selectAll().where('template', '=', template).executeTakeFirst();
    const fallback = !row || row.published === null ? await this.defaults(template) : null;
    return {
      template,
      draft: (row?.draft as Layout | undefined) ?? (fallback as Layout),
      published: (row?.published as Layout | null | undefined) ?? (fallback as Layout),
      version: row?.version ?? 0,
      draftUpdatedAt: iso(row?.draft_updated_at ?? null),
      publishedAt: iso(row?.published_at ?? null),
    };
  }

  async saveDraft(template: ThemeTemplate, raw: unknown, expectedVersion?: number): Promise<ThemeTemplateView> {
    const layout = checkLayout(template, raw);
    await this.writeDraft(template, layout, expectedVersion);
    return this.get(template);
  }

  private async writeDraft(template: ThemeTemplate, layout: Layout, expectedVersion?: number, db: Kysely<TenantDatabase> = this.t): Promise<void> {
    const draft = JSON.stringify(layout);
    const now = new Date();
    if (expectedVersion === undefined) {
      await db
        .insertInto('theme_templates')
        .values({ template, draft, version: 1, draft_updated_at: now })
        .onConflict((oc) => oc.column('template').doUpdateSet((eb) => ({ draft, draft_updated_at: now, version: eb('theme_templates.version', '+', 1) })))
        .execute();
      return;
    }
    if (expectedVersion === 0) {
      const inserted = await db
        .insertInto('theme_templates')
        .values({ template, draft, version: 1, draft_updated_at: now })
        .onConflict((oc) => oc.column('template').doNothing())
        .returning('template')
        .executeTakeFirst();
      if (!inserted) throw conflict();
      return;
    }
    const updated = await db
      .updateTable('theme_templates')
      .set((eb) => ({ draft, draft_updated_at: now, version: eb('version', '+', 1) }))
      .where('template', '=', template)
      .where('version', '=', expectedVersion)
      .returning('template')
      .executeTakeFirst();
    if (!updated) throw conflict();
  }

  /** Publishes the draft (the default layout when never saved) and records it in the version history. */
  async publish(template: ThemeTemplate, userId: string | null): Promise<ThemeTemplateView> {
    const fallback = await this.defaults(template);
    await this.t.transaction().execute(async (trx) => {
      const now = new Date();
      const row = await trx.selectFrom('theme_templates').select('draft').where('template', '=', template).forUpdate().executeTakeFirst();
      const layout = JSON.stringify(row ? row.draft : fallback);
      if (!row) await trx.insertInto('theme_templates').values({ template, draft: layout, version: 1, draft_updated_at: now }).execute();
      await trx.updateTable('theme_templates').set({ published: layout, published_at: now }).where('template', '=', template).execute();
      await trx
        .insertInto('theme_versions')
        .values({ id: newId(), template, layout, published_at: now, published_by: userId && isUuid(userId) ? userId : null })
        .execute();
    });
    return this.get(template);
  }

  async versions(template: ThemeTemplate): Promise<ThemeVersionView[]> {
    const rows = await this.t
      .selectFrom('theme_versions')
      .select(['id', 'published_at', 'published_by'])
      .where('template', '=', template)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(MAX_VERSIONS_LISTED)
      .execute();
    return rows.map((r) => ({ id: r.id, publishedAt: iso(r.published_at) as string, publishedBy: r.published_by }));
  }

  /** The draft becomes a published version's layout (the merchant publishes it again to show it). */
  async restore(template: ThemeTemplate, versionId: string): Promise<ThemeTemplateView> {
    if (!isUuid(versionId)) throw notFound('Version');
    const v = await this.t.selectFrom('theme_versions').select('layout').where('id', '=', versionId).where('template', '=', template).executeTakeFirst();
    if (!v) throw notFound('Version');
    await this.writeDraft(template, v.layout as Layout);
    return this.get(template);
  }

  /** The published layouts the merchant has saved (a template missing here renders its default). */
  async publishedLayouts(): Promise<Partial<Record<ThemeTemplate, Layout>>> {
    const rows = await this.t.selectFrom('theme_templates').select(['template', 'published']).where('published', 'is not', null).execute();
    return Object.fromEntries(rows.filter((r) => THEME_TEMPLATES.includes(r.template as ThemeTemplate)).map((r) => [r.template, r.published as Layout]));
  }

  /** The drafts (theme preview only; never shown to shoppers). */
  async draftLayouts(): Promise<Partial<Record<ThemeTemplate, Layout>>> {
    const rows = await this.t.selectFrom('theme_templates').select(['template', 'draft']).execute();
    return Object.fromEntries(rows.filter((r) => THEME_TEMPLATES.includes(r.template as ThemeTemplate)).map((r) => [r.template, r.draft as Layout]));
  }
}
