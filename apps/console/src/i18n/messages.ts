/** Pure i18n core (no Solid): locale choice, lookup, plural forms and interpolation. */
import { formatPlurals, messagePlaceholders } from '@storeloom/money';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const dictionaries: Record<Locale, Messages> = { en, 'zh-CN': zhCN };
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

/** The first supported language of the browser's list; any Chinese variant maps to zh-CN. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
  }
  return 'en';
}

export const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

/**
 * The message for `key` in `locale`: plural blocks (`{count, plural, one {# variant} other {# variants}}`) are
 * chosen by Intl.PluralRules for the locale, then `{name}` placeholders are filled in.
 */
export function translate(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[locale][key] ?? en[key] ?? key;
  if (!params) return template;
  return formatPlurals(locale, template, params).replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** A count message for `count` (the `count` of its plural block), with `params` for its other placeholders. */
export function translateCount(locale: Locale, key: MessageKey, count: number, params: Record<string, string | number> = {}): string {
  return translate(locale, key, { ...params, count });
}

/** Placeholders used in a message (plural counts included, each once), so tests can check every locale uses the same. */
export const placeholders = messagePlaceholders;
