/**
 * The abandoned-cart reminder goes out in the platform's one mail layout (branded HTML with a plain-text part
 * carrying the same words and links) and in the shopper's language, like every other mail.
 */
import { describe, expect, it } from 'vitest';
import { recoveryMail } from '../src/recovery.ts';

const priced = {
  lines: [{ quantity: 2, title: 'Yuzu candle', variantTitle: 'Large', unitPrice: 1800 }],
  state: { adjustments: [], totals: { subtotal: 3600 } },
  discountTotal: 0,
} as never;
const ctx = (lang: string) => ({
  storeName: 'Kyoto <Candles>',
  homeUrl: 'https://kyoto.example',
  restoreUrl: 'https://kyoto.example/cart/recover?c=1&sig=x',
  unsubscribeUrl: 'https://kyoto.example/unsubscribe?email=a%40b.example&sig=y',
  code: 'COMEBACK10',
  reminder: 1,
  lang,
  money: (n: number) => `€${(n / 100).toFixed(2)}`,
});

describe('cart recovery mail', () => {
  it('uses the branded layout with a plain-text part carrying the same links', () => {
    const m = recoveryMail(priced, ctx('en'));
    expect(m.html).toMatch(/^<!doctype html><html lang="en">/);
    expect(m.html).toContain('role="presentation"');
    expect(m.html).toContain('Kyoto &lt;Candles&gt;');
    expect(m.html).not.toContain('<Candles>');
    expect(m.html).toContain('href="https://kyoto.example/cart/recover?c=1&amp;sig=x"');
    expect(m.html).toContain('COMEBACK10');
    expect(m.html).toContain('https://kyoto.example/unsubscribe?email=a%40b.example&amp;sig=y');
    expect(m.text).toContain('2 × Yuzu candle (Large)');
    expect(m.text).toContain('https://kyoto.example/cart/recover?c=1&sig=x');
    expect(m.text).toContain('https://kyoto.example/unsubscribe?email=a%40b.example&sig=y');
    expect(m.text).not.toMatch(/<(p|a|table|td|br)\b/);
    expect(m.subject).toBe('Kyoto <Candles>: you left something in your cart');
  });

  it('is written in the shopper’s language (six storefront languages, English otherwise)', () => {
    const subjects = new Set<string>();
    for (const lang of ['en', 'de', 'fr', 'es', 'ja', 'zh-CN']) {
      const m = recoveryMail(priced, ctx(lang));
      expect(m.html).toContain(`<html lang="${lang}">`);
      subjects.add(m.subject);
    }
    expect(subjects.size).toBe(6);
    expect(recoveryMail(priced, ctx('de')).subject).toContain('Warenkorb');
    expect(recoveryMail(priced, ctx('pt-BR')).subject).toBe('Kyoto <Candles>: you left something in your cart');
  });
});
