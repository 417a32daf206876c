/**
 * Store settings as the console edits them and the storefront reads them:
 * name/currency/default language on the store row (control schema), theme and
 * languages as JSON in the store's `store_settings` (keys fixed by the
 * storefront contract). Both are written in one transaction.
 */
import { type Database, type Kysely, PRIMARY_CLUSTER, type Store, storeReadOnlyError, type TenantDatabase, type Transaction, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { readTheme, type ThemeSettings } from '@storeloom/theme';
import { isCurrency, SUPPORTED_LOCALES, type SupportedLocale } from './validation.ts';

export { DEFAULT_THEME, HEX_COLOUR_RE, THEME_FONTS, type ThemeFont, type ThemeSettings } from '@storeloom/theme';

export interface StoreSettingsView {
  name: string;
  currency: string;
  /** ISO 3166-1 alpha-2: the store's own country, its primary market. */
  country: string | null;
  defaultLocale: SupportedLocale;
  languages: SupportedLocale[];
  theme: ThemeSettings;
  /** The announcement bar above the storefront's header (plain text; null: no bar). Translatable like the name. */
  announcement: string | null;
  /** A line of text in the storefront's footer (plain text; null: none). Translatable like the name. */
  footerText: string | null;
}

export interface StoreSettingsInput {
  name?: string;
  currency?: string;
  country?: string | null;
  defaultLocale?: SupportedLocale;
  languages?: SupportedLocale[];
  theme?: Partial<Omit<ThemeSettings, 'logoUrl'>>;
  /** null or "" removes it. */
  announcement?: string | null;
  footerText?: string | null;
}

/** The store's own strings beyond its name (store_settings `storeText`). */
export interface StoreText {
  announcement: string | null;
  footerText: string | null;
}

export const STORE_TEXT_LIMITS = { announcement: 500, footerText: 2000 } as const;

/** The announcement bar and footer text as stored (missing or malformed: none). */
export async function readStoreText(t: Kysely<TenantDatabase> | Transaction<TenantDatabase>): Promise<StoreText> {
  const raw = await readSetting<Partial<StoreText>>(t, 'storeText');
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : null);
  return { announcement: text(raw?.announcement), footerText: text(raw?.footerText) };
}

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

/** Reads a JSON setting, falling back when it is missing or malformed. */
async function readSetting<T>(t: Kysely<TenantDatabase> | Transaction<TenantDatabase>, key: string): Promise<T | undefined> {
  const row = await t.selectFrom('store_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value as T | undefined;
}

async function writeSetting(t: Kysely<TenantDatabase> | Transaction<TenantDatabase>, key: string, value: unknown) {
  await t
    .insertInto('store_settings')
    .values({ key, value: JSON.stringify(value), updated_at: new Date() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: new Date() }))
    .execute();
}

function languagesFrom(raw: unknown, defaultLocale: string): SupportedLocale[] {
  const list = Array.isArray(raw) ? raw.filter((l): l is SupportedLocale => SUPPORTED_LOCALES.includes(l as SupportedLocale)) : [];
  const def = SUPPORTED_LOCALES.includes(defaultLocale as SupportedLocale) ? (defaultLocale as SupportedLocale) : 'en';
  return [def, ...list.filter((l) => l !== def)].filter((l, i, a) => a.indexOf(l) === i);
}

export class StoreSettingsService {
  constructor(
    private readonly db: Database,
    private readonly store: Store,
  ) {}

  private get tenant() {
    return this.db.tenant(this.store.schema_name);
  }

  async get(): Promise<StoreSettingsView> {
    const [theme, stored, text] = await Promise.all([readSetting(this.tenant, 'theme'), readSetting(this.tenant, 'languages'), readStoreText(this.tenant)]);
    const languages = languagesFrom(stored, this.store.default_locale);
    return {
      name: this.store.name,
      currency: this.store.currency,
      country: this.store.country ?? null,
      // The first language is the default (an unsupported stored locale reads as 'en', as the storefront serves it).
      defaultLocale: languages[0] ?? 'en',
      languages,
      theme: readTheme(theme),
      ...text,
    };
  }

