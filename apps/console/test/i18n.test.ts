import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.ts';
import { dictionaries, LOCALES, pickLocale, placeholders, translate } from '../src/i18n/messages.ts';
import { zhCN } from '../src/i18n/zh-CN.ts';

describe('console messages', () => {
  it('has exactly the same keys in every locale', () => {
    const keys = Object.keys(en).sort();
    for (const l of LOCALES) expect(Object.keys(dictionaries[l]).sort()).toEqual(keys);
  });

  it('uses the same placeholders in both languages and leaves no message empty', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
      expect(en[key].trim(), key).not.toBe('');
      expect(zhCN[key].trim(), key).not.toBe('');
    }
  });

  it('translates the chrome of the console into Chinese rather than copying English', () => {
    for (const key of ['nav.products', 'nav.orders', 'auth.login', 'products.add', 'common.save'] as const) expect(zhCN[key]).not.toBe(en[key]);
  });

  it('interpolates parameters and keeps unknown placeholders visible', () => {
    expect(translate('en', 'products.selected', { count: 3 })).toBe('3 selected');
    expect(translate('zh-CN', 'products.selected', { count: 3 })).toBe('已选择 3 个');
    expect(translate('en', 'home.subtitle')).toBe('What needs your attention in {store} today.');
  });

  it('picks the locale from the browser languages', () => {
    expect(pickLocale(['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLocale(['zh'])).toBe('zh-CN');
    expect(pickLocale(['de-DE', 'en-GB'])).toBe('en');
    expect(pickLocale(['fr'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });
});
