import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isRate,
  allocate,
  convert,
  currencyCode,
  currencyCodes,
  divideRounded,
  formatMoney,
  fromStripeAmount,
  isCurrencyCode,
  minorDigits,
  normaliseCurrencyText,
  parseCurrencyCode,
  parseMoney,
  parseMoneyInput,
  ROUNDINGS,
  roundToIncrement,
  StripeAmountError,
  stripeCurrency,
  stripeDigits,
  stripeIncrement,
  toDecimalString,
  toStripeAmount,
} from '../src/index.ts';

// Intl separates with narrow/no-break spaces; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('currency codes and ISO 4217 minor digits', () => {
  it('knows the digits of the standard, not of CLDR', () => {
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KRW')).toBe(0);
    expect(minorDigits('ISK')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(minorDigits('BHD')).toBe(3);
    expect(minorDigits('TND')).toBe(3);
    // Intl shows these without decimals; ISO 4217 gives them two (three for IQD).
    expect(minorDigits('HUF')).toBe(2);
    expect(minorDigits('IDR')).toBe(2);
    expect(minorDigits('IQD')).toBe(3);
    expect(minorDigits('MGA')).toBe(2);
  });

  it('rejects what is not a sellable ISO code', () => {
    for (const bad of ['usd', 'US', 'USDX', '', 'XAU', 'XDR', 'XXX', 'XTS', 'CLF', 'ABC']) {
      expect(isCurrencyCode(bad)).toBe(false);
      expect(() => minorDigits(bad)).toThrow(RangeError);
      expect(() => currencyCode(bad)).toThrow(RangeError);
    }
    expect(currencyCode('EUR')).toBe('EUR');
  });

  it('normalises padded and lower-case input (the old char(3) column) to a code', () => {
    expect(parseCurrencyCode('usd ')).toBe('USD');
    expect(parseCurrencyCode(' Eur')).toBe('EUR');
    expect(parseCurrencyCode('xyz')).toBeNull();
    // The API's boundary form: canonical case, known code or not (the service refuses an unknown one).
    expect(normaliseCurrencyText(' usd ')).toBe('USD');
    expect(normaliseCurrencyText('xyz')).toBe('XYZ');
  });

  it('covers every currency Intl formats except those without minor units', () => {
    const known = new Set(currencyCodes());
    const missing = Intl.supportedValuesOf('currency').filter((c) => !known.has(c as never));
    expect(missing.sort()).toEqual(['XDR', 'XSU']);
    expect(currencyCodes().length).toBeGreaterThan(150);
  });
});

