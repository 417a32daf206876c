/**
 * Money in Storeloom: integer minor units of an ISO 4217 currency, everywhere (database, API, jobs, console).
 * This package is the one place that knows a currency's digits, turns amounts into text and back, talks Stripe's
 * amount dialect, converts between currencies and splits amounts; it also holds the store languages (locales.ts) and the plural messages of their catalogues (plural.ts). It has no dependencies, so the console and the
 * storefront's browser bundle import it too.
 */
export { allocate } from './allocate.ts';
export { isStoreLanguage, STORE_LANGUAGE_NAMES, STORE_LANGUAGES, type StoreLanguage } from './locales.ts';
export { type ConvertOptions, convert, isRate, type Rate } from './convert.ts';
export { type CurrencyCode, currencyCode, currencyCodes, isCurrencyCode, minorDigits, normaliseCurrencyText, parseCurrencyCode } from './currency.ts';
export { type ParseOptions, parseDecimal, parseMoney, parseMoneyInput, toDecimalString } from './decimal.ts';
export { formatMoney, moneyFormatter } from './format.ts';
export { formatPlurals, integerPluralCategories, messagePlaceholders, type PluralBlock, pluralBlocks } from './plural.ts';
export { divideRounded, ROUNDINGS, type Rounding, roundToIncrement } from './rounding.ts';
export { fromStripeAmount, StripeAmountError, stripeCurrency, stripeDigits, stripeIncrement, toStripeAmount } from './stripe.ts';
