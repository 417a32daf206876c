import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { CartService, OrderService, parseSettings, type StorefrontSettings } from '../src/index.ts';

export interface Shop {
  p: TestPlatform;
  cookie: string;
  store: { id: string; slug: string; name: string; currency: string };
  t: Kysely<TenantDatabase>;
  settings: StorefrontSettings;
  orders: OrderService;
  product(over?: Record<string, unknown>): Promise<{ id: string; variants: { id: string; price: number }[] }>;
  cartWith(lines: [string, number][]): Promise<string>;
}

export async function openShop(p: TestPlatform, currency = 'USD'): Promise<Shop> {
  const { cookie } = await signup(p);
  const s = await createStore(p, cookie, undefined, currency);
  const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
  const t = p.db.tenant(row.schema_name);
  const store = { id: row.id, slug: row.slug, name: row.name, currency: row.currency };
  return {
    p,
    cookie,
    store,
    t,
    settings: parseSettings([]),
    orders: new OrderService(t, { store }),
    product: (over = {}) => createProduct(p, cookie, s.id, over),
    async cartWith(lines) {
      const carts = new CartService(t);
      const cart = await carts.findOrCreate(undefined);
      for (const [variantId, qty] of lines) await carts.add(cart.id, variantId, qty);
      return cart.id;
    },
  };
}

export const ADDRESS = {
  name: 'Ada Shopper',
  line1: '1 Main St',
  line2: null,
  city: 'Springfield',
  postalCode: '12345',
  region: null,
  country: 'US',
  phone: null,
};

export { startTestPlatform };