describe('decimal strings and parsing', () => {
  it('renders exact locale-neutral decimals', () => {
    expect(toDecimalString(1250, 'USD')).toBe('12.50');
    expect(toDecimalString(5, 'USD')).toBe('0.05');
    expect(toDecimalString(-5, 'USD')).toBe('-0.05');
    expect(toDecimalString(1250, 'JPY')).toBe('1250');
    expect(toDecimalString(1, 'KWD')).toBe('0.001');
    expect(toDecimalString(0, 'BHD')).toBe('0.000');
    expect(toDecimalString(Number.MAX_SAFE_INTEGER, 'USD')).toBe('90071992547409.91');
    expect(() => toDecimalString(1.5, 'USD')).toThrow(RangeError);
  });

  it('parses machine decimals exactly (CSV)', () => {
    expect(parseMoney('19.99', 'USD')).toBe(1999);
    expect(parseMoney('1,234.5', 'USD')).toBe(123450);
    expect(parseMoney('19.990', 'USD')).toBe(1999);
    expect(parseMoney('19.999', 'USD')).toBeNull();
    expect(parseMoney('1500', 'JPY')).toBe(1500);
    expect(parseMoney('1500.5', 'JPY')).toBeNull();
    expect(parseMoney('1.234', 'KWD')).toBe(1234);
    expect(parseMoney('-1', 'USD')).toBeNull();
    expect(parseMoney('-1', 'USD', { allowNegative: true })).toBe(-100);
    expect(parseMoney('abc', 'USD')).toBeNull();
    expect(parseMoney('21474836.47', 'USD', { max: 2_147_483_647 })).toBe(2_147_483_647);
    expect(parseMoney('21474836.48', 'USD', { max: 2_147_483_647 })).toBeNull();
  });

  it('parses what people type', () => {
    expect(parseMoneyInput('12', 'USD')).toBe(1200);
    expect(parseMoneyInput('12.5', 'USD')).toBe(1250);
    expect(parseMoneyInput('12,50', 'EUR')).toBe(1250);
    expect(parseMoneyInput('1,234.56', 'USD')).toBe(123456);
    expect(parseMoneyInput('1 234,56', 'EUR')).toBe(123456);
    expect(parseMoneyInput('1.234,56', 'EUR')).toBe(123456);
    expect(parseMoneyInput('$1,234', 'USD')).toBe(123400);
    expect(parseMoneyInput('1,234', 'KWD')).toBe(1234);
    expect(parseMoneyInput('1250', 'JPY')).toBe(1250);
    expect(parseMoneyInput('12.345', 'EUR')).toBe(1234500);
    expect(parseMoneyInput('12.3', 'JPY')).toBeNull();
    expect(parseMoneyInput('-3', 'USD')).toBeNull();
    expect(parseMoneyInput('', 'USD')).toBeNull();
  });

  it('round-trips every safe amount through its decimal string', () => {
    const code = fc.constantFrom('USD', 'JPY', 'KWD', 'BHD', 'EUR', 'ISK');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), code, (minor, c) => {
        expect(parseMoney(toDecimalString(minor, c), c)).toBe(minor);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), code, (minor, c) => {
        expect(parseMoneyInput(toDecimalString(minor, c), c)).toBe(minor);
      }),
    );
  });
});

describe('formatting by locale', () => {
  it('formats the ISO digits in each locale', () => {
    expect(formatMoney(1250, 'USD', 'en')).toBe('$12.50');
    expect(formatMoney(1250, 'JPY', 'en')).toBe('¥1,250');
    expect(formatMoney(1250, 'JPY', 'ja-JP')).toBe('￥1,250');
    expect(plain(formatMoney(123456, 'EUR', 'de-DE'))).toBe('1.234,56 €');
    expect(formatMoney(9900, 'CNY', 'zh-CN')).toBe('¥99.00');
    expect(plain(formatMoney(1, 'KWD', 'en'))).toBe('KWD 0.001');
    expect(plain(formatMoney(123456, 'BHD', 'en'))).toBe('BHD 123.456');
    expect(plain(formatMoney(-1999, 'GBP', 'en-GB'))).toBe('-£19.99');
    // CLDR would print HUF without decimals; the amount is in fillér, so they must show.
    expect(plain(formatMoney(123456, 'HUF', 'en'))).toBe('HUF 1,234.56');
  });

  it('shows a fractional amount (an average) rounded to the minor unit', () => {
    expect(formatMoney(1234.5, 'USD', 'en')).toBe('$12.35');
    expect(formatMoney(-1234.5, 'USD', 'en')).toBe('-$12.35');
    expect(formatMoney(0.4, 'JPY', 'en')).toBe('¥0');
    expect(() => formatMoney(Number.NaN, 'USD', 'en')).toThrow(RangeError);
  });

  it('formats large amounts without floating-point error', () => {
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD', 'en')).toBe('$90,071,992,547,409.91');
  });

  it('falls back to "decimal CODE" where Intl lacks the currency, and throws for unknown codes', () => {
    expect(formatMoney(1250, 'VED', 'en')).toMatch(/12\.50/);
    expect(() => formatMoney(1, 'XYZ', 'en')).toThrow(RangeError);
  });
});

