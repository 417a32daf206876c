/**
 * Counts in every catalogue (console and storefront, all languages) go through plural forms, so no screen says
 * "1 variants" or "1 results". A count is a placeholder named like one (COUNT_NAMES): the catalogues keep these names
 * for counts only (a page or order number is {page}/{number}). Each plural block must cover every category a whole
 * number takes in that language (French needs "many" for a million), and renders 1 and 2 (and 0 and a million in
 * French) as a native speaker writes them.
 */
import { integerPluralCategories, pluralBlocks } from '@storeloom/money';
import { describe, expect, it } from 'vitest';
import { dictionaries as consoleCatalogues, translate } from '../apps/console/src/i18n/messages.ts';
import { CATALOGS as storefrontCatalogues, translator } from '../apps/storefront/src/messages/index.ts';

/**
 * Placeholder names that always hold a count of something with a noun after it. Counts told by an adjective alone
 * ("{created} created", "{missing} missing") read right in every form and keep their own names.
 */
const COUNT_NAMES = ['n', 'count', 'total', 'units', 'days', 'errors', 'products', 'customers', 'orders', 'over', 'lead'];

function countsOutsidePlurals(template: string): string[] {
  let outside = template;
  // Cut the plural blocks out (last first, so earlier offsets stay valid); what is left must name no count.
  for (const b of pluralBlocks(template).reverse()) outside = outside.slice(0, b.start) + outside.slice(b.end);
  return [...outside.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).filter((name) => COUNT_NAMES.includes(name));
}

const catalogues: [string, string, Record<string, string>][] = [
  ...Object.entries(consoleCatalogues).map(([lang, m]) => ['console', lang, m] as [string, string, Record<string, string>]),
  ...Object.entries(storefrontCatalogues).map(([lang, m]) => ['storefront', lang, m] as [string, string, Record<string, string>]),
];

describe('count strings in every catalogue', () => {
  it('covers both apps and all their languages', () => {
    expect(catalogues.map(([app, lang]) => `${app}/${lang}`)).toEqual(
      expect.arrayContaining([
        'console/en',
        'console/zh-CN',
        'storefront/en',
        'storefront/de',
        'storefront/fr',
        'storefront/es',
        'storefront/ja',
        'storefront/zh-CN',
      ]),
    );
  });

  it('puts every count inside a plural form', () => {
    const bare: string[] = [];
    for (const [app, lang, messages] of catalogues)
      for (const [key, text] of Object.entries(messages))
        for (const name of countsOutsidePlurals(text)) bare.push(`${app}/${lang} ${key}: {${name}} in “${text}”`);
    expect(bare).toEqual([]);
  });

  it('gives each plural form every category a whole number takes in its language, and nothing else', () => {
    const problems: string[] = [];
    for (const [app, lang, messages] of catalogues) {
      const needed = integerPluralCategories(lang);
      for (const [key, text] of Object.entries(messages))
        for (const b of pluralBlocks(text)) {
          const categories = b.selectors.filter((s) => !s.startsWith('='));
          const missing = needed.filter((c) => !categories.includes(c));
          const extra = categories.filter((c) => !needed.includes(c));
          if (missing.length || extra.length) problems.push(`${app}/${lang} ${key}: missing [${missing}] extra [${extra}]`);
          if (!COUNT_NAMES.includes(b.name)) problems.push(`${app}/${lang} ${key}: plural on {${b.name}}, not a count name`);
        }
    }
    expect(problems).toEqual([]);
  });
});

describe('rendering counts', () => {
  it('console: 1 and 2 in English, one form in Chinese', () => {
    expect(translate('en', 'billing.limitSeats', { count: 1 })).toBe('1 staff seat');
    expect(translate('en', 'billing.limitSeats', { count: 2 })).toBe('2 staff seats');
    expect(translate('en', 'products.variantCount', { count: 1 })).toBe('1 variant');
    expect(translate('en', 'billing.overLimitProducts', { count: 1 })).toBe('1 active product is over your plan’s limit: choose a larger plan to keep it.');
    expect(translate('en', 'billing.overLimitProducts', { count: 290 })).toBe(
      '290 active products are over your plan’s limit: choose a larger plan to keep them all.',
    );
    expect(translate('en', 'billing.overLimitSeats', { count: 1 })).toBe('1 staff seat is over your plan’s limit: choose a larger plan to keep it.');
    expect(translate('en', 'billing.overLimitSeats', { count: 2 })).toBe('2 staff seats are over your plan’s limit: choose a larger plan to keep them all.');
    expect(translate('en', 'planning.planMeta', { method: 'EWMA', days: 1, service: '95%', at: 'today' })).toBe(
      'Method EWMA · lead time 1 day · service level 95% · computed today',
    );
    expect(translate('en', 'planning.planMeta', { method: 'EWMA', days: 7, service: '95%', at: 'today' })).toBe(
      'Method EWMA · lead time 7 days · service level 95% · computed today',
    );
    expect(translate('en', 'products.variantCount', { count: 2 })).toBe('2 variants');
    expect(translate('en', 'search.try.total', { count: 1 })).toBe('1 result');
    expect(translate('en', 'search.try.total', { count: 1234 })).toBe('1,234 results');
    expect(translate('zh-CN', 'products.variantCount', { count: 1 })).toBe('1 个款式');
    expect(translate('zh-CN', 'products.variantCount', { count: 2 })).toBe('2 个款式');
  });

  it('storefront: the search heading in English, German, French (0 is singular, a million takes "de") and Japanese', () => {
    const en = translator('en');
    expect(en('results', { n: 1, q: 'mug' })).toBe('1 result for “mug”');
    expect(en('results', { n: 2, q: 'mug' })).toBe('2 results for “mug”');
    expect(en('results', { n: 0, q: 'mug' })).toBe('0 results for “mug”');
    const de = translator('de');
    expect(de('results', { n: 1, q: 'Becher' })).toBe('1 Ergebnis für „Becher“');
    expect(de('results', { n: 2, q: 'Becher' })).toBe('2 Ergebnisse für „Becher“');
    const fr = translator('fr');
    expect(fr('results', { n: 0, q: 'tasse' })).toBe('0 résultat pour « tasse »');
    expect(fr('results', { n: 1, q: 'tasse' })).toBe('1 résultat pour « tasse »');
    expect(fr('results', { n: 2, q: 'tasse' })).toBe('2 résultats pour « tasse »');
    expect(fr('results', { n: 1_000_000, q: 'tasse' })).toBe(`${new Intl.NumberFormat('fr').format(1_000_000)} de résultats pour « tasse »`);
    expect(en('items', { n: 1 })).toBe('1 item');
    expect(en('reviewsCount', { n: 1 })).toBe('1 review');
    expect(en('stars', { n: 1 })).toBe('1 star');
    const ja = translator('ja');
    expect(ja('results', { n: 1, q: 'マグ' })).toContain('1');
  });
});
