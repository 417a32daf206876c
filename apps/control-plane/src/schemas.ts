/** Shared zod schemas: request validation and the OpenAPI document come from the same definitions. */
import { z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { isProductHandle } from '@storeloom/catalog';
import { normaliseCurrencyText } from '@storeloom/money';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: httpText[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }]));
const httpText: Record<number, string> = {
  400: 'Invalid request',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Wrong content type',
  422: 'Unprocessable',
  429: 'Rate limited',
};

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  content: { 'application/json': { schema } },
  ...(description ? { description } : {}),
});
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const text = (max: number) => z.string().trim().max(max);
export const Uuid = z.string().uuid();
export const StoreIdParam = z.object({ storeId: z.string().openapi({ param: { name: 'storeId', in: 'path' }, format: 'uuid' }) });
export const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'Repeat a request safely: the same key returns the first result' }),
});

export const UserSchema = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi('User');
/** A correct password on an account with two-factor sign-in: no session yet, a ticket for the second step. */
export const TwoFactorChallengeSchema = z
  .object({ twoFactorRequired: z.literal(true), ticket: z.string(), expiresAt: z.string() })
  .openapi('TwoFactorChallenge');

export const StoreSchema = z
  .object({
    id: z.string().uuid(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(['provisioning', 'active', 'suspended', 'deleted']),
    plan: z.string(),
    currency: z.string(),
    country: z.string().nullable().openapi({ description: "ISO 3166-1 alpha-2: the store's own country (its primary market)" }),
    timezone: z.string().openapi({ example: 'Europe/London', description: "IANA time zone the console shows the store's dates and times in" }),
    defaultLocale: z.string(),
    customDomain: z.string().nullable(),
    url: z.string(),
    role: z.enum(['owner', 'admin', 'staff']).optional(),
    capabilities: z
      .array(z.enum(Object.values(Permission) as [Permission, ...Permission[]]))
      .optional()
      .openapi({
        description: 'What the caller may do in this store (from `role`; present with it). The API enforces these; the console hides what they deny.',
      }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Store');

/** A currency code in a request ("usd", " Eur "), normalised by @storeloom/money; the service checks it is an ISO 4217 code it can sell in. */
export const CurrencyCodeInput = z.string().overwrite(normaliseCurrencyText).length(3).openapi({ example: 'USD' });

export const Money = z.number().int().min(0).max(2_000_000_000).openapi({ description: 'Integer minor units of the store currency (cents for USD)' });
export const Handle = z
  .string()
  .min(1)
  .max(255)
  .refine((h) => isProductHandle(h.normalize('NFC')), 'lower-case words of letters and digits (any script) joined by single hyphens')
  .openapi({ example: 'matcha-set' });

export const VariantInputSchema = z.object({
  id: z.string().uuid().optional().openapi({ description: 'On update: keep this existing variant' }),
  sku: text(100).nullable().optional(),
  price: Money,
  compareAtPrice: Money.nullable().optional(),
  inventoryQuantity: z.number().int().min(0).max(2_000_000_000).optional(),
  lowStockThreshold: z
    .number()
    .int()
    .min(0)
    .max(2_000_000_000)
    .nullable()
    .optional()
    .openapi({ description: 'Low stock at or below this quantity; null = no alert; omitted = unchanged' }),
  options: z
    .record(text(100).min(1), text(100).min(1))
    .optional()
    .openapi({ example: { Size: 'M', Colour: 'Blue' } }),
  imageUrl: z
    .string()
    .max(2048)
    .refine((u) => /^https?:\/\//i.test(u) || u.startsWith('/'), 'must be an http(s) URL')
    .nullable()
    .optional()
    .openapi({ description: "One of the product's image URLs shown for this variant; null = the product's first image; omitted = unchanged" }),
  weightGrams: z
    .number()
    .int()
    .min(0)
    .max(2_000_000_000)
    .optional()
    .openapi({ description: 'Shipping weight in grams (weight-based shipping rates); omitted = unchanged (0 on create)' }),
});
export const ImageInputSchema = z.object({
  url: z
    .string()
    .max(2048)
    .url()
    .refine((u) => /^https?:\/\//i.test(u) || u.startsWith('/'), 'must be an http(s) URL'),
  alt: text(500).nullable().optional(),
});
export const OptionSchema = z.object({ name: text(100).min(1), values: z.array(text(100).min(1)).max(100) });
const Status = z.enum(['draft', 'active', 'archived']);

export const ProductCreateSchema = z
  .object({
    title: text(255).min(1),
    handle: Handle.optional(),
    description: z.string().max(100_000).optional(),
    status: Status.optional(),
    vendor: text(255).nullable().optional(),
    productType: text(255).nullable().optional(),
    tags: z.array(text(100)).max(250).optional(),
    options: z.array(OptionSchema).max(3).optional(),
    seoTitle: text(255).nullable().optional(),
    seoDescription: text(1000).nullable().optional(),
    taxClass: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, "a tax class such as 'standard', 'reduced' or 'zero'")
      .optional()
      .openapi({ description: 'Tax class for tax by destination (default standard)' }),
    giftCard: z
      .boolean()
      .optional()
      .openapi({ description: 'Sold as a gift card: variants are the denominations; no shipping, no tax; paid → one card per unit, mailed' }),
    variants: z.array(VariantInputSchema).min(1).max(250),
    images: z.array(ImageInputSchema).max(250).optional(),
    collectionIds: z.array(z.string().uuid()).max(250).optional(),
  })
  .openapi('ProductCreate');

export const ProductPatchSchema = ProductCreateSchema.partial()
  .extend({ version: z.number().int().min(1).openapi({ description: 'The version you read; a stale version is refused with 409 version_conflict' }) })
  .openapi('ProductPatch');

export const VariantSchema = z
  .object({
    id: z.string(),
    sku: z.string().nullable(),
    title: z.string(),
    options: z.record(z.string(), z.string()),
    price: z.number().int(),
    compareAtPrice: z.number().int().nullable(),
    inventoryQuantity: z.number().int(),
    position: z.number().int(),
    version: z.number().int(),
    lowStockThreshold: z.number().int().nullable(),
    imageUrl: z.string().nullable(),
    weightGrams: z.number().int(),
  })
  .openapi('Variant');

export const ProductSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    title: z.string(),
    description: z.string(),
    status: Status,
    vendor: z.string().nullable(),
    productType: z.string().nullable(),
    tags: z.array(z.string()),
    options: z.array(OptionSchema),
    seoTitle: z.string().nullable(),
    seoDescription: z.string().nullable(),
    taxClass: z.string(),
    giftCard: z.boolean(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    variants: z.array(VariantSchema),
    images: z.array(z.object({ id: z.string(), url: z.string(), alt: z.string().nullable(), position: z.number().int() })),
    collectionIds: z.array(z.string()),
  })
  .openapi('Product');

/** A store job started by hand: the job to follow (a second request while it is queued or running gets the same job). */
export const QueuedJobSchema = z
  .object({
    jobId: z.string().openapi({ description: 'The queue job id the run/status endpoints take' }),
    id: z.string().openapi({ description: 'The store job (GET …/jobs lists it)' }),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    existing: z.boolean().openapi({ description: 'True when the store already had this job queued or running: nothing new was queued' }),
  })
  .openapi('QueuedJob');

export const pageOf = <T extends z.ZodType>(item: T, name: string) => z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const CollectionSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    title: z.string(),
    description: z.string(),
    version: z.number().int(),
    productCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Collection');

export const ImportRowIssueSchema = z
  .object({ row: z.number().int(), handle: z.string().optional(), code: z.string(), message: z.string() })
  .openapi('ImportRowIssue');

export const ImportSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    filename: z.string().nullable(),
    totalRows: z.number().int(),
    processedRows: z.number().int(),
    progress: z.number(),
    createdCount: z.number().int(),
    updatedCount: z.number().int(),
    errorCount: z.number().int(),
    errors: z.array(ImportRowIssueSchema),
    warningCount: z.number().int(),
    warnings: z.array(ImportRowIssueSchema).openapi({ description: 'Rows imported with something to check (duplicate SKU, image kept as a link…)' }),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    jobId: z.string().optional(),
  })
  .openapi('Import');

export const PlanSchema = z
  .object({
    id: z.enum(['free', 'basic', 'pro']),
    name: z.string(),
    priceLabel: z.string(),
    limits: z.object({
      activeProducts: z.number().int().nullable().openapi({ description: 'null = unlimited' }),
      staffSeats: z.number().int().openapi({ description: 'Members, the owner included' }),
      customDomain: z.boolean(),
    }),
    transactionFeePercent: z.number().openapi({ description: 'Platform fee on each shopper payment through Stripe, e.g. 1.5' }),
    available: z.boolean().openapi({ description: 'Can be bought here (a Stripe price is configured); Free is always available' }),
  })
  .openapi('Plan');

export const BillingSchema = z
  .object({
    enabled: z.boolean().openapi({ description: 'false: no Stripe keys on this installation; plans and limits are off' }),
    plan: PlanSchema,
    usage: z.object({ activeProducts: z.number().int(), staffSeats: z.number().int(), customDomain: z.boolean() }),
    status: z.enum(['active', 'past_due', 'canceled']),
    subscriptionStatus: z.string().nullable(),
    pastDueSince: z.string().nullable(),
    graceUntil: z.string().nullable().openapi({ description: 'When a past-due store is suspended unless it pays' }),
    currentPeriodEnd: z.string().nullable(),
    suspended: z.boolean(),
    hasBillingAccount: z.boolean(),
    canManage: z.boolean().openapi({ description: 'The caller may change the plan (owner or admin)' }),
    plans: z.array(PlanSchema),
  })
  .openapi('Billing');

export const RedirectSchema = z.object({ url: z.string().url() }).openapi('Redirect');

export const PayoutStatusSchema = z
  .object({
    enabled: z.boolean().openapi({ description: 'false: no Stripe keys; shoppers pay with the manual provider' }),
    connected: z.boolean(),
    accountId: z.string().nullable(),
    chargesEnabled: z.boolean(),
    payoutsEnabled: z.boolean(),
    detailsSubmitted: z.boolean(),
    requirements: z.object({
      currentlyDue: z.array(z.string()),
      pastDue: z.array(z.string()),
      eventuallyDue: z.array(z.string()),
      disabledReason: z.string().nullable(),
      currentDeadline: z.number().int().nullable(),
    }),
    updatedAt: z.string().nullable(),
  })
  .openapi('PayoutStatus');
