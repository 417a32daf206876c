/**
 * The storefront's form posts, validated with zod like the API's bodies:
 * bounded lengths, ids that must be UUIDs, quantities clamped to what a cart
 * line allows. A failure names its field, so the page can show it there.
 */
import { addressSchema, MAX_LINE_QUANTITY } from '@storeloom/commerce';
import { isUuid } from '@storeloom/db';
import { z } from 'zod';
import type { C } from './context.ts';

const uuid = z.string().refine(isUuid, 'Product not found');
const quantity = (min: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .catch(fallback)
    .transform((n) => Math.min(MAX_LINE_QUANTITY, Math.max(min, n)));
const upTo = (max: number, label: string) => z.string().max(max, `${label} is too long (at most ${max} characters)`);

export const cartAddForm = z.object({
  variantId: uuid,
  quantity: quantity(1, 1),
  // A gift card's recipient (optional; only gift-card products keep it).
  recipientEmail: z.string().max(254).optional(),
  recipientName: z.string().max(100).optional(),
  recipientMessage: z.string().max(500).optional(),
});
/** The cart's stepper: the quantity field, and − / + (`step` −1 or 1) which change it by one. */
export const cartUpdateForm = z
  .object({ variantId: uuid, quantity: quantity(0, 0), step: z.coerce.number().int().min(-1).max(1).catch(0).default(0) })
  .transform(({ variantId, quantity: q, step }) => ({ variantId, quantity: Math.min(MAX_LINE_QUANTITY, Math.max(0, q + step)) }));

/** A checkbox posted as value 1 when ticked (absent when not). */
const checkbox = z
  .string()
  .optional()
  .transform((v) => v === '1');

/** The account page's marketing mail choice. */
export const marketingForm = z.object({ acceptsMarketing: checkbox });

export const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'postalCode', 'region', 'country', 'phone'] as const;

/**
 * The checkout form: its own fields here, the address through commerce's
 * `addressSchema` (the same rules and messages as any other caller).
 */
export const checkoutForm = addressSchema.extend({
  email: upTo(254, 'E-mail').default(''),
  saveAddress: z
    .string()
    .optional()
    .transform((v) => v === '1'),
  /** "Email me with news and offers": unchecked by default, only a ticked box (value 1) agrees. */
  acceptsMarketing: checkbox,
  expectedTotal: z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number)
    .optional()
    .catch(undefined),
  // The price snapshot grows with the cart (verifyCheckoutQuote caps it at 16 KiB).
  quoteToken: z.string().max(16_384).optional().catch(undefined),
});

export const payForm = z.object({ outcome: z.enum(['pay', 'fail']).optional().catch(undefined) });

export const loginForm = z.object({
  email: upTo(254, 'E-mail').default(''),
  password: upTo(200, 'Password').default(''),
  next: z.string().max(2048).optional().catch(undefined),
});

export const registerForm = z.object({
  email: upTo(254, 'E-mail').default(''),
  name: upTo(200, 'Name').default(''),
  password: upTo(200, 'Password').default(''),
  acceptsMarketing: checkbox,
  next: z.string().max(2048).optional().catch(undefined),
});

export const forgotForm = z.object({ email: upTo(254, 'E-mail').default('') });

/** A mailed one-time link's token (the service checks its shape, so a wrong one is the same "invalid link"). */
const linkToken = z.string().max(100).default('');
export const resetForm = z.object({ token: linkToken, password: upTo(200, 'Password').default('') });
export const tokenForm = z.object({ token: linkToken });

/** An address the customer saves in the account: commerce's `addressSchema` (the checkout's rules and messages). */
export const accountAddressForm = addressSchema;

export type FormResult<T> = { ok: true; data: T } | { ok: false; field: string | null; message: string };

/** The posted fields as strings (a file or a repeated field is not a form value here). */
export async function formFields(c: C): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function parseForm<T>(schema: z.ZodType<T>, fields: Record<string, string>): FormResult<T> {
  const r = schema.safeParse(fields);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0];
  return { ok: false, field: typeof issue?.path[0] === 'string' ? issue.path[0] : null, message: issue?.message ?? 'Invalid form' };
}

/** A shopper's data request: a guest types the address; a signed-in shopper's account names it. */
export const privacyRequestForm = z.object({
  kind: z.enum(['export', 'erasure'], { message: 'Choose what you ask for' }),
  email: upTo(254, 'E-mail').default(''),
  confirm: z
    .string()
    .optional()
    .transform((v) => v === '1'),
});

export const privacyConfirmForm = z.object({ token: z.string().min(1).max(1024) });