describe('Stripe amounts', () => {
  it('passes two-decimal and zero-decimal currencies through', () => {
    expect(toStripeAmount(1250, 'USD')).toBe(1250);
    expect(toStripeAmount(500, 'JPY')).toBe(500);
    expect(toStripeAmount(500, 'UGX')).toBe(500);
    expect(toStripeAmount(12345, 'HUF')).toBe(12345);
    expect(toStripeAmount(12345, 'TWD')).toBe(12345);
    expect(stripeDigits('JPY')).toBe(0);
    expect(stripeCurrency('EUR')).toBe('eur');
  });

  it('sends ISK as two-decimal whole krónur', () => {
    expect(stripeDigits('ISK')).toBe(2);
    expect(toStripeAmount(5, 'ISK')).toBe(500);
    expect(fromStripeAmount(500, 'ISK')).toBe(5);
    expect(fromStripeAmount(550, 'ISK')).toBe(6); // half-even: 5.5 -> 6
    expect(fromStripeAmount(450, 'ISK')).toBe(4);
  });

  it('requires a last digit of 0 for three-decimal currencies', () => {
    expect(stripeIncrement('KWD')).toBe(10);
    expect(toStripeAmount(5120, 'KWD')).toBe(5120);
    expect(() => toStripeAmount(5124, 'KWD')).toThrow(StripeAmountError);
    expect(roundToIncrement(5124, stripeIncrement('KWD'))).toBe(5120);
    expect(roundToIncrement(5125, stripeIncrement('KWD'), 'half-up')).toBe(5130);
    expect(fromStripeAmount(5120, 'KWD')).toBe(5120);
    // IQD and LYD are three-decimal by ISO but two-decimal at Stripe.
    expect(toStripeAmount(1230, 'IQD')).toBe(123);
    expect(() => toStripeAmount(1234, 'IQD')).toThrow(StripeAmountError);
  });

  it('sends MGA in whole ariary (zero-decimal at Stripe, two digits by ISO)', () => {
    expect(stripeIncrement('MGA')).toBe(100);
    expect(toStripeAmount(1000, 'MGA')).toBe(10);
    expect(() => toStripeAmount(1050, 'MGA')).toThrow(StripeAmountError);
    expect(fromStripeAmount(10, 'MGA')).toBe(1000);
  });

  it('round-trips every chargeable amount', () => {
    const code = fc.constantFrom('USD', 'JPY', 'ISK', 'KWD', 'MGA', 'HUF', 'IQD', 'BHD', 'VND');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 10 }), code, (n, c) => {
        const minor = roundToIncrement(n, stripeIncrement(c), 'down');
        expect(fromStripeAmount(toStripeAmount(minor, c), c)).toBe(minor);
      }),
    );
  });
});

describe('rounding', () => {
  it('settles halves and signs as named', () => {
    const cases: [bigint, bigint, Record<string, bigint>][] = [
      [5n, 2n, { 'half-even': 2n, 'half-up': 3n, 'half-down': 2n, up: 3n, down: 2n, ceil: 3n, floor: 2n }],
      [7n, 2n, { 'half-even': 4n, 'half-up': 4n, 'half-down': 3n, up: 4n, down: 3n, ceil: 4n, floor: 3n }],
      [-5n, 2n, { 'half-even': -2n, 'half-up': -3n, 'half-down': -2n, up: -3n, down: -2n, ceil: -2n, floor: -3n }],
      [-7n, 3n, { 'half-even': -2n, 'half-up': -2n, 'half-down': -2n, up: -3n, down: -2n, ceil: -2n, floor: -3n }],
      [6n, 3n, { 'half-even': 2n, 'half-up': 2n, 'half-down': 2n, up: 2n, down: 2n, ceil: 2n, floor: 2n }],
    ];
    for (const [n, d, want] of cases) for (const r of ROUNDINGS) expect([n, d, r, divideRounded(n, d, r)]).toEqual([n, d, r, want[r]]);
  });

  it('rounds to an increment (cash rounding)', () => {
    expect(roundToIncrement(1234, 5)).toBe(1235);
    expect(roundToIncrement(1232, 5)).toBe(1230);
    expect(roundToIncrement(1299, 100, 'down')).toBe(1200);
    expect(roundToIncrement(-1250, 100, 'half-even')).toBe(-1200);
    expect(Object.is(roundToIncrement(-1, 100), 0)).toBe(true);
    expect(() => roundToIncrement(1, 0)).toThrow(RangeError);
  });

  it('lands within half an increment (or one increment when directed) of the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(...ROUNDINGS), (a, inc, r) => {
        const v = roundToIncrement(a, inc, r);
        expect(v % inc === 0).toBe(true);
        expect(Math.abs(v - a)).toBeLessThanOrEqual(r.startsWith('half') ? inc / 2 : inc - 1);
      }),
    );
  });
});

