import type { MembershipRole } from '@storeloom/db';

/** What each store role may do. The API enforces it; the console only hides what would be refused. */
export const Permission = {
  ReadStore: 'store:read',
  UpdateStore: 'store:update',
  DeleteStore: 'store:delete',
  ManageTeam: 'team:manage',
  ReadCatalog: 'catalog:read',
  WriteCatalog: 'catalog:write',
  AdjustInventory: 'inventory:adjust',
  ImportCatalog: 'catalog:import',
  TransferOwnership: 'store:transfer',
  ManageJobs: 'jobs:manage',
  ReadOrders: 'orders:read',
  ManageOrders: 'orders:manage',
  RefundOrders: 'orders:refund',
  ReadPlanning: 'planning:read',
  ManagePlanning: 'planning:manage',
  /** Export the store's data (archive download holds customers and orders). */
  ExportStore: 'store:export',
  /** Create, change and delete discounts (reading them needs orders:read). */
  ManageDiscounts: 'discounts:manage',
  /** Issue, disable and change gift cards (reading them needs orders:read). */
  ManageGiftCards: 'gift_cards:manage',
  /** See, approve and download shoppers' export and erasure requests (personal data). */
  ManagePrivacy: 'privacy:manage',
  /** The store's sign-in policy (require two-factor sign-in of the team). */
  ManageSecurity: 'security:manage',
  /** Read the store's audit log (who viewed or exported which personal data, and other changes). */
  ReadAudit: 'audit:read',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

const staff: Permission[] = [
  Permission.ReadStore,
  Permission.ReadCatalog,
  Permission.WriteCatalog,
  Permission.AdjustInventory,
  Permission.ReadOrders,
  Permission.ManageOrders,
  Permission.ReadPlanning,
];
const admin: Permission[] = [
  ...staff,
  Permission.UpdateStore,
  Permission.ManageTeam,
  Permission.ImportCatalog,
  Permission.ManageJobs,
  Permission.RefundOrders,
  Permission.ManagePlanning,
  Permission.ExportStore,
  Permission.ManageDiscounts,
  Permission.ManageGiftCards,
  Permission.ManagePrivacy,
];
const owner: Permission[] = [...admin, Permission.DeleteStore, Permission.TransferOwnership, Permission.ManageSecurity, Permission.ReadAudit];

const grants: Record<MembershipRole, ReadonlySet<Permission>> = {
  staff: new Set(staff),
  admin: new Set(admin),
  owner: new Set(owner),
};

export const roleCan = (role: MembershipRole, permission: Permission) => grants[role].has(permission);
export const permissionsOf = (role: MembershipRole): Permission[] => [...grants[role]];
