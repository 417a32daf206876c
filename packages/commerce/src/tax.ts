/**
 * Tax by destination (issue 19). Once a store has tax rates, a cart is taxed at the rates of the country (and
 * region) it ships to, per tax class: each line at its product's class, shipping at the store's shipping class.
 * Tax-inclusive markets compute the tax inside the prices, exclusive ones add it. Rounding: per rate, the tax of
 * all the amounts at that rate is rounded once (half up), then allocated over the lines (largest remainder, see
 * @storeloom/money allocate), so the lines' taxes sum to the order's tax exactly. A business buyer with a VAT id of
 * valid format, shipping to another EU country than the store's, pays no VAT when the merchant enables reverse
 * charge. A country without rates is not taxed. External calculators plug in through `TaxProvider`.
 */
import type { Kysely, OrderTaxLine, TenantDatabase } from '@storeloom/db';
import { newId, sql } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { allocate, convert, divideRounded } from '@storeloom/money';
import { isIsoCountry } from './countries.ts';
import type { ExchangeRateSource } from './markets.ts';
import { EU_COUNTRIES, TAX_DATA, TAX_DATA_AS_OF, VAT_ID_FORMATS } from './tax-data.ts';

export { EU_COUNTRIES, TAX_DATA, TAX_DATA_AS_OF } from './tax-data.ts';

export interface TaxRateRow {
  country: string;
  /** '' = the whole country. */
  region: string;
  taxClass: string;
  /** Thousandths of a percent. */
  rateMilli: number;
  name: string;
}

export interface TaxableItem {
  /** A variant id, or 'shipping'. */
  key: string;
  taxClass: string;
  /** In the order currency, after discounts; gross (with tax) when prices include tax. */
  amount: number;
}

export interface TaxRequest {
  country: string;
  region: string | null;
  inclusive: boolean;
  items: readonly TaxableItem[];
}

export interface TaxComputation {
  /** Sum of `lines[].amount`. */
  tax: number;
  /** Each item's tax (key → minor units), summing to `tax`. */
  perItem: Record<string, number>;
  lines: OrderTaxLine[];
}

/** An external calculator (Avalara, TaxJar, a merchant's own service) plugs in here; the rate table is the built-in one. */
export interface TaxProvider {
  readonly name: string;
  calculate(request: TaxRequest): TaxComputation | Promise<TaxComputation>;
}

/** Checks a business buyer's VAT id. The built-in one checks the format only; a VIES-backed one would plug in here (off the request path). */
export interface VatIdValidator {
  validate(vatId: string, country: string): { valid: boolean; normalised: string } | Promise<{ valid: boolean; normalised: string }>;
}

export const isEuCountry = (c: string | null | undefined) => !!c && (EU_COUNTRIES as readonly string[]).includes(c);

/** Format validation of a VAT id (country prefix optional; Greece's prefix is EL). */
export function validateVatIdFormat(vatId: string, country: string): { valid: boolean; normalised: string } {
  const compact = vatId.toUpperCase().replace(/[\s.\-/]/g, '');
  const prefix = country === 'GR' ? 'EL' : country;
  const body = compact.startsWith(prefix) ? compact.slice(prefix.length) : compact;
  const re = VAT_ID_FORMATS[prefix];
  return { valid: !!re && re.test(body), normalised: `${prefix}${body}` };
}

export const formatVatIdValidator: VatIdValidator = { validate: validateVatIdFormat };

/** The rate a class uses at a destination: region row, else country row; `reduced` falls back to standard; `zero` is 0 unless set. */
function rateFor(rates: readonly TaxRateRow[], country: string, region: string | null, taxClass: string): TaxRateRow | null {
  const at = (cls: string) =>
    (region ? rates.find((r) => r.country === country && r.region === region && r.taxClass === cls) : undefined) ??
    rates.find((r) => r.country === country && r.region === '' && r.taxClass === cls);
  const exact = at(taxClass);
  if (exact) return exact;
  if (taxClass === 'zero' || taxClass === 'exempt') return null;
  return at('standard') ?? null;
}

