/**
 * Shipping zones (issue 19): a zone is a named set of countries (each country in at most one zone) with rates. A
 * rate has a price in the store currency and optional subtotal and weight bounds (inclusive); a cart ships at the
 * cheapest rate of its country's zone whose bounds hold. Prices and subtotal bounds are converted into the market
 * currency like any store amount. Once a store has zones, a country in none (or a cart no rate fits) cannot check
 * out: 422 `shipping_unavailable`. A store without zones keeps its single shipping table (settings.shipping).
 */
import { type Kysely, newId, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { isIsoCountry } from './countries.ts';
import { marketAmount, type PricingMarket } from './markets.ts';

export interface ShippingZoneRate {
  id: string;
  name: string;
  price: number;
  minSubtotal: number | null;
  maxSubtotal: number | null;
  minWeightGrams: number | null;
  maxWeightGrams: number | null;
}

export interface ShippingZone {
  id: string;
  name: string;
  countries: string[];
  rates: ShippingZoneRate[];
}

export interface ShippingZoneView extends ShippingZone {
  createdAt: string;
  updatedAt: string;
}

export type ShippingZoneRateInput = Omit<ShippingZoneRate, 'id' | 'minSubtotal' | 'maxSubtotal' | 'minWeightGrams' | 'maxWeightGrams'> &
  Partial<Pick<ShippingZoneRate, 'minSubtotal' | 'maxSubtotal' | 'minWeightGrams' | 'maxWeightGrams'>>;

export interface ShippingZoneInput {
  name: string;
  countries: string[];
  rates: ShippingZoneRateInput[];
}

/** What shipping a cart gets: a rate, or none (no zone for the country, or no rate fits). */
export interface ZoneQuote {
  available: boolean;
  /** The chosen rate's name (the order's shipping method). */
  method: string | null;
  /** In the market currency. */
  price: number;
}

/** The cheapest rate of the country's zone that fits this cart (subtotal in the market currency, after discounts). */
export function quoteZoneShipping(
  zones: readonly ShippingZone[],
  country: string,
  market: PricingMarket | undefined,
  subtotal: number,
  weightGrams: number,
): ZoneQuote {
  const zone = zones.find((z) => z.countries.includes(country));
  if (!zone) return { available: false, method: null, price: 0 };
  const money = (n: number) => (market && market.id !== null ? marketAmount(market, n) : n);
  let best: ZoneQuote | null = null;
  for (const r of zone.rates) {
    if (r.minSubtotal !== null && subtotal < money(r.minSubtotal)) continue;
    if (r.maxSubtotal !== null && subtotal > money(r.maxSubtotal)) continue;
    if (r.minWeightGrams !== null && weightGrams < r.minWeightGrams) continue;
    if (r.maxWeightGrams !== null && weightGrams > r.maxWeightGrams) continue;
    const price = money(r.price);
    if (!best || price < best.price) best = { available: true, method: r.name, price };
  }
  return best ?? { available: false, method: null, price: 0 };
}

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

export class ShippingZoneService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async list(): Promise<ShippingZoneView[]> {
    const zones = await this.t.selectFrom('shipping_zones').selectAll().orderBy('created_at').orderBy('id').execute();
    if (!zones.length) return [];
    const ids = zones.map((z) => z.id);
    const [countries, rates] = await Promise.all([
      this.t.selectFrom('shipping_zone_countries').selectAll().where('zone_id', 'in', ids).orderBy('country').execute(),
      this.t.selectFrom('shipping_zone_rates').selectAll().where('zone_id', 'in', ids).orderBy('position').execute(),
    ]);
    return zones.map((z) => ({
      id: z.id,
      name: z.name,
      countries: countries.filter((c) => c.zone_id === z.id).map((c) => c.country),
      rates: rates
        .filter((r) => r.zone_id === z.id)
        .map((r) => ({
          id: r.id,
          name: r.name,
          price: r.price,
          minSubtotal: r.min_subtotal,
          maxSubtotal: r.max_subtotal,
          minWeightGrams: r.min_weight_grams,
          maxWeightGrams: r.max_weight_grams,
        })),
      createdAt: new Date(z.created_at).toISOString(),
      updatedAt: new Date(z.updated_at).toISOString(),
    }));
  }

  async get(id: string): Promise<ShippingZoneView> {
    const zone = (await this.list()).find((z) => z.id === id);
    if (!zone) throw new AppError(ErrorCode.NotFound, 'Shipping zone not found');
    return zone;
  }

  private check(input: Partial<ShippingZoneInput>): void {
    if (input.name !== undefined && (!input.name.trim() || input.name.length > 100)) throw invalid('name', '1 to 100 characters');
    if (input.countries !== undefined) {
      if (!input.countries.length || input.countries.length > 250) throw invalid('countries', '1 to 250 ISO 3166-1 alpha-2 codes');
      const bad = input.countries.find((c) => !isIsoCountry(c));
      if (bad !== undefined) throw invalid('countries', `${JSON.stringify(bad)} is not an ISO 3166-1 alpha-2 code`);
    }
    input.rates?.forEach((r, i) => {
      if (!r.name?.trim() || r.name.length > 100) throw invalid(`rates.${i}.name`, '1 to 100 characters');
      for (const [k, v] of Object.entries({
        price: r.price,
        minSubtotal: r.minSubtotal,
        maxSubtotal: r.maxSubtotal,
        minWeightGrams: r.minWeightGrams,
        maxWeightGrams: r.maxWeightGrams,
      }))
        if (v !== undefined && v !== null && (!Number.isSafeInteger(v) || v < 0 || v > 2_000_000_000))
          throw invalid(`rates.${i}.${k}`, 'a whole number from 0');
      if (r.minSubtotal != null && r.maxSubtotal != null && r.minSubtotal > r.maxSubtotal) throw invalid(`rates.${i}.maxSubtotal`, 'at least minSubtotal');
      if (r.minWeightGrams != null && r.maxWeightGrams != null && r.minWeightGrams > r.maxWeightGrams)
        throw invalid(`rates.${i}.maxWeightGrams`, 'at least minWeightGrams');
    });
    if (input.rates && input.rates.length > 50) throw invalid('rates', 'at most 50');
  }

  private async write(trx: Kysely<TenantDatabase>, id: string, input: Partial<ShippingZoneInput>): Promise<void> {
    if (input.countries) {
      const unique = [...new Set(input.countries)];
      const taken = await trx
        .selectFrom('shipping_zone_countries')
        .select(['country', 'zone_id'])
        .where('country', 'in', unique)
        .where('zone_id', '!=', id)
        .execute();
      if (taken.length)
        throw new AppError(ErrorCode.CountryInOtherZone, `${taken.map((r) => r.country).join(', ')} already belong to another shipping zone`, {
          details: { countries: taken.map((r) => ({ country: r.country, zoneId: r.zone_id })) },
        });
      await trx.deleteFrom('shipping_zone_countries').where('zone_id', '=', id).execute();
      await trx
        .insertInto('shipping_zone_countries')
        .values(unique.map((country) => ({ country, zone_id: id })))
        .execute();
    }
    if (input.rates) {
      await trx.deleteFrom('shipping_zone_rates').where('zone_id', '=', id).execute();
      if (input.rates.length)
        await trx
          .insertInto('shipping_zone_rates')
          .values(
            input.rates.map((r, i) => ({
              id: newId(),
              zone_id: id,
              name: r.name.trim(),
              price: r.price,
              min_subtotal: r.minSubtotal ?? null,
              max_subtotal: r.maxSubtotal ?? null,
              min_weight_grams: r.minWeightGrams ?? null,
              max_weight_grams: r.maxWeightGrams ?? null,
              position: i,
            })),
          )
          .execute();
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.CountryInOtherZone, 'A country already belongs to another shipping zone');
      throw e;
    }
  }

  async create(input: ShippingZoneInput): Promise<ShippingZoneView> {
    const countries = input.countries.map((c) => c.trim().toUpperCase());
    this.check({ ...input, countries });
    const id = newId();
    await this.guard(() =>
      this.t.transaction().execute(async (trx) => {
        await trx.insertInto('shipping_zones').values({ id, name: input.name.trim() }).execute();
        await this.write(trx, id, { countries, rates: input.rates });
      }),
    );
    return this.get(id);
  }

  async update(id: string, patch: Partial<ShippingZoneInput>): Promise<ShippingZoneView> {
    const countries = patch.countries?.map((c) => c.trim().toUpperCase());
    this.check({ ...patch, ...(countries ? { countries } : {}) });
    await this.guard(() =>
      this.t.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('shipping_zones')
          .set({ ...(patch.name !== undefined ? { name: patch.name.trim() } : {}), updated_at: new Date() })
          .where('id', '=', id)
          .returning('id')
          .executeTakeFirst();
        if (!row) throw new AppError(ErrorCode.NotFound, 'Shipping zone not found');
        await this.write(trx, id, { ...(countries ? { countries } : {}), ...(patch.rates ? { rates: patch.rates } : {}) });
      }),
    );
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const r = await this.t.deleteFrom('shipping_zones').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) throw new AppError(ErrorCode.NotFound, 'Shipping zone not found');
  }
}

/** The zones for pricing (loaded with the store's settings by the storefront). */
export async function loadShippingZones(t: Kysely<TenantDatabase>): Promise<ShippingZone[]> {
  return (await new ShippingZoneService(t).list()).map(({ createdAt: _c, updatedAt: _u, ...z }) => z);
}
