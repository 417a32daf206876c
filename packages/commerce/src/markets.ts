/**
 * Markets (issue 19): a named group of countries with a currency, languages, a
 * price rule and a tax display rule. Countries in no market belong to the
 * store's primary market (its own country and currency, the store's tax
 * setting). A market in another currency converts store prices at its own
 * `exchangeRate`, or else at the newest rate of the operator's table
 * (control.exchange_rates, loaded from a file; nothing is fetched at request
 * time), rounded to its `roundingIncrement`; a fixed per-variant price
 * overrides the conversion. See docs/design/markets.md for the money rules.
 */
import { recordPriceChanges } from '@storeloom/catalog';
import { TtlCache } from '@storeloom/collections';
import { type Database, type Kysely, newId, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { convert, isCurrencyCode, isRate } from '@storeloom/money';
import { isIsoCountry } from './countries.ts';
import type { StorefrontSettings } from './settings.ts';

/** One exchange rate as used: units of the market currency per 1 unit of the store currency. */
export interface UsedRate {
  rate: string;
  /** The rate table's day (YYYY-MM-DD); null for a market's own rate or the same currency. */
  asOf: string | null;
  source: 'same_currency' | 'market' | 'rates_table';
}

/** A market as pricing sees it: everything needed to turn store prices into the market's. */
export interface PricingMarket {
  /** null: the primary market (countries in no market). */
  id: string | null;
  name: string;
  countries: string[];
  currency: string;
  storeCurrency: string;
  rate: UsedRate;
  roundingIncrement: number;
  taxInclusive: boolean;
  languages: string[];
}

/** Where rates come from when a market has none of its own. */
export interface ExchangeRateSource {
  /** The newest rate on or before `on`, or null. */
  latest(base: string, quote: string, on: Date): Promise<{ rate: string; asOf: string } | null>;
}

const day = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

const rateSources = new WeakMap<Database, ExchangeRateSource & { forget(): void }>();

/** The operator's rate table (control.exchange_rates), cached in-process for a minute (one per Database). */
export function controlExchangeRates(db: Database): ExchangeRateSource & { forget(): void } {
  let source = rateSources.get(db);
  if (!source) {
    const cache = new TtlCache<string, { rate: string; asOf: string } | null>(60_000, 2_000);
    source = {
      async latest(base, quote, on) {
        const key = `${base}:${quote}:${day(on)}`;
        const hit = cache.get(key);
        if (hit !== undefined) return hit;
        const row = await db.control
          .selectFrom('exchange_rates')
          .select(['rate', 'as_of'])
          .where('base', '=', base)
          .where('quote', '=', quote)
          .where('as_of', '<=', day(on))
          .orderBy('as_of', 'desc')
          .limit(1)
          .executeTakeFirst();
        const value = row ? { rate: row.rate, asOf: day(row.as_of instanceof Date ? row.as_of : String(row.as_of)) } : null;
        cache.set(key, value);
        return value;
      },
      forget: () => cache.deleteWhere(() => true),
    };
    rateSources.set(db, source);
  }
  return source;
}

export interface ExchangeRateRow {
  base: string;
  quote: string;
  rate: string;
  /** YYYY-MM-DD */
  asOf: string;
}

/**
 * Loads rates into the operator's table (a day's row is replaced) and both directions are not implied: a GBP→EUR
 * rate serves GBP stores with euro markets. Every row is checked first; one bad row loads nothing.
 */
export async function loadExchangeRates(db: Database, rows: readonly ExchangeRateRow[], source: string): Promise<number> {
  rows.forEach((r, i) => {
    if (!isCurrencyCode(r.base) || !isCurrencyCode(r.quote) || r.base === r.quote)
      throw new RangeError(`row ${i + 1}: base and quote must be two ISO 4217 codes`);
    if (typeof r.rate !== 'string' || !isRate(r.rate)) throw new RangeError(`row ${i + 1}: rate must be a positive decimal string such as "1.1634"`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.asOf) || Number.isNaN(Date.parse(r.asOf))) throw new RangeError(`row ${i + 1}: asOf must be a date YYYY-MM-DD`);
  });
  if (!rows.length) return 0;
  await db.control
    .insertInto('exchange_rates')
    .values(rows.map((r) => ({ base: r.base, quote: r.quote, rate: r.rate, as_of: r.asOf, source })))
    .onConflict((oc) => oc.columns(['base', 'quote', 'as_of']).doUpdateSet((eb) => ({ rate: eb.ref('excluded.rate'), source: eb.ref('excluded.source') })))
    .execute();
  controlExchangeRates(db).forget();
  return rows.length;
}

