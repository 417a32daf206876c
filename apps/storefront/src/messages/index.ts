/**
 * Every storefront catalogue, for the server: pages put the shopper's catalogue into the hydration data
 * (apps/storefront/src/pages.ts) so the browser bundle carries English only.
 */
import { english, type Lang, LANGS, makeTranslator, type Messages } from '../ui/i18n.ts';
import { de } from './de.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';
import { ja } from './ja.ts';
import { zhCN } from './zh-CN.ts';

export const CATALOGS: Record<Lang, Messages> = { en: english, 'zh-CN': zhCN, de, fr, es, ja };

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);

export const catalog = (lang: Lang): Messages => CATALOGS[lang] ?? english;

export const translator = (lang: Lang) => makeTranslator(catalog(lang), lang);
