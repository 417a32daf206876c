/**
 * The languages a store can sell in: its storefront's message catalogues, the `languages` of its settings and
 * markets, the locales its prices and dates are formatted in. One list for the whole platform (the API's enums,
 * the storefront, the console): it sits here because this is the zero-dependency package that the server, the
 * storefront's browser bundle and the console all import, and formatting money is formatting by locale.
 * Adding a language: add it here and its catalogue in apps/storefront/src/messages (a parity test checks both).
 */
export const STORE_LANGUAGES = ['en', 'zh-CN', 'de', 'fr', 'es', 'ja'] as const;
export type StoreLanguage = (typeof STORE_LANGUAGES)[number];

export const isStoreLanguage = (v: unknown): v is StoreLanguage => typeof v === 'string' && (STORE_LANGUAGES as readonly string[]).includes(v);

/** Each language by its own name, as a shopper would look for it (language menus). */
export const STORE_LANGUAGE_NAMES: Record<StoreLanguage, string> = {
  en: 'English',
  'zh-CN': '简体中文',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  ja: '日本語',
};