  /**
   * Merges the input over the current settings. The first language is the
   * default: setting `languages` moves `defaultLocale` with it, and setting
   * only `defaultLocale` puts it first in `languages`.
   */
  async update(input: StoreSettingsInput, actor: { userId: string | null; requestId?: string | null }): Promise<StoreSettingsView> {
    if (input.currency !== undefined && !isCurrency(input.currency)) throw invalid('currency', 'must be an ISO 4217 code such as USD');
    if (input.languages !== undefined && input.languages.length === 0) throw invalid('languages', 'at least one language');
    if (input.languages && input.defaultLocale && input.languages[0] !== input.defaultLocale) throw invalid('defaultLocale', 'must be the first of languages');
    for (const field of ['announcement', 'footerText'] as const) {
      const v = input[field];
      if (v !== undefined && v !== null && (typeof v !== 'string' || v.trim().length > STORE_TEXT_LIMITS[field]))
        throw invalid(field, `a text of at most ${STORE_TEXT_LIMITS[field]} characters`);
    }
    const schema = this.store.schema_name;
    // On the primary cluster, control and store rows change in one transaction. A store on another cluster
    // cannot share a transaction with the control schema: its store transaction commits inside the control
    // transaction (which holds the store row's lock), then the control one commits — a failure before the store
    // commit changes nothing; one between the two commits leaves only the idempotent settings written (a retry repairs).
    const onPrimary = (await this.db.placementOf(schema)).cluster === PRIMARY_CLUSTER;
    const result = await this.db.kysely.transaction().execute(async (trx) => {
      const control = trx.withSchema('control');
      const row = await control
        .selectFrom('stores')
        .selectAll()
        .where('id', '=', this.store.id)
        .where('status', '!=', 'deleted')
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
      if (row.read_only) throw storeReadOnlyError();
      const tenantWork = async (tenant: Transaction<TenantDatabase>) => {
        const current = languagesFrom(await readSetting(tenant, 'languages'), row.default_locale);
        let languages = current;
        if (input.languages) languages = input.languages.filter((l, i, a) => a.indexOf(l) === i);
        else if (input.defaultLocale) languages = [input.defaultLocale, ...current.filter((l) => l !== input.defaultLocale)];
        await writeSetting(tenant, 'languages', languages);
        let theme = readTheme(await readSetting(tenant, 'theme'));
        if (input.theme) {
          const changes = Object.fromEntries(Object.entries(input.theme).filter(([, v]) => v !== undefined));
          theme = { ...theme, ...changes };
          await writeSetting(tenant, 'theme', theme);
          // The theme editor's draft (content's ThemeSettingsService) takes the same changes, so publishing it later
          // does not bring the old values back.
          const draft = (await tenant.selectFrom('store_settings').select('value').where('key', '=', 'themeDraft').forUpdate().executeTakeFirst())?.value as
            | { settings?: object; version?: number }
            | undefined;
          if (draft && typeof draft === 'object')
            await writeSetting(tenant, 'themeDraft', {
              ...draft,
              settings: { ...(draft.settings ?? {}), ...changes },
              version: (typeof draft.version === 'number' ? draft.version : 0) + 1,
              updatedAt: new Date().toISOString(),
            });
        }
        let text = await readStoreText(tenant);
        if (input.announcement !== undefined || input.footerText !== undefined) {
          const clean = (v: string | null | undefined, was: string | null) => (v === undefined ? was : v?.trim() ? v.trim() : null);
          text = { announcement: clean(input.announcement, text.announcement), footerText: clean(input.footerText, text.footerText) };
          await writeSetting(tenant, 'storeText', text);
        }
        return { languages, theme, text };
      };
      const { languages, theme, text } = onPrimary
        ? await tenantWork(trx.withSchema(schema) as unknown as Transaction<TenantDatabase>)
        : await this.db.tenantTransaction(schema, tenantWork);
      const defaultLocale = languages[0] as SupportedLocale;
      const set: Record<string, unknown> = { updated_at: new Date(), default_locale: defaultLocale };
      if (input.name !== undefined) set.name = input.name.trim();
      if (input.currency !== undefined) set.currency = input.currency;
      if (input.country !== undefined) set.country = input.country;
      const updated = await control.updateTable('stores').set(set).where('id', '=', this.store.id).returningAll().executeTakeFirstOrThrow();
      await writeAudit(control as never, {
        storeId: this.store.id,
        actorUserId: actor.userId,
        action: 'store.settings_updated',
        targetType: 'store',
        targetId: this.store.id,
        data: { changes: input },
        requestId: actor.requestId ?? null,
      });
      return { updated, languages, theme, text };
    });
    return {
      name: result.updated.name,
      currency: result.updated.currency,
      country: result.updated.country ?? null,
      defaultLocale: result.languages[0] ?? 'en',
      languages: result.languages,
      theme: result.theme,
      ...result.text,
    };
  }

  /** Sets (or clears) the logo; returns the storage key of the logo it replaced, for the caller to delete. */
  async setLogo(
    logo: { url: string; key: string } | null,
    actor: { userId: string | null; requestId?: string | null },
  ): Promise<{ previousKey: string | null }> {
    const schema = this.store.schema_name;
    const onPrimary = (await this.db.placementOf(schema)).cluster === PRIMARY_CLUSTER;
    // Same pattern as update(): one transaction on the primary, store-then-control commits elsewhere.
    return this.db.kysely.transaction().execute(async (trx) => {
      const row = await trx.withSchema('control').selectFrom('stores').select('read_only').where('id', '=', this.store.id).forShare().executeTakeFirst();
      if (row?.read_only) throw storeReadOnlyError();
      const tenantWork = async (tenant: Transaction<TenantDatabase>) => {
        // Serialises concurrent logo changes of one store.
        await tenant.selectFrom('store_settings').select('key').where('key', '=', 'logo').forUpdate().execute();
        const previous = await readSetting<{ key?: string }>(tenant, 'logo');
        const theme = readTheme(await readSetting(tenant, 'theme'));
        await writeSetting(tenant, 'theme', { ...theme, logoUrl: logo?.url ?? null });
        await writeSetting(tenant, 'logo', logo ? { key: logo.key } : {});
        return previous;
      };
      const previous = onPrimary
        ? await tenantWork(trx.withSchema(schema) as unknown as Transaction<TenantDatabase>)
        : await this.db.tenantTransaction(schema, tenantWork);
      await writeAudit(trx.withSchema('control') as never, {
        storeId: this.store.id,
        actorUserId: actor.userId,
        action: logo ? 'store.logo_set' : 'store.logo_removed',
        targetType: 'store',
        targetId: this.store.id,
        requestId: actor.requestId ?? null,
      });
      return { previousKey: typeof previous?.key === 'string' && previous.key !== logo?.key ? previous.key : null };
    });
  }
}
