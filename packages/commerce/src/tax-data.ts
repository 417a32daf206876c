/**
 * Standard and reduced VAT/GST rates that a merchant can enable per country (issue 19), as published by the
 * tax authorities and collected on the date below. Rates change (Estonia, Finland, Slovakia and Romania all
 * raised theirs in 2024–2025): the merchant sees this date, enables a country, and can override any rate.
 * Percent as decimal numbers. Canada: one row per province, GST 5 % plus the provincial HST/PST/QST combined.
 * The US has no national rate: merchants set state rates themselves (POST /tax-rates {country:'US', region}).
 */
export const TAX_DATA_AS_OF = '2025-08-01';

export interface TaxDataRate {
  country: string;
  /** ISO 3166-2 subdivision without the country prefix ('ON', 'QC'); absent = the whole country. */
  region?: string;
  name: string;
  standard: number;
  /** The reduced rate the `reduced` tax class uses (the most common one: food, books); absent when there is none. */
  reduced?: number;
}

export const EU_COUNTRIES = [
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
] as const;

export const TAX_DATA: readonly TaxDataRate[] = [
  { country: 'AT', name: 'USt', standard: 20, reduced: 10 },
  { country: 'BE', name: 'TVA/BTW', standard: 21, reduced: 6 },
  { country: 'BG', name: 'ДДС', standard: 20, reduced: 9 },
  { country: 'CY', name: 'ΦΠΑ', standard: 19, reduced: 5 },
  { country: 'CZ', name: 'DPH', standard: 21, reduced: 12 },
  { country: 'DE', name: 'MwSt', standard: 19, reduced: 7 },
  { country: 'DK', name: 'moms', standard: 25 },
  { country: 'EE', name: 'käibemaks', standard: 24, reduced: 9 },
  { country: 'ES', name: 'IVA', standard: 21, reduced: 10 },
  { country: 'FI', name: 'ALV', standard: 25.5, reduced: 14 },
  { country: 'FR', name: 'TVA', standard: 20, reduced: 5.5 },
  { country: 'GR', name: 'ΦΠΑ', standard: 24, reduced: 13 },
  { country: 'HR', name: 'PDV', standard: 25, reduced: 13 },
  { country: 'HU', name: 'ÁFA', standard: 27, reduced: 5 },
  { country: 'IE', name: 'VAT', standard: 23, reduced: 13.5 },
  { country: 'IT', name: 'IVA', standard: 22, reduced: 10 },
  { country: 'LT', name: 'PVM', standard: 21, reduced: 9 },
  { country: 'LU', name: 'TVA', standard: 17, reduced: 8 },
  { country: 'LV', name: 'PVN', standard: 21, reduced: 12 },
  { country: 'MT', name: 'VAT', standard: 18, reduced: 5 },
  { country: 'NL', name: 'btw', standard: 21, reduced: 9 },
  { country: 'PL', name: 'VAT', standard: 23, reduced: 8 },
  { country: 'PT', name: 'IVA', standard: 23, reduced: 6 },
  { country: 'RO', name: 'TVA', standard: 21, reduced: 11 },
  { country: 'SE', name: 'moms', standard: 25, reduced: 12 },
  { country: 'SI', name: 'DDV', standard: 22, reduced: 9.5 },
  { country: 'SK', name: 'DPH', standard: 23, reduced: 19 },
  { country: 'GB', name: 'VAT', standard: 20, reduced: 5 },
  { country: 'CH', name: 'MWST', standard: 8.1, reduced: 2.6 },
  { country: 'NO', name: 'MVA', standard: 25, reduced: 15 },
  { country: 'AU', name: 'GST', standard: 10 },
  { country: 'NZ', name: 'GST', standard: 15 },
  { country: 'JP', name: '消費税', standard: 10, reduced: 8 },
  { country: 'SG', name: 'GST', standard: 9 },
  { country: 'CA', region: 'AB', name: 'GST', standard: 5 },
  { country: 'CA', region: 'BC', name: 'GST + PST', standard: 12 },
  { country: 'CA', region: 'MB', name: 'GST + RST', standard: 12 },
  { country: 'CA', region: 'NB', name: 'HST', standard: 15 },
  { country: 'CA', region: 'NL', name: 'HST', standard: 15 },
  { country: 'CA', region: 'NS', name: 'HST', standard: 14 },
  { country: 'CA', region: 'NT', name: 'GST', standard: 5 },
  { country: 'CA', region: 'NU', name: 'GST', standard: 5 },
  { country: 'CA', region: 'ON', name: 'HST', standard: 13 },
  { country: 'CA', region: 'PE', name: 'HST', standard: 15 },
  { country: 'CA', region: 'QC', name: 'GST + QST', standard: 14.975 },
  { country: 'CA', region: 'SK', name: 'GST + PST', standard: 11 },
  { country: 'CA', region: 'YT', name: 'GST', standard: 5 },
];

/**
 * VAT id formats per country (the letters after the country prefix), from the EU's VIES format notes plus GB, CH
 * and NO. Format only: whether an id is registered needs a validation provider (none is called at request time).
 */
export const VAT_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^\d[A-Z0-9+*]\d{5}[A-Z]{1,2}$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
  GB: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  CH: /^E\d{9}(MWST|TVA|IVA)?$/,
  NO: /^\d{9}(MVA)?$/,
};
