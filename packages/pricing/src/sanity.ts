/**
 * Data-sanity checks run before trusting a product's pricing state.
 *
 * `detectBrokenData` never throws on bad data: it returns the list of issues
 * found. `error` issues mean the state or feed is impossible (the worker
 * should not price from it); `warning` issues are statistically implausible
 * (e.g. broken sales tracking) and deserve a human look.
 */

import { POLICY_STATE_VERSION, type PricingPolicyState } from './policy.ts';
import { at } from './util.ts';

export type DataIssueCode =
  | 'malformed-state'
  | 'invalid-count'
  | 'sales-exceed-offers'
  | 'sales-exceed-inventory'
  | 'inventory-mismatch'
  | 'price-index-out-of-range'
  | 'sale-without-stock'
  | 'time-not-increasing'
  | 'demand-increases-with-price'
  | 'no-sales-recorded'
  | 'every-offer-sold';

export interface DataIssue {
  readonly code: DataIssueCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly priceIndex?: number;
}

/** One raw feed record (e.g. one period or one day at one price). */
export interface ObservationRecord {
  readonly priceIndex: number;
  readonly offers: number;
  readonly sales: number;
  /** Period / day number; must strictly increase across records when given. */
  readonly t?: number;
  /** Units in stock when the record started. */
  readonly stockBefore?: number;
}

export interface SanityInput {
  readonly state: PricingPolicyState;
  readonly observations?: readonly ObservationRecord[];
  /** Stock at the start of the selling season, if known. */
  readonly initialInventory?: number;
  /** Stock now, if known (checked against initialInventory - recorded sales). */
  readonly remainingInventory?: number;
}

export interface SanityOptions {
  /** z-score above which a higher price selling better than a lower one is flagged (default 4). */
  readonly monotoneZ?: number;
  /** Minimum offers at both prices before the monotonicity test runs (default 30). */
  readonly minOffersForRateTests?: number;
  /** Offers (all prices) with zero sales before "no-sales-recorded" fires (default 500). */
  readonly minOffersForZeroSales?: number;
}

