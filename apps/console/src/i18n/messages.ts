/** Pure i18n core (no Solid): locale choice, lookup and interpolation. */
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

export function translate(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[locale][key] ?? en[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Message keys with plural forms: `<base>.one`, `<base>.other` (and any other CLDR category a language needs). */
export type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.other` ? B : never) : never;

/**
 * The plural form of `base` for `count` in `locale` (Intl.PluralRules: "1 variant", "2 variants"; Chinese has only
 * "other"), with `{count}` and `params` filled in.
 */
export function translatePlural(locale: Locale, base: PluralBase, count: number, params: Record<string, string | number> = {}): string {
  const category = new Intl.PluralRules(locale).select(count);
  const dict = dictionaries[locale] as Record<string, string>;
  const key = (`${base}.${category}` in dict ? `${base}.${category}` : `${base}.other`) as MessageKey;
  return translate(locale, key, { count: count.toLocaleString(locale), ...params });
}

/** Placeholders used in a message, so tests can check both locales use the same ones. */
export const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
