/**
 * Shared pieces of the Storefront API v1 (not routes): the environment, the
 * cart lookup by its secret id, the cart and order views, and the schemas
 * every route's contract is built from (the OpenAPI document comes from them).
 */
import { z } from '@hono/zod-openapi';
import { CartPromotions, CartService, type CheckoutService, type OrderDetail, type PricedCart } from '@storeloom/commerce';
import type { Database } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { StorefrontEnv } from '../../context.ts';

export type ApiEnv = StorefrontEnv;
export type ApiContext = Context<ApiEnv>;
export type StorefrontApi = OpenAPIHono<ApiEnv>;

export interface StorefrontApiDeps {
  db: Database;
  checkout: (c: ApiContext) => CheckoutService;
  /** The store's public origin for this request (`https://tea.shops.example`): a headless client needs absolute URLs. */
  origin: (c: ApiContext) => string;
}

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string().openapi({ example: 'discount_not_applicable' }), message: z.string(), details: z.unknown().optional() }) })
  .openapi('StorefrontError');
const errorResponse = (description: string, retryAfter = false) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
  ...(retryAfter ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } } } } : {}),
});
/**
 * An operation's own error statuses, plus what the storefront refuses before any operation runs (api-errors.ts), so
 * every operation can answer them: 404 `store_not_found` (no store at this host), 429 `rate_limited`, and 503
 * `store_unavailable` (closed or not launched yet) or `service_unavailable` (deadline, database unreachable). Before
 * launch the merchant's preview token in the query lets any operation through (launch.ts), which the 503 says.
 */
export const errors = (...statuses: number[]) => ({
  ...Object.fromEntries(statuses.map((s) => [s, errorResponse('Error')])),
  404: errorResponse(statuses.includes(404) ? 'Not found, or no store at this host (`store_not_found`)' : 'No store at this host (`store_not_found`)'),
  429: errorResponse('Too many requests from this address (`rate_limited`)', true),
  503: errorResponse(
    'The store is closed or not launched yet (`store_unavailable`), or the service is briefly unavailable (`service_unavailable`). Before launch, a request that carries the merchant’s preview token (`?preview=<token>`, from the console’s preview link) is answered as if the store were open.',
    true,
  ),
});
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const CartIdParam = z.object({
  cartId: z.string().openapi({ param: { name: 'cartId', in: 'path' }, description: 'The cart id returned by POST /carts: its only credential' }),
});

const Money = z.number().int().openapi({ description: "Integer minor units of the cart's currency" });
export const CartSchema = z
  .object({
    id: z.string(),
    currency: z.string().openapi({ description: "The currency of every amount: the market's that the cart's country picks" }),
    country: z.string().nullable(),
    market: z
      .object({
        id: z.string().nullable().openapi({ description: 'null: the primary market (the store currency)' }),
        name: z.string(),
        exchangeRate: z.string().openapi({ description: 'Units of the cart currency per 1 unit of the store currency' }),
        rateDate: z.string().nullable(),
      })
      .openapi('CartMarket'),
    email: z.string().nullable(),
    vatId: z.string().nullable().openapi({ description: "A business buyer's VAT id (format-checked); reverse charge where the merchant enables it" }),
    shippingAvailable: z.boolean().nullable().openapi({
      description: "false: the cart's country is in none of the store's shipping zones (checkout answers 422 shipping_unavailable); null: not known yet",
    }),
    lines: z.array(
      z.object({
        id: z.string(),
        variantId: z.string(),
        productId: z.string(),
        title: z.string(),
        quantity: z.number().int(),
        unitPrice: Money,
        total: Money.openapi({ description: 'unitPrice × quantity, before discounts' }),
      }),
    ),
    subtotal: Money,
    discounts: z.array(z.object({ code: z.string().nullable().openapi({ description: 'null for automatic discounts' }), title: z.string(), amount: Money })),
    discountTotal: Money,
    shipping: Money,
    tax: Money,
    taxIncluded: z.boolean(),
    reverseCharge: z.boolean(),
    taxLines: z.array(
      z.object({ country: z.string(), region: z.string().nullable(), taxClass: z.string(), rate: z.number(), name: z.string(), base: Money, amount: Money }),
    ),
    giftCards: z.array(z.object({ last4: z.string(), amount: Money })),
    giftCardTotal: Money,
    total: Money.openapi({ description: 'What the order costs: after discounts, with shipping and tax' }),
    amountDue: Money.openapi({ description: 'total − giftCardTotal' }),
  })
  .openapi('Cart');