export interface SanityReport {
  /** False when any issue has severity "error". */
  readonly ok: boolean;
  readonly issues: DataIssue[];
  /** Human-readable messages, one per issue. */
  readonly reasons: string[];
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function checkShape(state: PricingPolicyState, out: DataIssue[]): boolean {
  const s = state as unknown as Record<string, unknown>;
  if (!s || typeof s !== 'object') {
    out.push({ code: 'malformed-state', severity: 'error', message: 'state is not an object' });
    return false;
  }
  if (s.version !== POLICY_STATE_VERSION) {
    out.push({ code: 'malformed-state', severity: 'error', message: `unknown state version ${String(s.version)}` });
    return false;
  }
  const arrays = ['prices', 'priorSuccesses', 'priorFailures', 'offers', 'sales'] as const;
  for (const key of arrays) {
    if (!Array.isArray(s[key])) {
      out.push({ code: 'malformed-state', severity: 'error', message: `${key} is not an array` });
      return false;
    }
  }
  const K = state.prices.length;
  for (const key of arrays) {
    if ((s[key] as unknown[]).length !== K) {
      out.push({ code: 'malformed-state', severity: 'error', message: `${key} has ${(s[key] as unknown[]).length} entries, expected ${K}` });
      return false;
    }
  }
  if (K === 0 || !state.prices.every((p) => Number.isSafeInteger(p) && p > 0) || new Set(state.prices).size !== K) {
    out.push({ code: 'malformed-state', severity: 'error', message: 'prices must be distinct positive integers (minor units)' });
    return false;
  }
  const priorsOk = [...state.priorSuccesses, ...state.priorFailures].every((v) => Number.isFinite(v) && v > 0);
  if (!priorsOk) {
    out.push({ code: 'malformed-state', severity: 'error', message: 'prior pseudo-counts must be finite and > 0' });
    return false;
  }
  return true;
}

/** Two-proportion z statistic for "rate B > rate A" (pooled variance); 0 when undefined. */
function zHigher(sA: number, nA: number, sB: number, nB: number): number {
  const pA = sA / nA;
  const pB = sB / nB;
  const pool = (sA + sB) / (nA + nB);
  const v = pool * (1 - pool) * (1 / nA + 1 / nB);
  return v > 0 ? (pB - pA) / Math.sqrt(v) : 0;
}

/** z statistic for "Poisson rate B > rate A" (pooled rate under H0); 0 when undefined. */
function zHigherRate(sA: number, nA: number, sB: number, nB: number): number {
  const pool = (sA + sB) / (nA + nB);
  const v = pool * (1 / nA + 1 / nB);
  return v > 0 ? (sB / nB - sA / nA) / Math.sqrt(v) : 0;
}

export function detectBrokenData(input: SanityInput, opts: SanityOptions = {}): SanityReport {
  const issues: DataIssue[] = [];
  const finish = (): SanityReport => ({
    ok: !issues.some((i) => i.severity === 'error'),
    issues,
    reasons: issues.map((i) => i.message),
  });
  const { state } = input;
  if (!checkShape(state, issues)) return finish();
  const K = state.prices.length;
  const zMax = opts.monotoneZ ?? 4;
  const minN = opts.minOffersForRateTests ?? 30;
  // Poisson model: an offer is a period (a day), so several units per offer are normal.
  const poisson = state.demandModel === 'poisson';

  let countsOk = true;
  for (let k = 0; k < K; k++) {
    const n = state.offers[k];
    const s = state.sales[k];
    if (!isCount(n) || !isCount(s)) {
      countsOk = false;
      issues.push({
        code: 'invalid-count',
        severity: 'error',
        priceIndex: k,
        message: `price #${k}: counts must be non-negative integers (offers=${n}, sales=${s})`,
      });
    } else if (s > n && !poisson) {
      countsOk = false;
      issues.push({ code: 'sales-exceed-offers', severity: 'error', priceIndex: k, message: `price #${k}: ${s} sales from only ${n} offers` });
    }
  }

  if (countsOk) {
    const totalSales = state.sales.reduce((a, b) => a + b, 0);
    const totalOffers = state.offers.reduce((a, b) => a + b, 0);
    if (input.initialInventory !== undefined) {
      if (totalSales > input.initialInventory) {
        issues.push({
          code: 'sales-exceed-inventory',
          severity: 'error',
          message: `${totalSales} units recorded sold but only ${input.initialInventory} were in stock`,
        });
      } else if (input.remainingInventory !== undefined && input.initialInventory - totalSales !== input.remainingInventory) {
        issues.push({
          code: 'inventory-mismatch',
          severity: 'error',
          message: `stock ${input.initialInventory} - ${totalSales} sold = ${input.initialInventory - totalSales}, but ${input.remainingInventory} remain`,
        });
      }
    }
    // Demand should not rise with price; a significant rise suggests swapped or mislabeled data.
    const order = state.prices.map((_, k) => k).sort((i, j) => at(state.prices, i) - at(state.prices, j));
    order.forEach((lo, a) => {
      for (const hi of order.slice(a + 1)) {
        const nLo = at(state.offers, lo);
        const nHi = at(state.offers, hi);
        if (nLo < minN || nHi < minN) continue;
        const sLo = at(state.sales, lo);
        const sHi = at(state.sales, hi);
        const z = poisson ? zHigherRate(sLo, nLo, sHi, nHi) : zHigher(sLo, nLo, sHi, nHi);
        if (z > zMax) {
          issues.push({
            code: 'demand-increases-with-price',
            severity: 'warning',
            priceIndex: hi,
            message: `price ${at(state.prices, hi)} sells at ${(sHi / nHi).toFixed(3)} vs ${(sLo / nLo).toFixed(3)} at the lower price ${at(state.prices, lo)} (z=${z.toFixed(1)})`,
          });
        }
      }
    });
    if (totalSales === 0 && totalOffers >= (opts.minOffersForZeroSales ?? 500)) {
      issues.push({ code: 'no-sales-recorded', severity: 'warning', message: `${totalOffers} offers and not a single sale: is sales tracking working?` });
    }
    for (let k = 0; k < K && !poisson; k++) {
      const n = at(state.offers, k);
      if (n >= minN && state.sales[k] === n) {
        issues.push({
          code: 'every-offer-sold',
          severity: 'warning',
          priceIndex: k,
          message: `price #${k}: all ${n} offers sold; are offers counted from orders?`,
        });
      }
    }
  }

  let lastT: number | undefined;
  (input.observations ?? []).forEach((o, i) => {
    const where = `observation ${i}`;
    if (!(Number.isInteger(o.priceIndex) && o.priceIndex >= 0 && o.priceIndex < K)) {
      issues.push({ code: 'price-index-out-of-range', severity: 'error', message: `${where}: price index ${o.priceIndex} not in [0, ${K - 1}]` });
    }
    if (!isCount(o.offers) || !isCount(o.sales)) {
      issues.push({ code: 'invalid-count', severity: 'error', message: `${where}: counts must be non-negative integers` });
    } else if (o.sales > o.offers && !poisson) {
      issues.push({ code: 'sales-exceed-offers', severity: 'error', message: `${where}: ${o.sales} sales from ${o.offers} offers` });
    }
    if (o.stockBefore !== undefined && isCount(o.sales) && o.sales > 0 && o.sales > o.stockBefore) {
      issues.push({
        code: 'sale-without-stock',
        severity: 'error',
        message: `${where}: ${o.sales} sold with ${o.stockBefore} in stock`,
      });
    }
    if (o.t !== undefined) {
      if (lastT !== undefined && !(o.t > lastT)) {
        issues.push({ code: 'time-not-increasing', severity: 'error', message: `${where}: t=${o.t} after t=${lastT}` });
      }
      lastT = o.t;
    }
  });
  return finish();
}
