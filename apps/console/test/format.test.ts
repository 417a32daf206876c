import { describe, expect, it } from 'vitest';
import {
  currencyDigits,
  formatDate,
  formatDateTime,
  formatMoney,
  formatRelative,
  formatTime,
  formatWhen,
  minorToInput,
  parseMoney,
  readableOn,
  setDisplayTimeZone,
} from '../src/lib/format.ts';
import { slugify } from '../src/lib/slug.ts';
import { stockLevel } from '../src/lib/stock.ts';

// Intl output uses narrow/no-break spaces in some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('money', () => {
  it('formats minor units with the currency digits for the locale', () => {
    expect(formatMoney(1250, 'USD', 'en')).toBe('$12.50');
    expect(formatMoney(1250, 'JPY', 'en')).toBe('¥1,250');
    expect(formatMoney(123456, 'EUR', 'de-DE').replace(/\s/g, ' ')).toBe(plain('1.234,56 €'));
    expect(formatMoney(9900, 'CNY', 'zh-CN')).toBe('¥99.00');
    expect(formatMoney(1, 'BHD', 'en')).toContain('0.001');
  });

  it('knows the minor-unit digits of currencies', () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
  });

  it('parses what merchants type into minor units', () => {
    expect(parseMoney('12.50', 'USD')).toBe(1250);
    expect(parseMoney('12,5', 'EUR')).toBe(1250);
    expect(parseMoney('$1,234.56', 'USD')).toBe(123456);
    expect(parseMoney('1.234,56', 'EUR')).toBe(123456);
    expect(parseMoney('1,234', 'USD')).toBe(123400);
    expect(parseMoney('12', 'USD')).toBe(1200);
    expect(parseMoney('.5', 'USD')).toBe(50);
    expect(parseMoney('1250', 'JPY')).toBe(1250);
    expect(parseMoney('1.005', 'KWD')).toBe(1005);
  });

  it('refuses amounts it cannot read', () => {
    expect(parseMoney('', 'USD')).toBeNull();
    expect(parseMoney('abc', 'USD')).toBeNull();
    expect(parseMoney('-3', 'USD')).toBeNull();
    expect(parseMoney('1.234', 'USD')).toBe(123400);
    expect(parseMoney('12.345', 'KWD')).toBe(12345);
    expect(parseMoney('1.5', 'JPY')).toBeNull();
  });

  it('round-trips through the input representation', () => {
    for (const [minor, cur] of [
      [0, 'USD'],
      [1999, 'USD'],
      [5, 'EUR'],
      [1250, 'JPY'],
      [1005, 'KWD'],
    ] as const)
      expect(parseMoney(minorToInput(minor, cur), cur)).toBe(minor);
    expect(minorToInput(null, 'USD')).toBe('');
  });
});

describe('dates', () => {
  it('formats for the locale', () => {
    const d = '2026-03-05T10:00:00Z';
    expect(formatDate(d, 'en')).toBe('Mar 5, 2026');
    expect(formatDate(d, 'zh-CN')).toBe('2026年3月5日');
  });
  it('says how long ago, in the locale', () => {
    const now = new Date('2026-03-05T10:00:00Z');
    expect(formatRelative('2026-03-05T09:57:00Z', 'en', now)).toBe('3 minutes ago');
    expect(formatRelative('2026-03-04T10:00:00Z', 'en', now)).toBe('yesterday');
    expect(formatRelative('2026-03-05T09:57:00Z', 'zh-CN', now)).toBe('3分钟前');
  });
});

describe('small helpers', () => {
  it('suggests slugs from store names', () => {
    expect(slugify('Acme Books!')).toBe('acme-books');
    expect(slugify('  Café  Crème ')).toBe('cafe-creme');
    expect(slugify('茶')).toBe('');
    expect(slugify('a'.repeat(80))).toHaveLength(63);
  });
  it('picks readable text colours for theme previews', () => {
    expect(readableOn('#214bd6')).toBe('#ffffff');
    expect(readableOn('#f59e0b')).toBe('#111111');
    expect(readableOn('#ffffff')).toBe('#111111');
    expect(readableOn('#000000')).toBe('#ffffff');
    expect(readableOn('nonsense')).toBe('#111111');
  });
  it('grades stock against the threshold', () => {
    expect(stockLevel(0, 10)).toBe('out');
    expect(stockLevel(0, null)).toBe('out');
    expect(stockLevel(3, null)).toBe('ok');
    expect(stockLevel(3, undefined)).toBe('ok');
    expect(stockLevel(10, 10)).toBe('low');
    expect(stockLevel(11, 10)).toBe('ok');
  });
});

describe('dates in the store time zone', () => {
  const at = '2026-12-06T23:30:00Z';
  it('shows dates and times in the given or the store zone, never as ISO', () => {
    expect(formatDate(at, 'en', 'UTC')).toBe('Dec 6, 2026');
    expect(formatDate(at, 'en', 'Asia/Tokyo')).toBe('Dec 7, 2026');
    expect(plain(formatTime(at, 'en', 'Asia/Tokyo'))).toBe('8:30 AM');
    expect(plain(formatDateTime(at, 'en', 'America/New_York'))).toBe('Dec 6, 2026, 6:30 PM');
    setDisplayTimeZone('Asia/Tokyo');
    try {
      expect(formatDate(at, 'en')).toBe('Dec 7, 2026');
      expect(plain(formatDateTime(at, 'zh-CN'))).toBe('2026年12月7日 8:30');
    } finally {
      setDisplayTimeZone(null);
    }
    expect(formatDateTime(at, 'en', 'UTC')).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('is relative for the last day and a full date after', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(formatWhen('2026-12-06T11:55:00Z', 'en', now)).toBe('5 minutes ago');
    expect(formatWhen('2026-12-06T09:00:00Z', 'en', now)).toBe('3 hours ago');
    expect(formatWhen('2026-12-06T11:59:30Z', 'zh-CN', now)).toBe('30秒钟前');
    expect(plain(formatWhen('2026-12-01T12:00:00Z', 'en', now, 'UTC'))).toBe('Dec 1, 2026, 12:00 PM');
  });
});
