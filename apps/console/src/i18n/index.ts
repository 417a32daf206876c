/** The console's current locale as a signal; the choice is a preference (not a secret), kept in localStorage. */
import { createSignal } from 'solid-js';
import { isLocale, type Locale, type MessageKey, pickLocale, translate, translateCount } from './messages.ts';

export { LOCALE_NAMES, LOCALES, type Locale, type MessageKey } from './messages.ts';

const STORAGE_KEY = 'storeloom.locale';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // storage disabled
  }
  return pickLocale(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]));
}

const [locale, setLocaleSignal] = createSignal<Locale>(initialLocale());
export { locale };

export function setLocale(next: Locale) {
  setLocaleSignal(next);
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // storage disabled: the choice lasts for this tab
  }
  document.documentElement.lang = next;
}

if (typeof document !== 'undefined') document.documentElement.lang = locale();

export const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale(), key, params);

/** A count message (`{count, plural, one {…} other {…}}`) for `count`, its form chosen by Intl.PluralRules in the current locale. */
export const tn = (key: MessageKey, count: number, params?: Record<string, string | number>) => translateCount(locale(), key, count, params);
