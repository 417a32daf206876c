/**
 * A store's privacy settings (the `privacy` key of `store_settings`): how long
 * each kind of shopper data is kept (enforced by the nightly
 * `privacy.retention-store` job, see retention.ts). Parsed leniently: a missing
 * or malformed key falls back to the defaults, so a bad value never stops a shop
 * or the job.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { z } from 'zod';

const days = (min: number, max: number) => z.number().int().min(min).max(max);

/** Days each kind of data is kept. */
export const retentionSchema = z.object({
  /** Carts (with their e-mail, lines and codes) untouched for this long are deleted. */
  abandonedCartsDays: days(1, 3650),
  /** Shopper events (views, add-to-cart, clicks, purchases) kept for recommendations and reports. */
  eventsDays: days(1, 3650),
  /** Search logs (queries, clicks, per-query counts). */
  searchLogsDays: days(1, 3650),
  /** Customer sign-in sessions end after this long (or at their own expiry, whichever is first). */
  sessionsDays: days(1, 365),
  /** Bodies of sent (or given-up) mail; recipient, subject and dates stay as the record of what was sent. */
  mailBodiesDays: days(1, 3650),
  /** Whole-store export archives (`.tar.gz` with customers and orders). */
  exportArchivesDays: days(1, 3650),
  /** Shoppers' own data-export archives (privacy requests). */
  privacyExportsDays: days(1, 90),
});
export type RetentionSettings = z.infer<typeof retentionSchema>;

export const DEFAULT_RETENTION: RetentionSettings = {
  abandonedCartsDays: 90,
  eventsDays: 365,
  searchLogsDays: 90,
  sessionsDays: 30,
  mailBodiesDays: 90,
  exportArchivesDays: 30,
  privacyExportsDays: 7, // = DEFAULT_EXPORT_TTL_DAYS
};

export const RETENTION_KEYS = Object.keys(DEFAULT_RETENTION) as (keyof RetentionSettings)[];

/**
 * Optional tracking the store uses (off by default: privacy by default, GDPR art. 25). Each one on is an optional
 * consent purpose: the storefront asks for it in its banner and does it only for shoppers who agreed.
 */
export interface TrackingSettings {
  /** Recommendations from a shopper's history beyond the visit: a browser id kept 180 days, events linked to the account. */
  recommendationTracking: boolean;
  /** Analytics events: what shoppers search for and which results they open. */
  analytics: boolean;
}
export const DEFAULT_TRACKING: TrackingSettings = { recommendationTracking: false, analytics: false };

export interface PrivacySettings extends TrackingSettings {
  retention: RetentionSettings;
}

/** Lenient: every retention field that is valid is kept, the others take their default. */
export function parsePrivacySettings(value: unknown): PrivacySettings {
  const raw = (value && typeof value === 'object' ? value : {}) as { retention?: unknown; recommendationTracking?: unknown; analytics?: unknown };
  const r = (raw.retention && typeof raw.retention === 'object' ? raw.retention : {}) as Record<string, unknown>;
  const retention = { ...DEFAULT_RETENTION };
  for (const k of RETENTION_KEYS) {
    const one = retentionSchema.shape[k].safeParse(r[k]);
    if (one.success) retention[k] = one.data;
  }
  return {
    retention,
    recommendationTracking: typeof raw.recommendationTracking === 'boolean' ? raw.recommendationTracking : DEFAULT_TRACKING.recommendationTracking,
    analytics: typeof raw.analytics === 'boolean' ? raw.analytics : DEFAULT_TRACKING.analytics,
  };
}

export async function loadPrivacySettings(t: Kysely<TenantDatabase>): Promise<PrivacySettings> {
  const row = await t.selectFrom('store_settings').select('value').where('key', '=', 'privacy').executeTakeFirst();
  return parsePrivacySettings(row?.value);
}

/**
 * Applies a partial change and returns the result. The read and the write are one
 * transaction holding the row's lock, so two concurrent changes of different
 * fields both survive.
 */
export async function updatePrivacySettings(
  t: Kysely<TenantDatabase>,
  change: { retention?: Partial<RetentionSettings> } & Partial<TrackingSettings>,
): Promise<PrivacySettings> {
  return t.transaction().execute(async (trx) => {
    await trx
      .insertInto('store_settings')
      .values({ key: 'privacy', value: JSON.stringify({}), updated_at: new Date() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await trx.selectFrom('store_settings').select('value').where('key', '=', 'privacy').forUpdate().executeTakeFirstOrThrow();
    const current = parsePrivacySettings(row.value);
    const { retention, ...tracking } = change;
    const next: PrivacySettings = { ...current, ...stripUndefined(tracking), retention: { ...current.retention, ...stripUndefined(retention ?? {}) } };
    await trx
      .updateTable('store_settings')
      .set({ value: JSON.stringify(next), updated_at: new Date() })
      .where('key', '=', 'privacy')
      .execute();
    return next;
  });
}

const stripUndefined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
