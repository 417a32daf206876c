/** JSON views of domain objects shared by several route files. */
import { permissionsOf } from '@storeloom/auth';
import type { MembershipRole } from '@storeloom/db';
import type { StoreView } from '@storeloom/stores';
import { type ControlPlaneConfig, storeUrl } from './context.ts';

/** A store as the API shows it (StoreSchema); `role` is the caller's, where known, with the capabilities it grants. */
export const toStoreJson = (config: ControlPlaneConfig, s: StoreView & { role?: MembershipRole }) => ({
  id: s.id,
  slug: s.slug,
  name: s.name,
  status: s.status,
  plan: s.plan,
  currency: s.currency,
  country: s.country,
  timezone: s.timezone,
  defaultLocale: s.defaultLocale,
  customDomain: s.customDomain,
  url: storeUrl(config, s),
  ...(s.role ? { role: s.role, capabilities: permissionsOf(s.role) } : {}),
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});
