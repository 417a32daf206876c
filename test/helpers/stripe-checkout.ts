/**
 * What the storefront's checkout does with Stripe: place the order from a fresh cart (stock reserved), then start
 * Stripe Checkout on the store's connected account. Shared by the payment tests on one and on two clusters.
 */
import { connectedStore, StripePaymentProvider } from '@storeloom/billing';
import { CartService, loadSettings } from '@storeloom/commerce';
import type { TestPlatform } from './platform.ts';

export async function placeStripeCheckout(p: TestPlatform, storeId: string, variantId: string, quantity: number) {
  const r = await p.db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirstOrThrow();
  const t = p.db.tenant(r.schema_name);
  const carts = new CartService(t);
  const cart = await carts.findOrCreate(undefined);
  await carts.add(cart.id, variantId, quantity);
  const orders = p.services.commerce.orders(r, { tenant: t });
  const placed = await orders.place({
    cartId: cart.id,
    email: 'shopper@example.com',
    customerId: null,
    customerName: 'Sam Shopper',
    address: { name: 'Sam Shopper', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null },
    locale: 'en',
    settings: await loadSettings(t),
    provider: 'stripe',
  });
  const stripe = p.services.billing.stripe;
  if (!stripe) throw new Error('the test platform has no Stripe client');
  const provider = new StripePaymentProvider(stripe, () => connectedStore(p.db, storeId));
  const startInput = {
    orderId: placed.order.id,
    orderNumber: placed.order.number,
    amount: placed.order.total,
    currency: placed.order.currency,
    email: placed.order.email,
    idempotencyKey: placed.paymentKey,
    returnUrl: 'http://shop.localhost/orders/x',
    cancelUrl: 'http://shop.localhost/cart',
    hostedPayUrl: 'http://shop.localhost/pay',
  };
  const start = await provider.start(startInput);
  /** The same start again (a retried request for the same order attempt). */
  const restart = () => provider.start(startInput);
  return { order: placed.order, sessionId: start.reference as string, orders, restart };
}