export type CartBody = z.infer<typeof CartSchema>;

export const CheckoutResultSchema = z
  .object({
    order: z.object({
      id: z.string(),
      number: z.number().int(),
      currency: z.string(),
      subtotal: Money,
      discountTotal: Money,
      shipping: Money,
      tax: Money,
      taxIncluded: z.boolean(),
      total: Money,
      giftCardTotal: Money,
      amountDue: Money,
    }),
    payment: z.object({ provider: z.string(), redirectUrl: z.string().nullable().openapi({ description: 'null when gift cards paid the whole order' }) }),
  })
  .openapi('CheckoutResult');
export type CheckoutBody = z.infer<typeof CheckoutResultSchema>;

/** The internal id of the cart behind a secret id (the cart's secret, 160 random bits, base32; the database keeps only its hash); a malformed or unknown id (or another store's) is 404. */
export async function cartIdOf(c: ApiContext): Promise<string> {
  const id = await new CartService(c.var.tenant.t).find(c.req.param('cartId'));
  if (!id) throw new AppError(ErrorCode.NotFound, 'Cart not found');
  return id;
}

export const promotionsOf = (c: ApiContext) =>
  new CartPromotions(c.var.tenant.t, {
    storeId: c.var.store.id,
    settings: c.var.tenant.settings,
    currency: c.var.store.currency,
    locale: c.var.store.default_locale,
  });

export async function cartBody(c: ApiContext, secret: string, cartId: string, priced?: PricedCart): Promise<CartBody> {
  const p = priced ?? (await promotionsOf(c).price(cartId));
  const contact = await new CartService(c.var.tenant.t).contact(cartId);
  const { totals, adjustments } = p.state;
  return {
    id: secret,
    currency: p.market.currency,
    country: contact?.country ?? null,
    market: { id: p.market.id, name: p.market.name, exchangeRate: p.market.rate.rate, rateDate: p.market.rate.asOf },
    email: contact?.email ?? null,
    vatId: contact?.vatId ?? null,
    shippingAvailable: p.state.shipping ? p.state.shipping.available : null,
    lines: p.lines.map((l) => ({
      id: l.variantId,
      variantId: l.variantId,
      productId: l.productId,
      title: l.variantTitle ? `${l.title} – ${l.variantTitle}` : l.title,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      total: l.unitPrice * l.quantity,
    })),
    subtotal: totals.subtotal,
    discounts: adjustments.filter((a) => a.kind === 'discount').map((a) => ({ code: a.code ?? null, title: a.label, amount: a.amount })),
    discountTotal: p.discountTotal,
    shipping: totals.shipping,
    tax: totals.tax,
    taxIncluded: totals.taxIncluded,
    reverseCharge: p.state.tax?.reverseCharge ?? false,
    taxLines: p.state.tax?.lines ?? [],
    giftCards: adjustments.filter((a) => a.kind === 'tender').map((a) => ({ last4: a.last4 ?? '', amount: a.amount })),
    giftCardTotal: p.giftCardTotal,
    total: totals.total,
    amountDue: p.amountDue,
  };
}

export function checkoutBody(order: OrderDetail, redirectUrl: string | null): CheckoutBody {
  return {
    order: {
      id: order.id,
      number: order.number,
      currency: order.currency,
      subtotal: order.subtotal,
      discountTotal: order.discountTotal,
      shipping: order.shipping,
      tax: order.tax,
      taxIncluded: order.taxIncluded,
      total: order.total,
      giftCardTotal: order.giftCardTotal,
      amountDue: order.amountDue,
    },
    payment: { provider: order.payment.provider, redirectUrl },
  };
}
