/**
 * ISO 4217 minor units of the currencies a store can sell in: list one without its fund codes and units of account
 * (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) and without the codes that have no minor unit (metals, XDR, XSU, XTS,
 * XXX...), plus the withdrawn codes that Intl still formats (ANG, CUC, HRK, SLL, ZWL), so a store created with one
 * keeps working.
 *
 * Minor units come from the standard, not from Intl: CLDR (behind Intl) rounds some currencies to whole units for
 * display (HUF, IDR, COP, PKR, IQD...), but the amounts the API stores and Stripe charges are in ISO minor units.
 */
const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const TWO =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF ' +
  'CNY COP CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF ' +
  'IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR ' +
  'MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE ' +
  'SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ' +
  'ZAR ZMW ZWG ZWL';

export const MINOR_DIGITS: ReadonlyMap<string, number> = new Map(
  (
    [
      [ZERO, 0],
      [TWO, 2],
      [THREE, 3],
    ] as const
  ).flatMap(([codes, digits]) => codes.split(' ').map((code) => [code, digits] as const)),
);
