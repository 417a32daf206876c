import { AppError } from '@storeloom/errors';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { PLANS, StripePaymentProvider } from '../src/index.ts';

/** Records what the provider sends to Stripe: the amounts are the point here, not the HTTP. */
function recordingStripe() {
  const sessions: Record<string, any>[] = [];
  const refunds: Record<string, any>[] = [];
  const stripe = {
    checkout: {
      sessions: {
        create: async (params: Record<string, any>) => {
          sessions.push(params);
          return { id: 'cs_1', url: 'https://pay.example/cs_1' };
        },
      },
    },
    refunds: {
      create: async (params: Record<string, any>) => {
        refunds.push(params);
        return { id: 're_1' };
      },
    },
  } as unknown as Stripe;
  return { stripe, sessions, refunds };
}

const store = { id: 's1', accountId: 'acct_1', chargesEnabled: true, plan: PLANS.free }; // 2 % fee
const start = (amount: number, currency: string) => ({
  orderId: 'o1',
  orderNumber: 1,
  amount,
  currency,
  email: 'a@example.com',
  idempotencyKey: 'k',
  returnUrl: 'http://x/r',
  cancelUrl: 'http://x/c',
  hostedPayUrl: 'http://x/p',
});

describe('Stripe payment amounts', () => {
  it('sends store minor units in Stripe amount units, per currency', async () => {
    const { stripe, sessions, refunds } = recordingStripe();
    const provider = new StripePaymentProvider(stripe, async () => store);
    const sent = async (amount: number, currency: string) => {
      await provider.start(start(amount, currency));
      const s = sessions.at(-1) as Record<string, any>;
      return { currency: s.line_items[0].price_data.currency, unit: s.line_items[0].price_data.unit_amount, fee: s.payment_intent_data.application_fee_amount };
    };
    expect(await sent(1250, 'USD')).toEqual({ currency: 'usd', unit: 1250, fee: 25 });
    expect(await sent(5000, 'JPY')).toEqual({ currency: 'jpy', unit: 5000, fee: 100 });
    // ISK has no minor unit (ISO) but Stripe takes it as two-decimal: 5,000 kr is 500000.
    expect(await sent(5000, 'ISK')).toEqual({ currency: 'isk', unit: 500000, fee: 10000 });
    // KWD: the fee (2 % of 5.120 = 0.1024) goes down to a multiple of 10 fils.
    expect(await sent(5120, 'KWD')).toEqual({ currency: 'kwd', unit: 5120, fee: 100 });
    // MGA is two-decimal by ISO, zero-decimal at Stripe.
    expect(await sent(500000, 'MGA')).toEqual({ currency: 'mga', unit: 5000, fee: 100 });

    await provider.refund({ orderId: 'o1', reference: 'pi_1', amount: 300, currency: 'ISK', idempotencyKey: 'r' });
    expect(refunds.at(-1)?.amount).toBe(30000);
  });

  it('refuses an amount Stripe cannot charge with a validation error, sending nothing', async () => {
    const { stripe, sessions } = recordingStripe();
    const provider = new StripePaymentProvider(stripe, async () => store);
    const err = await provider.start(start(5124, 'KWD')).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('validation_failed');
    expect(err.details).toEqual({ amount: 5124, currency: 'KWD', increment: 10 });
    expect(sessions).toHaveLength(0);
  });
});