describe('conversion between currencies', () => {
  it('converts exactly at a decimal rate, rounding once', () => {
    expect(convert(1000, 'USD', 'JPY', '151.37')).toBe(1514);
    expect(convert(999, 'EUR', 'KWD', '0.3312')).toBe(3309);
    expect(convert(1500, 'JPY', 'USD', '0.0066')).toBe(990);
    expect(convert(1000, 'USD', 'EUR', '1')).toBe(1000);
    expect(convert(1000, 'USD', 'EUR', 0.9215)).toBe(922); // 9.215 EUR, half-even -> 9.22
    expect(convert(1000, 'USD', 'EUR', '0.9225')).toBe(922); // 9.225 EUR, half-even -> 9.22
    expect(convert(1000, 'USD', 'EUR', '0.9225', { rounding: 'half-up' })).toBe(923);
    expect(convert(-1000, 'USD', 'EUR', '0.9225', { rounding: 'half-up' })).toBe(-923);
  });

  it('rounds to an increment of the target currency', () => {
    expect(convert(1234, 'EUR', 'CHF', '0.9412', { increment: 5 })).toBe(1160); // 11.6144 CHF -> 11.60
    expect(convert(1999, 'USD', 'JPY', '151.37', { increment: 100, rounding: 'up' })).toBe(3100); // 3025.9 -> 3100
    expect(convert(1999, 'USD', 'EUR', '0.92', { increment: 100, rounding: 'ceil' })).toBe(1900); // 18.39 -> 19.00
  });

  it('converts backwards at the same rate (presentment → store currency), exactly', () => {
    expect(convert(1084, 'EUR', 'GBP', '1.0834', { invert: true })).toBe(1001); // 10.84 / 1.0834 = 10.0055 GBP
    expect(convert(6531, 'EUR', 'GBP', '1.1634', { invert: true })).toBe(5614); // 65.31 / 1.1634 = 56.1372
    expect(convert(1514, 'JPY', 'USD', '151.37', { invert: true })).toBe(1000); // ¥1514 / 151.37 = $10.0020
    expect(convert(-1084, 'EUR', 'GBP', '1.0834', { invert: true })).toBe(-1001);
    expect(isRate('1.0834')).toBe(true);
    expect(isRate('0')).toBe(false);
    expect(isRate('-1')).toBe(false);
    expect(isRate(null)).toBe(false);
  });

  it('a round trip through a rate lands within one unit of the start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 5_000, max: 2_000_000 }), (amount, rateUnits) => {
        const rate = (rateUnits / 10_000).toFixed(4); // 0.5 .. 200
        const there = convert(amount, 'GBP', 'EUR', rate);
        const back = convert(there, 'EUR', 'GBP', rate, { invert: true });
        expect(Math.abs(back - amount)).toBeLessThanOrEqual(Math.ceil(10_000 / rateUnits));
      }),
    );
  });

  it('refuses rates that are not plain positive decimals', () => {
    for (const bad of ['0', '-1', '1e3', 'abc', '', '1.', Number.NaN, 1e-7]) expect(() => convert(100, 'USD', 'EUR', bad)).toThrow(RangeError);
  });

  it('matches the exact rational result within half an increment', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 1, max: 10 ** 8 }), fc.integer({ min: 1, max: 100 }), (amount, rateUnits, inc) => {
        const rate = (rateUnits / 10_000).toFixed(4); // 0.0001 .. 10000.0000
        const v = convert(amount, 'USD', 'JPY', rate, { increment: inc });
        // exact value in JPY minor units: amount/100 * rateUnits/10000
        const exactTimes1e6 = BigInt(amount) * BigInt(rateUnits);
        const diffTimes1e6 = BigInt(v) * 1_000_000n - exactTimes1e6;
        const abs = diffTimes1e6 < 0n ? -diffTimes1e6 : diffTimes1e6;
        expect(abs * 2n <= BigInt(inc) * 1_000_000n).toBe(true);
        expect(v % inc).toBe(0);
      }),
    );
  });
});

