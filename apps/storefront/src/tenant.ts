/**
 * Host -> store, with the store's storefront settings and collection list,
 * cached per host for a few seconds so a warm page costs no lookup. A store
 * or settings change reaches the storefront within the TTL (other processes
 * write them; there is no cross-process signal), or at once in-process
 * through `invalidate`.
 */
import { type CollectionRef, StorefrontCatalog } from './catalog.ts';
import { loadPricingMarkets, loadSettings, loadShippingZones, loadTaxRates, type StorefrontSettings } from '@storeloom/commerce';
import { TtlCache } from '@storeloom/collections';
import type { Database, Kysely, Store, TenantDatabase } from '@storeloom/db';
import { StoreService } from '@storeloom/stores';

export interface Tenant {
  store: Store;
  t: Kysely<TenantDatabase>;
  settings: StorefrontSettings;
  collections: CollectionRef[];
}

export class TenantResolver {
  private readonly cache: TtlCache<string, Tenant | null>;
  private readonly stores: StoreService;
  constructor(
    private readonly db: Database,
    private readonly rootDomain: string,
    ttlMs = 5000,
  ) {
    this.stores = new StoreService(db);
    this.cache = new TtlCache(ttlMs, 20_000);
  }

  async resolve(hostHeader: string): Promise<Tenant | null> {
    const host = hostHeader.toLowerCase();
    const hit = this.cache.get(host);
    if (hit !== undefined) return hit;
    const store = await this.stores.findByHost(host, this.rootDomain);
    let tenant: Tenant | null = null;
    if (store) {
      if (store.status === 'active') {
        const t = this.db.tenant(store.schema_name);
        const [settings, collections, markets, shippingZones, taxRates] = await Promise.all([
          loadSettings(t),
          new StorefrontCatalog(t).collections(),
          loadPricingMarkets(t, this.db, store.currency),
          loadShippingZones(t),
          loadTaxRates(t),
        ]);
        tenant = { store, t, settings: { ...settings, markets, shippingZones, taxRates, storeCountry: store.country ?? null }, collections };
      } else tenant = { store, t: null as never, settings: null as never, collections: [] };
    }
    this.cache.set(host, tenant);
    return tenant;
  }

  /** Forgets every cached store (after an in-process change). */
  invalidate(): void {
    this.cache.clear();
  }
}
