/** Every console/control-plane mail: the one layout (HTML part) with a plain-text part, in the recipient's language. */
import { describe, expect, it } from 'vitest';
import { consoleLink, mailLocale, type PlatformMailInput, platformMail } from '../src/platform-mails.ts';

const since = new Date('2026-12-05T09:30:00Z');
const ALL: PlatformMailInput[] = [
  { kind: 'signup-existing-account', loginUrl: 'https://console.example/login', resetUrl: 'https://console.example/forgot-password' },
  { kind: 'password-reset', name: 'Ada <Admin>', link: 'https://console.example/reset-password?token=abc' },
  { kind: 'password-reset-no-account', signupUrl: 'https://console.example/signup' },
  { kind: 'new-device-sign-in', name: 'Ada', device: 'Firefox on macOS', network: null, sessionsUrl: 'https://console.example/account' },
  {
    kind: 'team-invitation',
    inviter: 'Ada',
    storeName: 'Candle & Co',
    role: 'staff',
    link: 'https://console.example/invite?token=xyz',
    accentColor: '#aa3300',
  },
  { kind: 'low-stock', storeName: 'Candle & Co', item: 'Fig candle (Large)', sku: 'FIG-L', onHand: 1, reorderPoint: 4, suggested: 12 },
  { kind: 'pricing-paused', storeName: 'Candle & Co', item: 'Fig candle', reasons: ['invalid-count'], consoleUrl: 'https://console.example/' },
  { kind: 'webhook-disabled', storeName: 'Candle & Co', url: 'https://hooks.example/in', failures: 20, failingSince: since },
  { kind: 'billing.payment_failed', storeName: 'Candle & Co', deadline: since },
  { kind: 'billing.store_suspended', storeName: 'Candle & Co', pastDueSince: since },
];

const STORE = '0192f0aa-0000-7000-8000-000000000001';
/** The alert mails with the deep link their callers pass (consoleLink of the console URL, the store and its page). */
const ALERTS: PlatformMailInput[] = [
  { ...(ALL[5] as Extract<PlatformMailInput, { kind: 'low-stock' }>), consoleUrl: consoleLink('https://console.example/', STORE, 'planning') },
  { ...(ALL[6] as Extract<PlatformMailInput, { kind: 'pricing-paused' }>), consoleUrl: consoleLink('https://console.example', STORE, 'pricing') },
  { ...(ALL[7] as Extract<PlatformMailInput, { kind: 'webhook-disabled' }>), consoleUrl: consoleLink('https://console.example', STORE, 'webhooks') },
  { ...(ALL[8] as Extract<PlatformMailInput, { kind: 'billing.payment_failed' }>), consoleUrl: consoleLink('https://console.example', STORE, 'billing') },
  { ...(ALL[9] as Extract<PlatformMailInput, { kind: 'billing.store_suspended' }>), consoleUrl: consoleLink('https://console.example', STORE, 'billing') },
];

const CJK = /[\u4e00-\u9fff]/;

