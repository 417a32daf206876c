/** What each role may do, mirroring packages/auth's grants: the API enforces them; the console only hides what would be refused. */
import type { Role } from './api.ts';

export type Capability =
  | 'catalog:write'
  | 'catalog:import'
  | 'inventory:adjust'
  | 'store:update'
  | 'store:delete'
  | 'team:manage'
  | 'orders:read'
  | 'orders:manage'
  | 'orders:refund'
  | 'store:transfer'
  | 'jobs:manage'
  | 'planning:read'
  | 'planning:manage'
  | 'store:export';

const staff: Capability[] = ['catalog:write', 'inventory:adjust', 'orders:read', 'orders:manage', 'planning:read'];
const admin: Capability[] = [...staff, 'store:update', 'team:manage', 'catalog:import', 'orders:refund', 'jobs:manage', 'planning:manage', 'store:export'];
const owner: Capability[] = [...admin, 'store:delete', 'store:transfer'];
const grants: Record<Role, ReadonlySet<Capability>> = { staff: new Set(staff), admin: new Set(admin), owner: new Set(owner) };

export const can = (role: Role | undefined, capability: Capability) => (role ? grants[role].has(capability) : false);
