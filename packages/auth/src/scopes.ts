/**
 * API token scopes: what a personal API token may do, per route family, read and write separately (the names of
 * issue 21). A session (the console) is not limited by scopes, only by the member's role; a token is limited by both.
 * A new token gets only the scopes asked for (none by default: least privilege). Some routes are for sessions only
 * (minting or revoking tokens, password and account changes, accepting invitations): no token may call them.
 */
export const API_SCOPES = [
  'read_products',
  'write_products',
  'read_inventory',
  'write_inventory',
  'read_orders',
  'write_orders',
  'read_customers',
  'write_customers',
  'read_discounts',
  'write_discounts',
  'read_pricing',
  'write_pricing',
  'read_stores',
  'write_stores',
  'read_team',
  'write_team',
  'read_billing',
  'write_billing',
  'read_backups',
  'write_backups',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const isApiScope = (v: string): v is ApiScope => (API_SCOPES as readonly string[]).includes(v);

/** What each scope opens, for the API reference and the console. */
export const API_SCOPE_DESCRIPTIONS: Record<ApiScope, string> = {
  read_products: 'Read products, collections, images, imports, search and product recommendations',
  write_products: 'Create, change and delete products, collections, images; run imports; manage search',
  read_inventory: 'Read stock levels, adjustments, inventory planning',
  write_inventory: 'Adjust stock, thresholds, suppliers, reorder policies and inventory runs',
  read_orders: 'Read orders (with the shopper’s address), checkout settings, shipping zones and tax rates',
  write_orders: 'Fulfil and refund orders; change checkout settings, shipping zones and tax rates',
  read_customers: 'Read customers and per-customer recommendations',
  write_customers: 'Change customers',
  read_discounts: 'Read discounts, gift cards and promotion settings',
  write_discounts: 'Create and change discounts, gift cards and promotion settings',
  read_pricing: 'Read pricing experiments, runs and changes',
  write_pricing: 'Configure pricing and approve or reject price changes',
  read_stores: 'Read stores, their settings, markets, pages and blog, domain, launch state and jobs',
  write_stores: 'Create, change, launch and delete stores; settings, markets, pages and blog, domain; retry jobs',
  read_team: 'Read members and invitations',
  write_team: 'Invite, change and remove members; transfer ownership',
  read_billing: 'Read the plan, usage and payouts',
  write_billing: 'Open billing Checkout or portal, connect payouts',
  read_backups: 'List and download store exports (a full copy of the store’s data) and deleted stores',
  write_backups: 'Export, clone, import archives and restore deleted stores',
};

/**
 * What a route needs from a token: a scope; `any` (any valid token, e.g. who am I); or `session` (no token at all).
 */
export type RouteScope = ApiScope | 'any' | 'session';