describe('allocation (largest remainder)', () => {
  it('splits without losing a unit, earlier positions winning ties', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(5, [1, 1])).toEqual([3, 2]);
    expect(allocate(-5, [2, 1])).toEqual([-3, -2]);
    expect(allocate(1000, [5000, 3000, 2000])).toEqual([500, 300, 200]);
    expect(allocate(10, [1, 3])).toEqual([3, 7]); // 2.5 / 7.5: remainders tie, the first wins
    expect(allocate(7, [0, 0, 0])).toEqual([3, 2, 2]);
    expect(allocate(7, [0, 5, 0])).toEqual([0, 7, 0]);
    expect(allocate(0, [1, 2])).toEqual([0, 0]);
    expect(allocate(0, [])).toEqual([]);
    expect(() => allocate(1, [])).toThrow(RangeError);
    expect(() => allocate(1, [1, -1])).toThrow(RangeError);
    expect(() => allocate(1, [0.5, 1])).toThrow(RangeError);
    expect(() => allocate(0.5, [1])).toThrow(RangeError);
  });

  it('allocates a discount over line totals with the largest remainders first', () => {
    // 1000 off lines of 3333, 3333, 3334: exact shares 333.3, 333.3, 333.4 -> the last line gets the spare unit.
    expect(allocate(1000, [3333, 3333, 3334])).toEqual([333, 333, 334]);
  });

  it('handles products beyond 2^53 exactly', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const shares = allocate(big, [big, big, 1]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(big);
  });

  const weightsArb = fc.array(fc.integer({ min: 0, max: 10 ** 9 }), { minLength: 1, maxLength: 40 });

  it('always sums exactly to the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), weightsArb, (amount, weights) => {
        expect(allocate(amount, weights).reduce((a, b) => a + b, 0)).toBe(amount);
      }),
    );
  });

  it('never gives a negative share of a non-negative amount, and never more than a weight when the amount fits', () => {
    fc.assert(
      fc.property(weightsArb, fc.double({ min: 0, max: 1, noNaN: true }), (weights, fraction) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const amount = Math.floor(total * fraction);
        const shares = allocate(amount, weights);
        for (const [i, s] of shares.entries()) {
          expect(s).toBeGreaterThanOrEqual(0);
          if (total > 0) expect(s).toBeLessThanOrEqual(weights[i] as number);
        }
      }),
    );
  });

  it('is deterministic, proportional to within one unit, and unchanged by scaling the weights', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), weightsArb, fc.integer({ min: 2, max: 1000 }), (amount, weights, k) => {
        const a = allocate(amount, weights);
        expect(allocate(amount, [...weights])).toEqual(a);
        if (weights.every((w) => w * k <= Number.MAX_SAFE_INTEGER))
          expect(
            allocate(
              amount,
              weights.map((w) => w * k),
            ),
          ).toEqual(a);
        const total = weights.reduce((x, y) => x + y, 0);
        if (total > 0)
          for (const [i, s] of a.entries()) {
            const exact = (amount * (weights[i] as number)) / total;
            expect(Math.abs(s - exact)).toBeLessThan(1 + 1e-6);
          }
      }),
    );
  });

  it('gives the amount of a negation negated', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), weightsArb, (amount, weights) => {
        expect(allocate(-amount, weights)).toEqual(allocate(amount, weights).map((s) => (s === 0 ? 0 : -s)));
      }),
    );
  });
});
