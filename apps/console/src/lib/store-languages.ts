/**
 * The languages a store can sell in (its storefront's catalogues), distinct from the console's own interface
 * languages (../i18n). The list is checked against the API's schema, so it cannot drift from the server's.
 */
import type { Schemas } from './api.ts';

export type StoreLanguage = Schemas['StoreSettings']['languages'][number];

export const STORE_LANGUAGES = ['en', 'zh-CN', 'de', 'fr', 'es', 'ja'] as const satisfies readonly StoreLanguage[];

/** Each language by its own name, as a shopper would look for it. */
export const STORE_LANGUAGE_NAMES: Record<StoreLanguage, string> = {
  en: 'English',
  'zh-CN': '简体中文',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  ja: '日本語',
};
