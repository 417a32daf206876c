/**
 * GET /products/:handle → an active product's variants priced in the shopper's market (`country`, else the request's
 * market), with `lowestPriceInLast30Days` where a reduction is shown (EU price-reduction rule, issue 22), and whether
 * each price includes tax as the market's shopper sees it (the product page's "incl. tax" / "excl. tax" note).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { marketFor } from '@storeloom/commerce';
import { AppError, ErrorCode } from '@storeloom/errors';
import { StorefrontCatalog } from '../../catalog.ts';
import { countryCode, marketCountry, productInMarket, taxNote } from '../../market.ts';
import { errors, json, type StorefrontApi } from './context.ts';

const VariantSchema = z.object({
  id: z.string(),
  title: z.string(),
  sku: z.string().nullable(),
  options: z.record(z.string(), z.string()),
  price: z.number().int().openapi({ description: 'Minor units of `currency`' }),
  currency: z.string().openapi({ description: "ISO 4217: the market's currency (the product's `currency`)" }),
  taxInclusive: z.boolean().openapi({
    description:
      "Whether `price` (and `compareAtPrice`) include tax: the market's tax display rule, as the cart prices it (tax inside the price, or added at checkout)",
  }),
  compareAtPrice: z.number().int().nullable().openapi({ description: 'The previous price shown struck through; a reduction when above `price`' }),
  lowestPriceInLast30Days: z.number().int().nullable().openapi({
    description:
      'EU price-reduction rule (Omnibus): the lowest price of the 30 days before the reduction, in `currency`; set only when `compareAtPrice` is above `price`, and to be shown next to it',
  }),
  available: z.number().int(),
});

const ProductSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    title: z.string(),
    currency: z.string().openapi({ description: "The currency of every amount: the market's" }),
    market: z.object({ id: z.string().nullable().openapi({ description: 'null: the primary market (the store currency)' }), name: z.string() }),
    taxInclusive: z.boolean().openapi({ description: "The market's tax display rule: prices include tax (true) or tax is added (false)" }),
    taxNote: z.enum(['included', 'excluded']).nullable().openapi({
      description:
        "What the product page says under the price for the shopper's country: 'included' (incl. tax), 'excluded' (excl. tax), null where that country pays no tax",
    }),
    variants: z.array(VariantSchema),
  })
  .openapi('Product');

const route = createRoute({
  method: 'get',
  path: '/products/{handle}',
  operationId: 'getProduct',
  tags: ['products'],
  summary: "Read an active product's variants and prices in a market",
  request: {
    params: z.object({ handle: z.string().min(1).max(255) }),
    query: z.object({ country: z.string().length(2).optional().openapi({ description: 'ISO 3166-1 alpha-2: price in the market selling there' }) }),
  },
  responses: { 200: json(ProductSchema, 'The product'), ...errors(404) },
});

export function registerGetProduct(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { handle } = c.req.valid('param');
    const { country } = c.req.valid('query');
    const tenant = c.var.tenant;
    const code = marketCountry(tenant.settings, countryCode(country));
    const market = country ? marketFor(tenant.settings, tenant.store.currency, code) : c.var.market;
    // The country whose tax the note describes: the one asked for, else the request's (cookie, prefix, Accept-Language).
    const taxCountry = country ? countryCode(country) : c.var.country;
    const product = await new StorefrontCatalog(tenant.t).product(handle);
    if (!product) throw new AppError(ErrorCode.NotFound, 'Product not found');
    const priced = await productInMarket(tenant.t, market, product);
    return c.json(
      {
        id: priced.id,
        handle: priced.handle,
        title: priced.title,
        currency: market.currency,
        market: { id: market.id, name: market.name },
        taxInclusive: market.taxInclusive,
        taxNote: taxNote(tenant.settings, market, taxCountry),
        variants: priced.variants.map((v) => ({
          id: v.id,
          title: v.title,
          sku: v.sku,
          options: v.options,
          price: v.price,
          currency: market.currency,
          taxInclusive: market.taxInclusive,
          compareAtPrice: v.compareAtPrice,
          lowestPriceInLast30Days: v.lowestPrice30 ?? null,
          available: v.available,
        })),
      },
      200,
    );
  });
}
