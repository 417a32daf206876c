/**
 * The Stripe fake as a process, for clicking through billing and payments
 * locally:
 *   node --import tsx packages/stripe-fake/src/cli.ts --port 12111 \
 *     --billing http://localhost:3000/webhooks/stripe/billing --connect http://localhost:3000/webhooks/stripe/connect \
 *     --secret whsec_local --price price_basic=2900 --price price_pro=9900
 * then start the platform with STRIPE_SECRET_KEY=sk_test_local STRIPE_API_URL=http://127.0.0.1:12111
 * STRIPE_BILLING_WEBHOOK_SECRET=whsec_local STRIPE_CONNECT_WEBHOOK_SECRET=whsec_local
 * STRIPE_PRICE_BASIC=price_basic STRIPE_PRICE_PRO=price_pro.
 */
import { parseArgs } from 'node:util';
import { StripeFake } from './fake.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    billing: { type: 'string' },
    connect: { type: 'string' },
    secret: { type: 'string', default: 'whsec_local' },
    price: { type: 'string', multiple: true, default: [] },
  },
});
const fake = await StripeFake.start({ port: Number(values.port) });
if (values.billing) fake.endpoints.push({ url: values.billing, secret: values.secret, connect: false });
if (values.connect) fake.endpoints.push({ url: values.connect, secret: values.secret, connect: true });
for (const spec of values.price) {
  const [id, amount] = spec.split('=');
  fake.createPrice({ id, unitAmount: Number(amount ?? 1000) });
}
process.stdout.write(`stripe fake listening on ${fake.url}\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
