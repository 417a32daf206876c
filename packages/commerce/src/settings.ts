/**
 * Store settings the storefront reads (keys of `store_settings`, contracts §2),
 * each parsed leniently: a missing or malformed key falls back to its default
 * so a bad setting can never take a shop down.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { STORE_LANGUAGES, type StoreLanguage } from '@storeloom/money';
import { DEFAULT_THEME, readTheme, type ThemeSettings } from '@storeloom/theme';
import { z } from 'zod';
import type { PricingMarket } from './markets.ts';
import type { ShippingZone } from './shipping-zones.ts';
import type { TaxRateRow } from './tax.ts';

const money = z.number().int().min(0).max(100_000_000);

/** The theme as the storefront renders it: the one shape and defaults of @storeloom/theme. */
export type Theme = ThemeSettings;

/** The storefront's languages: the one list in @storeloom/money (locales.ts). */
export const LANGUAGES = STORE_LANGUAGES;
export type Language = StoreLanguage;
export const languagesSchema = z.array(z.enum(LANGUAGES)).min(1).max(LANGUAGES.length);

export const shippingSchema = z
  .object({
    mode: z.enum(['flat', 'weight']),
    flatRate: money,
    freeOver: money.nullable(),
    weightRates: z.array(z.object({ upToGrams: z.number().int().min(1).max(10_000_000), rate: money })).max(50),
  })
  .refine((s) => s.mode !== 'weight' || s.weightRates.length > 0, { message: 'weight mode needs at least one weight rate', path: ['weightRates'] });
export type ShippingSettings = z.infer<typeof shippingSchema>;

export const taxSchema = z.object({ ratePercent: z.number().min(0).max(100), includedInPrices: z.boolean() });
export type TaxSettings = z.infer<typeof taxSchema>;

/** Tax by destination (issue 19, the `taxes` key): shipping's tax class and reverse charge for EU business buyers. */
export const taxesSchema = z.object({
  shippingTaxClass: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
  reverseCharge: z.boolean(),
});
export type TaxesSettings = z.infer<typeof taxesSchema>;
export const DEFAULT_TAXES: TaxesSettings = { shippingTaxClass: 'standard', reverseCharge: false };

/** Storefront API origins, abandoned-cart recovery and marketing consent (the `promotions` key). */
export const promotionSettingsSchema = z.object({
  /** Origins (scheme://host[:port]) a headless front end may call the Storefront API from (CORS). */
  apiAllowedOrigins: z.array(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i)).max(20),
  recovery: z.object({
    enabled: z.boolean(),
    /** How long a checkout with an e-mail may sit without an order before the reminder (default 4 h). */
    delayMinutes: z.number().int().min(15).max(10_080),
    /** A second reminder 24 h after the first. */
    secondReminder: z.boolean(),
    /** A discount code offered in the reminder (applied when the shopper opens the link); null: none. */
    discountCode: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)
      .nullable()
      .optional(),
  }),
  /** The store's privacy settings allow marketing mail (recovery reminders are marketing). */
  marketingEmails: z.boolean(),
  /**
   * Who gets abandoned-cart reminders: `all` (anyone who left an e-mail; the default, as before) or `subscribed`
   * (only addresses with a recorded marketing consent: what EU stores should pick). An unsubscribe always wins.
   */
  recoveryRecipients: z.enum(['all', 'subscribed']).default('all'),
});
export type PromotionSettings = z.infer<typeof promotionSettingsSchema>;
export const DEFAULT_PROMOTION_SETTINGS: PromotionSettings = {
  apiAllowedOrigins: [],
  recovery: { enabled: true, delayMinutes: 240, secondReminder: false },
  marketingEmails: true,
  recoveryRecipients: 'all',
};

/** One default theme for console and storefront (@storeloom/theme). */
export { DEFAULT_THEME };
export const DEFAULT_SHIPPING: ShippingSettings = { mode: 'flat', flatRate: 500, freeOver: null, weightRates: [] };
export const DEFAULT_TAX: TaxSettings = { ratePercent: 0, includedInPrices: false };

