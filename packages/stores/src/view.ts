/** How a store is shown (API, console) and who acts on it (audit). */
import type { Store } from '@storeloom/db';

export interface StoreView {
  id: string;
  slug: string;
  name: string;
  status: Store['status'];
  plan: string;
  currency: string;
  /** ISO 3166-1 alpha-2: the store's own country (its primary market); null until set. */
  country: string | null;
  /** IANA time zone (e.g. Europe/London) the console shows dates and times in. */
  timezone: string;
  defaultLocale: string;
  customDomain: string | null;
  schemaVersion: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const toStoreView = (s: Store): StoreView => ({
  id: s.id,
  slug: s.slug,
  name: s.name,
  status: s.status,
  plan: s.plan,
  currency: s.currency,
  country: s.country ?? null,
  timezone: s.timezone ?? 'UTC',
  defaultLocale: s.default_locale,
  customDomain: s.custom_domain,
  schemaVersion: s.schema_version,
  createdAt: s.created_at,
  updatedAt: s.updated_at,
});

export interface Actor {
  userId: string | null;
  requestId?: string | null;
}
