/**
 * Countries and addresses as each country writes them: country names in the
 * page's language (Intl.DisplayNames, so all 249 ISO 3166 countries without a
 * name table), the line order of an address (after the Universal Postal Union
 * / CLDR address formats: "City, ST 12345" in the US, the postcode on its own
 * line in the UK, largest to smallest in China and Japan), and what the postal
 * code and region fields are called there.
 */
import type { MessageKey } from './i18n.ts';
import type { AddressData } from './types.ts';

const names = new Map<string, Intl.DisplayNames | null>();
function displayNames(lang: string): Intl.DisplayNames | null {
  let d = names.get(lang);
  if (d === undefined) {
    try {
      d = new Intl.DisplayNames([lang, 'en'], { type: 'region', fallback: 'code' });
    } catch {
      d = null;
    }
    names.set(lang, d);
  }
  return d;
}

/** "France", "Deutschland" or "法国": the country's name in `lang`; the code itself when Intl has no name. */
export function countryName(code: string, lang: string): string {
  return displayNames(lang)?.of(code) ?? code;
}

/** The codes as [code, name] pairs sorted by name in `lang` (collation of that language). */
export function countryOptions(codes: readonly string[], lang: string): [string, string][] {
  const collator = new Intl.Collator(lang);
  return codes.map((c): [string, string] => [c, countryName(c, lang)]).sort((a, b) => collator.compare(a[1], b[1]));
}

type Style = 'us' | 'gb' | 'east' | 'postal-first';
const STYLE: Record<string, Style> = {
  US: 'us',
  CA: 'us',
  AU: 'us',
  PR: 'us',
  GB: 'gb',
  IE: 'gb',
  NZ: 'gb',
  ZA: 'gb',
  SG: 'gb',
  CN: 'east',
  JP: 'east',
  KR: 'east',
  TW: 'east',
  HK: 'east',
};

/** The lines of an address, in the order its country writes them, ending with the country's name. */
export function formatAddress(a: AddressData, lang: string): string[] {
  const country = countryName(a.country, lang);
  const street = [a.line1, a.line2 ?? ''].filter(Boolean);
  switch (STYLE[a.country] ?? 'postal-first') {
    case 'us':
      return [a.name, ...street, `${a.city}${a.region ? `, ${a.region}` : ''} ${a.postalCode}`.trim(), country];
    case 'gb':
      return [a.name, ...street, a.city, ...(a.region ? [a.region] : []), a.postalCode, country];
    case 'east':
      // Largest to smallest: country, postcode, region and city, street, then the person.
      return [country, a.country === 'JP' ? `〒${a.postalCode}` : a.postalCode, `${a.region ?? ''}${a.region ? ' ' : ''}${a.city}`, ...street, a.name];
    default:
      return [a.name, ...street, `${a.postalCode} ${a.city}`.trim(), ...(a.region ? [a.region] : []), country];
  }
}

/** One line ("1 Main St, Springfield") for pickers and labels. */
export const addressSummary = (a: AddressData) => [a.line1, a.city].filter(Boolean).join(', ');

const POSTAL: Record<string, MessageKey> = {
  US: 'postalZip',
  PR: 'postalZip',
  IN: 'postalPin',
  GB: 'postalPostcode',
  AU: 'postalPostcode',
  IE: 'postalEircode',
  NZ: 'postalPostcode',
  ZA: 'postalPostcode',
};
const REGION: Record<string, MessageKey> = {
  US: 'regionState',
  AU: 'regionState',
  IN: 'regionState',
  MX: 'regionState',
  BR: 'regionState',
  MY: 'regionState',
  NG: 'regionState',
  CA: 'regionProvince',
  CN: 'regionProvince',
  IT: 'regionProvince',
  ES: 'regionProvince',
  AR: 'regionProvince',
  PH: 'regionProvince',
  ZA: 'regionProvince',
  JP: 'regionPrefecture',
  GB: 'regionCounty',
  IE: 'regionCounty',
};
export const postalLabelKey = (country: string): MessageKey => POSTAL[country] ?? 'postalCode';
export const regionLabelKey = (country: string): MessageKey => REGION[country] ?? 'region';
