/**
 * The languages a store can sell in (its storefront's catalogues), distinct from the console's own interface
 * languages (../i18n): the platform's one list (@storeloom/money, locales.ts), checked here against the API's
 * schema both ways, so the console cannot offer a language the API refuses or miss one it accepts.
 */
import { STORE_LANGUAGE_NAMES, STORE_LANGUAGES, type StoreLanguage } from '@storeloom/money';
import type { Schemas } from './api.ts';

type ApiLanguage = Schemas['StoreSettings']['languages'][number];
const sameAsApi: [Exclude<ApiLanguage, StoreLanguage> | Exclude<StoreLanguage, ApiLanguage>] extends [never] ? true : false = true;
void sameAsApi;

export { STORE_LANGUAGE_NAMES, STORE_LANGUAGES, type StoreLanguage };