/** Parses a rates file: JSON `[{base, quote, rate, asOf}]` or CSV with the header `base,quote,rate,asOf`. */
export function parseExchangeRatesFile(text: string): ExchangeRateRow[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as ExchangeRateRow[];
  const [header, ...lines] = trimmed.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  const cols = (header ?? '').split(',').map((c) => c.trim());
  return lines.map((l) => {
    const v = l.split(',').map((c) => c.trim());
    const at = (name: string) => v[cols.indexOf(name)] ?? '';
    return { base: at('base'), quote: at('quote'), rate: at('rate'), asOf: at('asOf') };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion

/** A store price in the market's currency: its fixed price when it has one, else converted and rounded to the increment. */
export function marketPrice(m: PricingMarket, storeAmount: number, fixed?: number | null): number {
  if (fixed !== undefined && fixed !== null) return fixed;
  return convert(storeAmount, m.storeCurrency, m.currency, m.rate.rate, { increment: m.roundingIncrement });
}

/** A store amount that is not a price (shipping rates, thresholds): converted to the minor unit, no increment. */
export function marketAmount(m: PricingMarket, storeAmount: number): number {
  return convert(storeAmount, m.storeCurrency, m.currency, m.rate.rate);
}

/** A presentment amount back in the store currency at the same rate (what the order keeps for reports and payouts). */
export function storeAmount(m: { currency: string; storeCurrency: string; rate: { rate: string } }, presentment: number): number {
  return convert(presentment, m.currency, m.storeCurrency, m.rate.rate, { invert: true });
}

/** The primary market of a store: its own currency at rate 1, the store's tax setting. */
export function primaryMarket(storeCurrency: string, settings: Pick<StorefrontSettings, 'tax'>): PricingMarket {
  return {
    id: null,
    name: 'Primary',
    countries: [],
    currency: storeCurrency,
    storeCurrency,
    rate: { rate: '1', asOf: null, source: 'same_currency' },
    roundingIncrement: 1,
    taxInclusive: settings.tax.includedInPrices,
    languages: [],
  };
}

/** The market a country belongs to (from `settings.markets`), else the primary one. */
export function marketFor(settings: StorefrontSettings, storeCurrency: string, country: string | null | undefined): PricingMarket {
  const c = country?.trim().toUpperCase();
  const found = c ? settings.markets?.find((m) => m.countries.includes(c)) : undefined;
  return found ?? primaryMarket(storeCurrency, settings);
}

/**
 * Settings as a market sees them: shipping amounts converted into its currency and its tax display rule. The
 * pricing steps (discounts' free-shipping view, shipping, tax) then work in the market currency unchanged.
 */
export function marketSettings(settings: StorefrontSettings, m: PricingMarket): StorefrontSettings {
  if (m.id === null) return settings;
  const s = settings.shipping;
  const same = m.currency === m.storeCurrency && m.rate.rate === '1';
  return {
    ...settings,
    shipping: same
      ? s
      : {
          ...s,
          flatRate: marketAmount(m, s.flatRate),
          freeOver: s.freeOver === null ? null : marketAmount(m, s.freeOver),
          weightRates: s.weightRates.map((r) => ({ ...r, rate: marketAmount(m, r.rate) })),
        },
    tax: { ...settings.tax, includedInPrices: m.taxInclusive },
  };
}

/** Fixed prices of these variants in this market (variantId → presentment minor units). */
export async function fixedMarketPrices(t: Kysely<TenantDatabase>, marketId: string, variantIds: readonly string[]): Promise<Map<string, number>> {
  if (!variantIds.length) return new Map();
  const rows = await t
    .selectFrom('market_prices')
    .select(['variant_id', 'price'])
    .where('market_id', '=', marketId)
    .where('variant_id', 'in', [...variantIds])
    .execute();
  return new Map(rows.map((r) => [r.variant_id, r.price]));
}

// ---------------------------------------------------------------------------------------------------------------
// The merchant API

export interface MarketInput {
  name: string;
  countries: string[];
  currency: string;
  exchangeRate?: string | null;
  roundingIncrement?: number;
  taxInclusive: boolean;
  languages?: string[];
}

export interface MarketView {
  id: string;
  name: string;
  countries: string[];
  currency: string;
  /** The market's own rate, or null when it uses the rate table. */
  exchangeRate: string | null;
  /** The rate in use now, with its day and where it came from (null when none is available). */
  rateUsed: UsedRate | null;
  roundingIncrement: number;
  taxInclusive: boolean;
  languages: string[];
  createdAt: string;
  updatedAt: string;
}

const BCP47 = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

export interface MarketServiceOptions {
  storeCurrency: string;
  rates: ExchangeRateSource;
  clock?: () => Date;
}

type MarketRow = {
  id: string;
  name: string;
  currency: string;
  exchange_rate: string | null;
  rounding_increment: number;
  tax_inclusive: boolean;
  languages: string[];
  created_at: Date;
  updated_at: Date;
};

export class MarketService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly opts: MarketServiceOptions,
  ) {}

  private now() {
    return this.opts.clock?.() ?? new Date();
  }

  /** The rate a market converts with now; null when it needs the table and the table has none. */
  async rateOf(currency: string, exchangeRate: string | null): Promise<UsedRate | null> {
    if (exchangeRate) return { rate: exchangeRate, asOf: null, source: 'market' };
    if (currency === this.opts.storeCurrency) return { rate: '1', asOf: null, source: 'same_currency' };
    const r = await this.opts.rates.latest(this.opts.storeCurrency, currency, this.now());
    return r ? { rate: r.rate, asOf: r.asOf, source: 'rates_table' } : null;
  }

  private async view(row: MarketRow, countries: string[]): Promise<MarketView> {
    return {
      id: row.id,
      name: row.name,
      countries: [...countries].sort(),
      currency: row.currency,
      exchangeRate: row.exchange_rate,
      rateUsed: await this.rateOf(row.currency, row.exchange_rate),
      roundingIncrement: row.rounding_increment,
      taxInclusive: row.tax_inclusive,
      languages: row.languages ?? [],
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  private async countriesOf(ids: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (!ids.length) return map;
    const rows = await this.t.selectFrom('market_countries').select(['market_id', 'country']).where('market_id', 'in', ids).execute();
    for (const r of rows) map.set(r.market_id, [...(map.get(r.market_id) ?? []), r.country]);
    return map;
  }

  /** The currencies the store sells in: its own, then each market's (gift cards may be issued in any of them). */
  async sellingCurrencies(): Promise<string[]> {
    const rows = await this.t.selectFrom('markets').select('currency').distinct().orderBy('currency').execute();
    return [this.opts.storeCurrency, ...rows.map((r) => r.currency).filter((c) => c !== this.opts.storeCurrency)];
  }

  async list(): Promise<MarketView[]> {
    const rows = (await this.t.selectFrom('markets').selectAll().orderBy('created_at').orderBy('id').execute()) as MarketRow[];
    const countries = await this.countriesOf(rows.map((r) => r.id));
    return Promise.all(rows.map((r) => this.view(r, countries.get(r.id) ?? [])));
  }

  async get(id: string): Promise<MarketView> {
    const row = (await this.t.selectFrom('markets').selectAll().where('id', '=', id).executeTakeFirst()) as MarketRow | undefined;
    if (!row) throw new AppError(ErrorCode.NotFound, 'Market not found');
    return this.view(row, (await this.countriesOf([id])).get(id) ?? []);
  }

  private check(input: Partial<MarketInput>): void {
    if (input.name !== undefined && (!input.name.trim() || input.name.length > 100)) throw invalid('name', '1 to 100 characters');
    if (input.currency !== undefined && !isCurrencyCode(input.currency)) throw invalid('currency', 'an ISO 4217 code such as EUR');
    if (input.countries !== undefined) {
      if (!input.countries.length || input.countries.length > 250) throw invalid('countries', '1 to 250 ISO 3166-1 alpha-2 codes');
      const bad = input.countries.find((c) => !isIsoCountry(c));
      if (bad !== undefined) throw invalid('countries', `${JSON.stringify(bad)} is not an ISO 3166-1 alpha-2 code`);
    }
    if (input.exchangeRate !== undefined && input.exchangeRate !== null && !(isRate(input.exchangeRate) && typeof input.exchangeRate === 'string'))
      throw invalid('exchangeRate', 'a positive decimal string such as "1.1634"');
    if (
      input.roundingIncrement !== undefined &&
      (!Number.isInteger(input.roundingIncrement) || input.roundingIncrement < 1 || input.roundingIncrement > 100_000)
    )
      throw invalid('roundingIncrement', 'minor units from 1 to 100000');
    if (input.languages !== undefined && (input.languages.length > 20 || input.languages.some((l) => !BCP47.test(l))))
      throw invalid('languages', 'BCP 47 tags such as de or fr-CH');
  }

  /** Countries must be free (a country is in at most one market); the primary key enforces it under races too. */
  private async writeCountries(trx: Kysely<TenantDatabase>, marketId: string, countries: string[]): Promise<void> {
    const unique = [...new Set(countries)];
    const taken = await trx
      .selectFrom('market_countries')
      .select(['country', 'market_id'])
      .where('country', 'in', unique)
      .where('market_id', '!=', marketId)
      .execute();
    if (taken.length)
      throw new AppError(ErrorCode.CountryInOtherMarket, `${taken.map((r) => r.country).join(', ')} already belong to another market`, {
        details: { countries: taken.map((r) => ({ country: r.country, marketId: r.market_id })) },
      });
    await trx.deleteFrom('market_countries').where('market_id', '=', marketId).execute();
    await trx
      .insertInto('market_countries')
      .values(unique.map((country) => ({ country, market_id: marketId })))
      .execute();
  }

  private async requireRate(currency: string, exchangeRate: string | null): Promise<void> {
    if (!(await this.rateOf(currency, exchangeRate)))
      throw new AppError(
        ErrorCode.ExchangeRateUnavailable,
        `No ${this.opts.storeCurrency}→${currency} rate in the rate table; give the market an exchangeRate or load rates`,
        { details: { base: this.opts.storeCurrency, quote: currency } },
      );
  }

  async create(input: MarketInput): Promise<MarketView> {
    const countries = input.countries.map((c) => c.trim().toUpperCase());
    const currency = input.currency;
    this.check({ ...input, countries, currency });
    const exchangeRate = currency === this.opts.storeCurrency ? null : (input.exchangeRate ?? null);
    await this.requireRate(currency, exchangeRate);
    const id = newId();
    await this.guard(() =>
      this.t.transaction().execute(async (trx) => {
        await trx
          .insertInto('markets')
          .values({
            id,
            name: input.name.trim(),
            currency,
            exchange_rate: exchangeRate,
            rounding_increment: input.roundingIncrement ?? 1,
            tax_inclusive: input.taxInclusive,
            languages: JSON.stringify(input.languages ?? []),
          })
          .execute();
        await this.writeCountries(trx, id, countries);
      }),
    );
    return this.get(id);
  }

  async update(id: string, patch: Partial<MarketInput>): Promise<MarketView> {
    const countries = patch.countries?.map((c) => c.trim().toUpperCase());
    const currency = patch.currency;
    this.check({ ...patch, ...(countries ? { countries } : {}), ...(currency ? { currency } : {}) });
    const current = await this.get(id);
    const nextCurrency = currency ?? current.currency;
    const nextRate = nextCurrency === this.opts.storeCurrency ? null : patch.exchangeRate !== undefined ? patch.exchangeRate : current.exchangeRate;
    await this.requireRate(nextCurrency, nextRate);
    await this.guard(() =>
      this.t.transaction().execute(async (trx) => {
        await trx
          .updateTable('markets')
          .set({
            ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
            currency: nextCurrency,
            exchange_rate: nextRate,
            ...(patch.roundingIncrement !== undefined ? { rounding_increment: patch.roundingIncrement } : {}),
            ...(patch.taxInclusive !== undefined ? { tax_inclusive: patch.taxInclusive } : {}),
            ...(patch.languages !== undefined ? { languages: JSON.stringify(patch.languages) } : {}),
            updated_at: this.now(),
          })
          .where('id', '=', id)
          .execute();
        if (countries) await this.writeCountries(trx, id, countries);
        // Fixed prices are in the market currency: a new currency makes them meaningless.
        if (nextCurrency !== current.currency) {
          const dropped = await trx.deleteFrom('market_prices').where('market_id', '=', id).returning('variant_id').execute();
          await recordPriceChanges(
            trx,
            dropped.map((r) => ({ variantId: r.variant_id, marketId: id, price: null })),
            'market_currency',
          );
        }
      }),
    );
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const r = await this.t.deleteFrom('markets').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) throw new AppError(ErrorCode.NotFound, 'Market not found');
  }

  /** Sets (or with null, removes) a variant's fixed price in the market's currency. */
  async setPrice(
    marketId: string,
    variantId: string,
    price: number | null,
  ): Promise<{ marketId: string; variantId: string; price: number | null; currency: string }> {
    const market = await this.get(marketId);
    const variant = await this.t.selectFrom('variants').select('id').where('id', '=', variantId).executeTakeFirst();
    if (!variant) throw new AppError(ErrorCode.NotFound, 'Variant not found');
    if (price === null) {
      await this.t.transaction().execute(async (trx) => {
        await trx.deleteFrom('market_prices').where('market_id', '=', marketId).where('variant_id', '=', variantId).execute();
        await recordPriceChanges(trx, [{ variantId, marketId, price: null }], 'market');
      });
      return { marketId, variantId, price: null, currency: market.currency };
    }
    if (!Number.isSafeInteger(price) || price < 0 || price > 2_000_000_000) throw invalid('price', `minor units of ${market.currency}, 0 to 2000000000`);
    await this.t.transaction().execute(async (trx) => {
      await trx
        .insertInto('market_prices')
        .values({ market_id: marketId, variant_id: variantId, price, updated_at: this.now() })
        .onConflict((oc) => oc.columns(['market_id', 'variant_id']).doUpdateSet({ price, updated_at: this.now() }))
        .execute();
      await recordPriceChanges(trx, [{ variantId, marketId, price }], 'market');
    });
    return { marketId, variantId, price, currency: market.currency };
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      // Two writers claimed the same country at once: the loser learns it here.
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.CountryInOtherMarket, 'A country already belongs to another market');
      throw e;
    }
  }

  /** Every market with the rate it converts with now, for pricing (markets without a usable rate are left out). */
  async pricingMarkets(): Promise<PricingMarket[]> {
    const out: PricingMarket[] = [];
    for (const m of await this.list()) {
      if (!m.rateUsed) continue;
      out.push({
        id: m.id,
        name: m.name,
        countries: m.countries,
        currency: m.currency,
        storeCurrency: this.opts.storeCurrency,
        rate: m.rateUsed,
        roundingIncrement: m.roundingIncrement,
        taxInclusive: m.taxInclusive,
        languages: m.languages,
      });
    }
    return out;
  }
}

/** Markets for pricing, loaded with the store's settings (the storefront caches both per store). */
export function loadPricingMarkets(t: Kysely<TenantDatabase>, db: Database, storeCurrency: string): Promise<PricingMarket[]> {
  return new MarketService(t, { storeCurrency, rates: controlExchangeRates(db) }).pricingMarkets();
}