export interface StorefrontSettings {
  theme: Theme;
  languages: Language[];
  shipping: ShippingSettings;
  tax: TaxSettings;
  promotions: PromotionSettings;
  /** The store's markets with the rates they use now (loaded by the storefront with the settings; absent = primary only). */
  markets?: PricingMarket[];
  /** Shipping zones (absent or empty: the single shipping table above). */
  shippingZones?: ShippingZone[];
  /** Tax rates by destination (absent or empty: the single store-wide rate above). */
  taxRates?: TaxRateRow[];
  /** The `taxes` key (parseSettings always sets it; absent = DEFAULT_TAXES). */
  taxes?: TaxesSettings;
  /** The store's own country (reverse charge applies across borders only). */
  storeCountry?: string | null;
}

export function parseSettings(rows: { key: string; value: unknown }[]): StorefrontSettings {
  const by = new Map(rows.map((r) => [r.key, r.value]));
  const languages = languagesSchema.safeParse(by.get('languages'));
  const shipping = shippingSchema.safeParse(by.get('shipping'));
  const tax = taxSchema.safeParse(by.get('tax'));
  const promotions = promotionSettingsSchema.safeParse(by.get('promotions'));
  const taxes = taxesSchema.safeParse(by.get('taxes'));
  return {
    theme: readTheme(by.get('theme')),
    languages: languages.success ? [...new Set(languages.data)] : ['en'],
    shipping: shipping.success ? shipping.data : DEFAULT_SHIPPING,
    tax: tax.success ? tax.data : DEFAULT_TAX,
    promotions: promotions.success ? promotions.data : DEFAULT_PROMOTION_SETTINGS,
    taxes: taxes.success ? taxes.data : DEFAULT_TAXES,
  };
}

const KEYS = ['theme', 'languages', 'shipping', 'tax', 'promotions', 'taxes'];

/** Writes the store's destination-tax settings (the `taxes` key). */
export async function saveTaxesSettings(t: Kysely<TenantDatabase>, settings: TaxesSettings): Promise<void> {
  const value = JSON.stringify(settings);
  await t
    .insertInto('store_settings')
    .values({ key: 'taxes', value, updated_at: new Date() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() }))
    .execute();
}

/** One statement for all the keys. */
/** Writes the store's promotion settings (one store_settings row). */
export async function savePromotionSettings(t: Kysely<TenantDatabase>, settings: PromotionSettings): Promise<void> {
  const value = JSON.stringify(settings);
  await t
    .insertInto('store_settings')
    .values({ key: 'promotions', value, updated_at: new Date() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() }))
    .execute();
}

export async function loadSettings(t: Kysely<TenantDatabase>): Promise<StorefrontSettings> {
  const rows = await t.selectFrom('store_settings').select(['key', 'value']).where('key', 'in', KEYS).execute();
  return parseSettings(rows);
}

/** Writes `shipping` and `tax` (validated by the caller) in one transaction. */
export async function saveCheckoutSettings(t: Kysely<TenantDatabase>, s: { shipping: ShippingSettings; tax: TaxSettings }): Promise<void> {
  await t.transaction().execute(async (trx) => {
    for (const [key, value] of [
      ['shipping', s.shipping],
      ['tax', s.tax],
    ] as const) {
      await trx
        .insertInto('store_settings')
        .values({ key, value: JSON.stringify(value), updated_at: new Date() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: new Date() }))
        .execute();
    }
  });
}

/**
 * The store's return policy (the `returns` key, issue 21): whether shoppers may ask for returns, for how many days
 * after the order was delivered (fulfilled), and whether a return gives back shipping: `never`, or `full_return` (when
 * the return takes back every unit of the order that was not refunded yet, the shipping left is refunded too).
 */
export const returnPolicySchema = z.object({
  enabled: z.boolean(),
  windowDays: z.number().int().min(1).max(365),
  shippingRefund: z.enum(['never', 'full_return']),
});
export type ReturnPolicy = z.infer<typeof returnPolicySchema>;
export const DEFAULT_RETURN_POLICY: ReturnPolicy = { enabled: true, windowDays: 30, shippingRefund: 'full_return' };

export async function loadReturnPolicy(t: Kysely<TenantDatabase>): Promise<ReturnPolicy> {
  const row = await t.selectFrom('store_settings').select('value').where('key', '=', 'returns').executeTakeFirst();
  const parsed = returnPolicySchema.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_RETURN_POLICY;
}

export async function saveReturnPolicy(t: Kysely<TenantDatabase>, policy: ReturnPolicy): Promise<void> {
  const value = JSON.stringify(policy);
  await t
    .insertInto('store_settings')
    .values({ key: 'returns', value, updated_at: new Date() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() }))
    .execute();
}