/** The rate table as a provider: per rate, tax rounded once and allocated over the items. */
export function tableTaxProvider(rates: readonly TaxRateRow[]): TaxProvider {
  return {
    name: 'rate_table',
    calculate(req) {
      const groups = new Map<string, { rate: TaxRateRow; items: TaxableItem[] }>();
      for (const item of req.items) {
        const rate = rateFor(rates, req.country, req.region, item.taxClass);
        if (!rate || rate.rateMilli === 0 || item.amount <= 0) continue;
        const key = `${rate.region}|${rate.taxClass}|${rate.rateMilli}`;
        const g = groups.get(key) ?? { rate, items: [] };
        g.items.push(item);
        groups.set(key, g);
      }
      const perItem: Record<string, number> = {};
      const lines: OrderTaxLine[] = [];
      let tax = 0;
      for (const { rate, items } of groups.values()) {
        const bases = items.map((i) => i.amount);
        const sum = bases.reduce((a, b) => a + b, 0);
        const m = BigInt(rate.rateMilli);
        const amount = Number(divideRounded(BigInt(sum) * m, req.inclusive ? 100_000n + m : 100_000n, 'half-up'));
        allocate(amount, bases).forEach((share, i) => {
          const k = items[i]?.key as string;
          perItem[k] = (perItem[k] ?? 0) + share;
        });
        tax += amount;
        lines.push({
          country: rate.country,
          region: rate.region || null,
          taxClass: rate.taxClass,
          rate: rate.rateMilli / 1000,
          name: rate.name,
          base: req.inclusive ? sum - amount : sum,
          amount,
        });
      }
      return { tax, perItem, lines };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The merchant API

export interface TaxRateView {
  id: string;
  country: string;
  region: string | null;
  taxClass: string;
  rate: number;
  name: string;
  source: string;
}

export interface TaxRateInput {
  country: string;
  region?: string | null;
  rate: number;
  name?: string | null;
  taxClass?: string | null;
}

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });
const TAX_CLASS_RE = /^[a-z][a-z0-9_-]{0,39}$/;

function toMilli(rate: number): number {
  const milli = Math.round(rate * 1000);
  if (!Number.isFinite(rate) || rate < 0 || rate > 100 || Math.abs(milli - rate * 1000) > 1e-6)
    throw invalid('rate', 'a percentage from 0 to 100 with at most 3 decimals');
  return milli;
}

type Row = { id: string; country: string; region: string; tax_class: string; rate_milli: number; name: string; source: string };
const view = (r: Row): TaxRateView => ({
  id: r.id,
  country: r.country,
  region: r.region || null,
  taxClass: r.tax_class,
  rate: r.rate_milli / 1000,
  name: r.name,
  source: r.source,
});

export class TaxRateService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async list(country?: string): Promise<TaxRateView[]> {
    let q = this.t.selectFrom('tax_rates').selectAll();
    if (country) q = q.where('country', '=', country.toUpperCase());
    return (await q.orderBy('country').orderBy('region').orderBy('tax_class').execute()).map(view);
  }

  /** Creates the rate, or replaces the one of the same country, region and class (a merchant override). */
  async upsert(input: TaxRateInput, source = 'merchant'): Promise<TaxRateView> {
    const country = input.country.trim().toUpperCase();
    if (!isIsoCountry(country)) throw invalid('country', 'an ISO 3166-1 alpha-2 code');
    const region = (input.region ?? '').trim().toUpperCase();
    if (region && !/^[A-Z0-9]{1,3}$/.test(region)) throw invalid('region', 'an ISO 3166-2 subdivision code without the country, such as CA or ON');
    const taxClass = input.taxClass ?? 'standard';
    if (!TAX_CLASS_RE.test(taxClass)) throw invalid('taxClass', "lower-case letters, digits, '-' or '_' (standard, reduced, zero, …)");
    const rateMilli = toMilli(input.rate);
    const name = (input.name ?? '').trim() || 'Tax';
    if (name.length > 60) throw invalid('name', 'at most 60 characters');
    const row = await this.t
      .insertInto('tax_rates')
      .values({ id: newId(), country, region, tax_class: taxClass, rate_milli: rateMilli, name, source })
      .onConflict((oc) => oc.columns(['country', 'region', 'tax_class']).doUpdateSet({ rate_milli: rateMilli, name, source, updated_at: sql`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return view(row);
  }

  async remove(id: string): Promise<void> {
    const r = await this.t.deleteFrom('tax_rates').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) throw new AppError(ErrorCode.NotFound, 'Tax rate not found');
  }

  /** Enables a country from the shipped data file: its standard and reduced rates (every province for CA). */
  async enable(countryInput: string): Promise<TaxRateView[]> {
    const country = countryInput.trim().toUpperCase();
    const rows = TAX_DATA.filter((r) => r.country === country);
    if (!rows.length) throw invalid('country', `no rates in the data file (${TAX_DATA_AS_OF}) for ${country}; add them with POST /tax-rates`);
    const out: TaxRateView[] = [];
    for (const r of rows) {
      out.push(await this.upsert({ country, region: r.region ?? null, rate: r.standard, name: r.name, taxClass: 'standard' }, `data:${TAX_DATA_AS_OF}`));
      if (r.reduced !== undefined)
        out.push(await this.upsert({ country, region: r.region ?? null, rate: r.reduced, name: r.name, taxClass: 'reduced' }, `data:${TAX_DATA_AS_OF}`));
    }
    return out;
  }
}

/** The store's rates for pricing (loaded with the settings by the storefront). */
export async function loadTaxRates(t: Kysely<TenantDatabase>): Promise<TaxRateRow[]> {
  const rows = await t.selectFrom('tax_rates').select(['country', 'region', 'tax_class', 'rate_milli', 'name']).execute();
  return rows.map((r) => ({ country: r.country, region: r.region, taxClass: r.tax_class, rateMilli: r.rate_milli, name: r.name }));
}

// ---------------------------------------------------------------------------------------------------------------
// EU One-Stop-Shop

export const OSS_THRESHOLD_EUR = 1_000_000; // €10,000.00 in cents

export interface OssRow {
  period: string;
  country: string;
  orders: number;
  /** Store currency, net of tax (goods and shipping). */
  netSales: number;
  tax: number;
}

export interface OssReport {
  year: number;
  storeCountry: string | null;
  storeCurrency: string;
  /** EU cross-border B2C sales this year (net of tax), in the store currency and in euros. */
  crossBorderSales: number;
  crossBorderSalesEur: number | null;
  thresholdEur: number;
  exceeded: boolean | null;
  /** The store→EUR rate used (null for a euro store or when the rate table has none). */
  eurRate: { rate: string; asOf: string } | null;
  rows: OssRow[];
}

/** An order's refunds in the store currency, and the tax share of them (rounded half up per order). */
const REFUNDED = sql`coalesce(store_refunded, refunded, 0)`;
const REFUNDED_TAX = sql`case when coalesce(store_total, total) > 0 then round(coalesce(store_tax, tax)::numeric * ${REFUNDED} / coalesce(store_total, total))::bigint else 0 end`;

/**
 * Year-to-date EU cross-border B2C sales (paid orders shipped to an EU country other than the store's, without
 * reverse charge) against the €10,000 threshold, and tax collected per country and quarter, in the store currency,
 * net of refunds.
 */
export async function ossReport(
  t: Kysely<TenantDatabase>,
  opts: { storeCountry: string | null; storeCurrency: string; year: number; rates: ExchangeRateSource; now?: Date },
): Promise<OssReport> {
  const from = new Date(Date.UTC(opts.year, 0, 1));
  const to = new Date(Date.UTC(opts.year + 1, 0, 1));
  const rows = await t
    .selectFrom('orders')
    .select([
      'tax_country',
      sql<number>`extract(quarter from paid_at at time zone 'UTC')::int`.as('quarter'),
      sql<number>`count(*)::int`.as('orders'),
      // Refunds come off the period the order was paid in (OSS corrections amend the original period): the refunded
      // store amount, of which the order's tax share (store_tax × refunded / total, half up per order) is tax. A full
      // refund takes off exactly the order's net and tax.
      sql<number>`coalesce(sum(coalesce(store_total, total) - coalesce(store_tax, tax) - (${REFUNDED} - ${REFUNDED_TAX})), 0)::bigint`.as('net'),
      sql<number>`coalesce(sum(coalesce(store_tax, tax) - ${REFUNDED_TAX}), 0)::bigint`.as('tax'),
    ])
    .where('payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
    .where('paid_at', '>=', from)
    .where('paid_at', '<', to)
    .where('reverse_charge', '=', false)
    .where('tax_country', 'in', [...EU_COUNTRIES])
    .$if(opts.storeCountry !== null, (q) => q.where('tax_country', '!=', opts.storeCountry as string))
    .groupBy(['tax_country', sql`2`])
    .orderBy('tax_country')
    .orderBy(sql`2`)
    .execute();
  const out: OssRow[] = rows.map((r) => ({
    period: `${opts.year}-Q${r.quarter}`,
    country: r.tax_country as string,
    orders: Number(r.orders),
    netSales: Number(r.net),
    tax: Number(r.tax),
  }));
  const crossBorderSales = out.reduce((s, r) => s + r.netSales, 0);
  let eurRate: OssReport['eurRate'] = null;
  let crossBorderSalesEur: number | null = null;
  if (opts.storeCurrency === 'EUR') crossBorderSalesEur = crossBorderSales;
  else {
    eurRate = await opts.rates.latest(opts.storeCurrency, 'EUR', opts.now ?? new Date());
    if (eurRate) crossBorderSalesEur = convert(crossBorderSales, opts.storeCurrency, 'EUR', eurRate.rate);
  }
  return {
    year: opts.year,
    storeCountry: opts.storeCountry,
    storeCurrency: opts.storeCurrency,
    crossBorderSales,
    crossBorderSalesEur,
    thresholdEur: OSS_THRESHOLD_EUR,
    exceeded: crossBorderSalesEur === null ? null : crossBorderSalesEur > OSS_THRESHOLD_EUR,
    eurRate,
    rows: out,
  };
}

/** The report's rows as CSV (amounts as decimals of the store currency). */
export function ossCsv(report: OssReport, toDecimal: (minor: number) => string): string {
  const lines = ['period,country,orders,net_sales,tax,currency'];
  for (const r of report.rows) lines.push([r.period, r.country, r.orders, toDecimal(r.netSales), toDecimal(r.tax), report.storeCurrency].join(','));
  return `${lines.join('\n')}\n`;
}

/** Where a cart ships and who buys, for the pricing steps; null until the country is known. */
export function pricingDestination(
  settings: { taxes?: { reverseCharge: boolean }; storeCountry?: string | null },
  country: string | null | undefined,
  region: string | null | undefined,
  vatId: string | null | undefined,
  validate: (vatId: string, country: string) => { valid: boolean; normalised: string } = validateVatIdFormat,
): { country: string; region: string | null; vatId: string | null; reverseCharge: boolean } | null {
  const c = country?.trim().toUpperCase();
  if (!c) return null;
  const v = vatId ? validate(vatId, c) : null;
  const reverseCharge = Boolean(v?.valid && settings.taxes?.reverseCharge && isEuCountry(c) && settings.storeCountry && c !== settings.storeCountry);
  return { country: c, region: region?.trim().toUpperCase() || null, vatId: v?.valid ? v.normalised : null, reverseCharge };
}