describe('platform mails', () => {
  for (const input of ALL) {
    it(`${input.kind}: branded HTML and a text part, English and Simplified Chinese`, () => {
      const en = platformMail(input, 'en', 'https://console.example');
      const zh = platformMail(input, 'zh-CN', 'https://console.example');
      for (const [m, lang] of [
        [en, 'en'],
        [zh, 'zh-CN'],
      ] as const) {
        expect(m.kind).toBe(input.kind);
        // The one layout: a full document in the recipient's language, the brand in the header and footer.
        expect(m.html).toMatch(/^<!doctype html><html lang="([^"]+)">/);
        expect(m.html).toContain(`<html lang="${lang}">`);
        expect(m.html).toContain('role="presentation"');
        const brand = input.kind === 'team-invitation' ? 'Candle &amp; Co' : 'Storeloom';
        expect(m.html).toContain(brand);
        // Plain text: no markup, the same links.
        expect(m.text).not.toMatch(/<\/?(p|a|br|table|td|tr|span|strong|h1)\b/i);
        for (const url of Object.values(input).filter((v): v is string => typeof v === 'string' && v.startsWith('https://'))) {
          if (input.kind === 'webhook-disabled') continue;
          expect(m.text).toContain(url);
          expect(m.html).toContain(`href="${url.replace(/&/g, '&amp;')}"`);
        }
        // No ISO timestamps, no placeholders left unfilled.
        expect(`${m.subject}\n${m.text}`).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
        expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(/\{[a-zA-Z]+\}/);
      }
      expect(CJK.test(en.subject) || CJK.test(en.text)).toBe(false);
      expect(CJK.test(zh.subject)).toBe(true);
      expect(CJK.test(zh.text)).toBe(true);
      expect(zh.subject).not.toBe(en.subject);
    });
  }

  it('escapes what the caller passes and writes dates and counts for people', () => {
    const reset = platformMail(ALL[1] as PlatformMailInput, 'en');
    expect(reset.html).toContain('Ada &lt;Admin&gt;');
    expect(reset.html).not.toContain('<Admin>');
    expect(reset.text).toContain('Hello Ada <Admin>,');
    const hook = platformMail(ALL[7] as PlatformMailInput, 'en');
    expect(hook.text).toContain('since December 5, 2026 at 9:30 AM UTC');
    expect(hook.text).not.toContain('/api/v1');
    const hookZh = platformMail(ALL[7] as PlatformMailInput, 'zh-CN');
    expect(hookZh.text).toContain('2026年12月5日');
    const low = platformMail(ALL[5] as PlatformMailInput, 'en');
    expect(low.text).toContain('is down to 1 unit,');
    expect(low.text).toMatch(/Suggested order\s+12 units/);
    expect(platformMail(ALL[4] as PlatformMailInput, 'zh-CN').text).toContain('以员工身份');
  });

  it('builds console deep links, and none without a console URL', () => {
    expect(consoleLink('https://console.example/', STORE, 'pricing')).toBe(`https://console.example/stores/${STORE}/pricing`);
    expect(consoleLink('http://localhost:3000', STORE, 'billing')).toBe(`http://localhost:3000/stores/${STORE}/billing`);
    expect(consoleLink(null, STORE, 'planning')).toBeNull();
    expect(consoleLink('', STORE, 'planning')).toBeNull();
  });

  for (const input of ALERTS) {
    it(`${input.kind}: the button opens the store's console page, in the HTML and the text part`, () => {
      const page = { 'low-stock': 'planning', 'pricing-paused': 'pricing', 'webhook-disabled': 'webhooks' }[input.kind as string] ?? 'billing';
      const link = `https://console.example/stores/${STORE}/${page}`;
      for (const lang of ['en', 'zh-CN']) {
        const m = platformMail(input, lang, 'https://console.example');
        expect(m.html).toContain(`href="${link}"`);
        expect(m.text).toContain(link);
      }
    });
  }

  it('pricing-paused: the failed checks in the recipient language (codes, never the English check message)', () => {
    const input: PlatformMailInput = {
      kind: 'pricing-paused',
      storeName: '茶舍',
      item: '龙井',
      reasons: ['sales-exceed-offers', 'demand-increases-with-price', 'sales-exceed-offers', 'something-new'],
      consoleUrl: consoleLink('https://console.example', STORE, 'pricing'),
    };
    const zh = platformMail(input, 'zh-CN');
    expect(zh.text).toContain('检查发现：');
    expect(zh.text).toContain('记录的销量多于该价格的报价次数。');
    expect(zh.text).toContain('较高价格的销量明显好于较低价格');
    // An unknown code reads as the generic check, once; a repeated code once.
    expect(zh.text).toContain('销售数据未通过一致性检查。');
    expect(zh.text.split('记录的销量多于该价格的报价次数。').length).toBe(2);
    expect(`${zh.subject}\n${zh.text}`).not.toMatch(/\b(sales|offers|price|check|data|failed)\b/i);
    const en = platformMail(input, 'en');
    expect(en.text).toContain('More sales were recorded than times the price was offered.');
    expect(en.text).toContain('The sales data failed a consistency check.');
    expect(CJK.test(en.text.replace(/茶舍|龙井/g, ''))).toBe(false);
  });

  it('takes the recipient locale from a console locale or an Accept-Language header, English otherwise', () => {
    expect(mailLocale('zh-CN')).toBe('zh-CN');
    expect(mailLocale('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(mailLocale('en-GB,en;q=0.9')).toBe('en');
    expect(mailLocale('fr')).toBe('en');
    expect(mailLocale(null)).toBe('en');
  });
});
