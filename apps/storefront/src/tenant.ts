/**
 * Host -> store, with the store's storefront settings and collection list,
 * cached per host for a few seconds so a warm page costs no lookup. A store
 * or settings change reaches the storefront within the TTL (other processes
 * write them; there is no cross-process signal), or at once in-process
 * through `invalidate`.
 */
import { loadOptionalPurposes, type OptionalPurpose } from '@storeloom/privacy';
import { type CollectionRef, StorefrontCatalog } from './catalog.ts';
import { TranslationService } from '@storeloom/catalog';
import { loadPricingSettings, type StorefrontSettings } from '@storeloom/commerce';
import { TtlCache } from '@storeloom/collections';
import {
  FOOTER_MENU,
  HEADER_MENU,
  type MenuLink,
  MenuService,
  PolicyService,
  ProductMediaService,
  ReviewService,
  ThemeLayoutService,
} from '@storeloom/content';
import type { Layout, ThemeTemplate } from '@storeloom/theme';
import type { Database, Kysely, Store, TenantDatabase } from '@storeloom/db';
import { readStoreText, StoreService, type StoreText } from '@storeloom/stores';

export interface Tenant {
  store: Store;
  t: Kysely<TenantDatabase>;
  settings: StorefrontSettings;
  collections: CollectionRef[];
  /** The header and footer menus as resolved links, and the published policy pages (footer and checkout links). */
  content: TenantContent;
  /** The optional consent purposes the store asks for (privacy and promotions settings); empty: no banner. */
  consentPurposes: OptionalPurpose[];
  /**
   * Changes whenever anything above changes (store row, settings and theme, collections, menus, layouts, texts):
   * rendered pages are kept under it, so a theme publish or a settings change reaches them with the next reload.
   * A reload that finds the same data keeps the generation (pages stay cached across the TTL).
   */
  generation: number;
}

export interface TenantContent {
  header: MenuLink[];
  footer: MenuLink[];
  policies: { url: string; title: string }[];
  /** Header and footer menus with translated titles, per locale that has a translation of one of them. */
  menusByLocale: Record<string, { header: MenuLink[]; footer: MenuLink[] }>;
  /** The store's name per locale that translates it. */
  storeNames: Record<string, string>;
  /** The announcement bar and footer text (store settings), and their translations per locale. */
  storeText: StoreText;
  storeTexts: Record<string, Partial<StoreText>>;
  /** Products with a 3D model: a product page asks for models only for these (no extra statement on the others). */
  modelProductIds: Set<string>;
  /** Products with published reviews (the same shortcut for the reviews lookup). */
  reviewedProductIds: Set<string>;
  /** Published theme layouts by template (a template missing here renders its default page). */
  layouts: Partial<Record<ThemeTemplate, Layout>>;
}

const NO_CONTENT: TenantContent = {
  header: [],
  footer: [],
  menusByLocale: {},
  storeNames: {},
  storeText: { announcement: null, footerText: null },
  storeTexts: {},
  policies: [],
  modelProductIds: new Set(),
  reviewedProductIds: new Set(),
  layouts: {},
};

async function loadContent(t: Kysely<TenantDatabase>): Promise<TenantContent> {
  const [menus, storeStrings, policies, modelProducts, reviewed, storeText, layouts] = await Promise.all([
    new MenuService(t).resolvedInLocales([HEADER_MENU, FOOTER_MENU]),
    new TranslationService(t).allLocales('store'),
    new PolicyService(t).publishedLinks(),
    new ProductMediaService(t).productsWithModels(),
    new ReviewService(t).reviewedProductIds(),
    readStoreText(t),
    new ThemeLayoutService(t).publishedLayouts(),
  ]);
  return {
    header: menus.original[HEADER_MENU] ?? [],
    footer: menus.original[FOOTER_MENU] ?? [],
    menusByLocale: Object.fromEntries(
      Object.entries(menus.byLocale).map(([locale, m]) => [locale, { header: m[HEADER_MENU] ?? [], footer: m[FOOTER_MENU] ?? [] }]),
    ),
    storeNames: Object.fromEntries(storeStrings.flatMap((s) => (s.fields.name ? [[s.locale, s.fields.name]] : []))),
    storeText,
    storeTexts: Object.fromEntries(
      storeStrings.map((s) => [
        s.locale,
        { ...(s.fields.announcement ? { announcement: s.fields.announcement } : {}), ...(s.fields.footerText ? { footerText: s.fields.footerText } : {}) },
      ]),
    ),
    policies: policies.map((p) => ({ url: p.url, title: p.title })),
    modelProductIds: new Set(modelProducts),
    reviewedProductIds: new Set(reviewed),
    layouts,
  };
}

/** Sets as sorted arrays, so equal content gives an equal fingerprint. */
const fingerprintOf = (t: Omit<Tenant, 't' | 'generation'>) => JSON.stringify(t, (_k, v: unknown) => (v instanceof Set ? [...v].sort() : v));

export class TenantResolver {
  private readonly cache: TtlCache<string, Tenant | null>;
  private readonly stores: StoreService;
  /** The last fingerprint and generation per store: a reload with the same data keeps its generation. */
  private readonly generations = new Map<string, { fingerprint: string; generation: number }>();
  private nextGeneration = 1;
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
    const store = await this.stores.domains.findByHost(host, this.rootDomain);
    let tenant: Tenant | null = null;
    if (store) {
      if (store.status === 'active') {
        const t = this.db.tenant(store.schema_name);
        // The same settings the console's market preview prices with (loadPricingSettings).
        const [settings, collections, content, consentPurposes] = await Promise.all([
          loadPricingSettings(t, this.db, store),
          new StorefrontCatalog(t).collections(),
          loadContent(t),
          loadOptionalPurposes(t),
        ]);
        const data = { store, settings, collections, content, consentPurposes };
        tenant = { ...data, t, generation: this.generationOf(store.id, fingerprintOf(data)) };
      } else tenant = { store, t: null as never, settings: null as never, collections: [], content: NO_CONTENT, consentPurposes: [], generation: 0 };
    }
    this.cache.set(host, tenant);
    return tenant;
  }

  private generationOf(storeId: string, fingerprint: string): number {
    const known = this.generations.get(storeId);
    if (known?.fingerprint === fingerprint) return known.generation;
    const generation = this.nextGeneration++;
    if (this.generations.size >= 20_000 && !known) this.generations.delete(this.generations.keys().next().value as string);
    this.generations.set(storeId, { fingerprint, generation });
    return generation;
  }

  /** Forgets every cached store (after an in-process change). */
  invalidate(): void {
    this.cache.clear();
  }
}
