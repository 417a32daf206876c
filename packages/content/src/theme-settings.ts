/**
 * Theme-level settings (issue 20): colours, typography, spacing, buttons and
 * the favicon, drafted in the theme editor and published like layouts.
 *
 * The published values stay where every reader already finds them, the
 * `theme` key of `store_settings` (`readTheme`: the storefront's settings, the
 * console's Settings page, the "opening soon" page). The draft is the
 * `themeDraft` key: `{settings, version, updatedAt, publishedAt}`, with
 * `version` counting draft changes for `expectedVersion` (409 when stale),
 * as theme layouts do. The logo is not part of the draft: it has its own
 * upload in store settings, and publishing keeps whatever logo is current.
 */
import type { Kysely, TenantDatabase, Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import {
  type ContrastWarning,
  DRAFTABLE_THEME_KEYS,
  type DraftableThemeSettings,
  readTheme,
  type ThemeSettings,
  themeContrastWarnings,
  validateThemeSettings,
} from '@storeloom/theme';

export const THEME_DRAFT_KEY = 'themeDraft';

export interface ThemeSettingsView {
  draft: ThemeSettings;
  published: ThemeSettings;
  /** Draft changes so far (0: the draft is the published theme, never edited). */
  version: number;
  draftUpdatedAt: string | null;
  publishedAt: string | null;
  /** The draft's colour pairs below WCAG AA (empty: all pass). */
  contrast: ContrastWarning[];
}

interface StoredDraft {
  settings: Partial<DraftableThemeSettings>;
  version: number;
  updatedAt: string | null;
  publishedAt: string | null;
}

type Db = Kysely<TenantDatabase> | Transaction<TenantDatabase>;

const conflict = () => new AppError(ErrorCode.VersionConflict, 'The theme settings were changed since you loaded them; reload and try again');

const draftable = (t: ThemeSettings): DraftableThemeSettings => {
  const out: Record<string, unknown> = {};
  for (const k of DRAFTABLE_THEME_KEYS) out[k] = t[k];
  return out as unknown as DraftableThemeSettings;
};

async function readKey(db: Db, key: string, lock = false): Promise<unknown> {
  let q = db.selectFrom('store_settings').select('value').where('key', '=', key);
  if (lock) q = q.forUpdate();
  return (await q.executeTakeFirst())?.value;
}

async function writeKey(db: Db, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  const now = new Date();
  await db
    .insertInto('store_settings')
    .values({ key, value: json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
    .execute();
}

function readDraft(raw: unknown): StoredDraft | null {
  if (!raw || typeof raw !== 'object') return null;
  const d = raw as Partial<StoredDraft>;
  return {
    settings: d.settings && typeof d.settings === 'object' ? d.settings : {},
    version: typeof d.version === 'number' ? d.version : 0,
    updatedAt: typeof d.updatedAt === 'string' ? d.updatedAt : null,
    publishedAt: typeof d.publishedAt === 'string' ? d.publishedAt : null,
  };
}

/** The theme a preview shows: the published one with the draft's values over it (each key still read safely). */
export const draftThemeOf = (published: unknown, draftRaw: unknown): ThemeSettings => {
  const p = readTheme(published);
  const d = readDraft(draftRaw);
  return d ? readTheme({ ...p, ...d.settings, logoUrl: p.logoUrl }) : p;
};

/** The favicon URLs the published theme and the draft refer to: a file neither names can be deleted. */
const faviconsOf = (publishedRaw: unknown, draftRaw: unknown): Set<string> => {
  const urls = new Set<string>();
  for (const u of [readTheme(publishedRaw).faviconUrl, draftThemeOf(publishedRaw, draftRaw).faviconUrl]) if (u) urls.add(u);
  return urls;
};

const releasedBetween = (before: Set<string>, after: Set<string>): string[] => [...before].filter((u) => !after.has(u));

export interface ThemeSettingsOptions {
  /**
   * Called after a change commits with the favicon URLs that neither the published theme nor the draft refers to any
   * more (replaced, removed, or a draft's upload that publishing or another upload discarded): their files can go.
   */
  releaseFavicons?: (urls: string[]) => Promise<void>;
}

export class ThemeSettingsService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly options: ThemeSettingsOptions = {},
  ) {}

  private async released(urls: string[]): Promise<void> {
    if (urls.length && this.options.releaseFavicons) await this.options.releaseFavicons(urls);
  }

  async get(): Promise<ThemeSettingsView> {
    const [published, draft] = await Promise.all([readKey(this.t, 'theme'), readKey(this.t, THEME_DRAFT_KEY)]);
    return this.view(published, draft);
  }

  private view(publishedRaw: unknown, draftRaw: unknown): ThemeSettingsView {
    const published = readTheme(publishedRaw);
    const d = readDraft(draftRaw);
    const draft = draftThemeOf(publishedRaw, draftRaw);
    return {
      draft,
      published,
      version: d?.version ?? 0,
      draftUpdatedAt: d?.updatedAt ?? null,
      publishedAt: d?.publishedAt ?? null,
      contrast: themeContrastWarnings(draft),
    };
  }

  /** Locks the draft row (creating it from the published theme at version 0 first), for one writer at a time. */
  private async lockedDraft(trx: Transaction<TenantDatabase>): Promise<{ published: unknown; draft: StoredDraft }> {
    const published = await readKey(trx, 'theme');
    await trx
      .insertInto('store_settings')
      .values({
        key: THEME_DRAFT_KEY,
        value: JSON.stringify({ settings: draftable(readTheme(published)), version: 0, updatedAt: null, publishedAt: null }),
        updated_at: new Date(),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return { published, draft: readDraft(await readKey(trx, THEME_DRAFT_KEY, true)) as StoredDraft };
  }

  /**
   * Keys given replace the draft's; the others are kept. 422 `theme_settings_invalid` with `details: [{path,
   * message}]` for unknown keys and bad values; 409 `version_conflict` when `expectedVersion` is stale.
   */
  async saveDraft(input: unknown, expectedVersion?: number): Promise<ThemeSettingsView> {
    const checked = validateThemeSettings(input);
    if (!checked.ok)
      throw new AppError(ErrorCode.ThemeSettingsInvalid, `The theme settings are not valid: ${checked.problems[0]?.path} ${checked.problems[0]?.message}`, {
        details: checked.problems,
      });
    return this.changeDraft(checked.settings, expectedVersion);
  }

  private async changeDraft(changes: Partial<DraftableThemeSettings>, expectedVersion?: number): Promise<ThemeSettingsView> {
    const { view, released } = await this.t.transaction().execute(async (trx) => {
      const { published, draft } = await this.lockedDraft(trx);
      if (expectedVersion !== undefined && expectedVersion !== draft.version) throw conflict();
      const next: StoredDraft = { ...draft, settings: { ...draft.settings, ...changes }, version: draft.version + 1, updatedAt: new Date().toISOString() };
      await writeKey(trx, THEME_DRAFT_KEY, next);
      return { view: this.view(published, next), released: releasedBetween(faviconsOf(published, draft), faviconsOf(published, next)) };
    });
    await this.released(released);
    return view;
  }

  /** The uploaded favicon (a store media URL) becomes the draft's; shoppers get it when the draft is published. */
  async setDraftFavicon(url: string, expectedVersion?: number): Promise<ThemeSettingsView> {
    return this.changeDraft({ faviconUrl: url }, expectedVersion);
  }

  /** Publishes the draft: the `theme` key takes its values (the current logo kept). */
  async publish(): Promise<ThemeSettingsView> {
    const { view, released } = await this.t.transaction().execute(async (trx) => {
      const { published, draft } = await this.lockedDraft(trx);
      const theme = readTheme({ ...readTheme(published), ...draft.settings, logoUrl: readTheme(published).logoUrl });
      const next: StoredDraft = { ...draft, publishedAt: new Date().toISOString() };
      await writeKey(trx, 'theme', theme);
      await writeKey(trx, THEME_DRAFT_KEY, next);
      return { view: this.view(theme, next), released: releasedBetween(faviconsOf(published, draft), faviconsOf(theme, next)) };
    });
    await this.released(released);
    return view;
  }

  /** Throws the draft away: it takes the published values again (version counts on, so stale editors get 409). */
  async discardDraft(expectedVersion?: number): Promise<ThemeSettingsView> {
    const { view, released } = await this.t.transaction().execute(async (trx) => {
      const { published, draft } = await this.lockedDraft(trx);
      if (expectedVersion !== undefined && expectedVersion !== draft.version) throw conflict();
      const next: StoredDraft = { ...draft, settings: draftable(readTheme(published)), version: draft.version + 1, updatedAt: new Date().toISOString() };
      await writeKey(trx, THEME_DRAFT_KEY, next);
      return { view: this.view(published, next), released: releasedBetween(faviconsOf(published, draft), faviconsOf(published, next)) };
    });
    await this.released(released);
    return view;
  }

  /** The theme a preview link shows (never to shoppers). */
  async draftTheme(): Promise<ThemeSettings> {
    const [published, draft] = await Promise.all([readKey(this.t, 'theme'), readKey(this.t, THEME_DRAFT_KEY)]);
    return draftThemeOf(published, draft);
  }
}
