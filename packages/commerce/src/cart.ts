/**
 * Carts: the cookie holds a random token; the database keeps only its hash.
 * Lines reference variants; their prices are never stored in the cart, so a
 * cart always shows (and checkout always charges) the catalogue's price.
 */
import { generateToken, sha256Hex } from '@storeloom/auth';
import { type GiftCardRecipient, type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';

export const MAX_LINE_QUANTITY = 99;
const TOKEN_RE = /^[a-z2-7]{32}$/;

export interface CartLineView {
  variantId: string;
  productId: string;
  handle: string;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  unitPrice: number;
  compareAtPrice: number | null;
  available: number;
  weightGrams: number;
  imageUrl: string | null;
  /** The product's tax class (tax by destination). */
  taxClass: string;
  /** A gift card sold as a product: a tender for sale, not goods (no shipping, no tax, no discounts). */
  giftCard?: boolean;
  /** Who the gift card is for (optional; the code goes to the buyer without an e-mail here). */
  giftCardRecipient?: GiftCardRecipient | null;
}

const RECIPIENT_EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A recipient as the shopper typed it, trimmed and bounded; null when all of it is empty. */
export function cleanGiftCardRecipient(
  r: { email?: string | null; name?: string | null; message?: string | null } | null | undefined,
): GiftCardRecipient | null {
  if (!r) return null;
  const email = r.email?.trim().toLowerCase() || null;
  const name = r.name?.trim().slice(0, 100) || null;
  const message = r.message?.trim().slice(0, 500) || null;
  if (email && (email.length > 254 || !RECIPIENT_EMAIL_RE.test(email)))
    throw new AppError(ErrorCode.ValidationFailed, "Enter a valid e-mail address for the gift card's recipient", {
      details: [{ path: 'giftCardRecipient.email', message: 'invalid e-mail address' }],
    });
  return email || name || message ? { email, name, message } : null;
}

export class CartService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async find(token: string | undefined): Promise<string | null> {
    if (!token || !TOKEN_RE.test(token)) return null;
    const row = await this.t.selectFrom('carts').select('id').where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    return row?.id ?? null;
  }

  /** The buyer's contact details on the cart (null: no such cart). */
  async contact(cartId: string): Promise<{ email: string | null; country: string | null; vatId: string | null } | null> {
    const row = await this.t.selectFrom('carts').select(['email', 'country', 'vat_id']).where('id', '=', cartId).executeTakeFirst();
    return row ? { email: row.email, country: row.country, vatId: row.vat_id } : null;
  }

  /** Whether the cart has a line of this variant. */
  async hasLine(cartId: string, variantId: string): Promise<boolean> {
    const row = await this.t.selectFrom('cart_lines').select('variant_id').where('cart_id', '=', cartId).where('variant_id', '=', variantId).executeTakeFirst();
    return !!row;
  }

  /** The cart of this token, or a new one (with a new token for the cookie), in `country`'s market when given. */
  async findOrCreate(token: string | undefined, o: { country?: string | null } = {}): Promise<{ id: string; token: string; created: boolean }> {
    const id = token ? await this.find(token) : null;
    if (id && token) return { id, token, created: false };
    const fresh = generateToken();
    const cartId = newId();
    await this.t
      .insertInto('carts')
      .values({ id: cartId, token_hash: sha256Hex(fresh), country: o.country ?? null, created_at: new Date(), updated_at: new Date() })
      .execute();
    return { id: cartId, token: fresh, created: true };
  }

  /** Lines with current catalogue data, in one statement; lines of unpublished products drop out. */
  async lines(cartId: string): Promise<CartLineView[]> {
    const rows = await this.t
      .selectFrom('cart_lines as l')
      .innerJoin('variants as v', 'v.id', 'l.variant_id')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select([
        'l.variant_id',
        'l.quantity',
        'p.id as product_id',
        'p.handle',
        'p.title',
        'v.title as variant_title',
        'v.sku',
        'v.price',
        'v.compare_at_price',
        'v.inventory_quantity',
        'v.weight_grams',
        'p.tax_class',
        'p.gift_card',
        'l.gift_card_recipient',
        // The variant's own image (Shopify's Variant Image) when it has one, else the product's first.
        (eb) =>
          eb.fn
            .coalesce('v.image_url', eb.selectFrom('images as i').select('i.url').whereRef('i.product_id', '=', 'p.id').orderBy('i.position').limit(1))
            .as('image_url'),
      ])
      .where('l.cart_id', '=', cartId)
      .where('p.status', '=', 'active')
      .orderBy('l.created_at')
      .orderBy('l.variant_id')
      .execute();
    return rows.map((r) => ({
      variantId: r.variant_id,
      productId: r.product_id,
      handle: r.handle,
      title: r.title,
      variantTitle: r.variant_title === 'Default' || r.variant_title === 'Default Title' ? null : r.variant_title,
      sku: r.sku,
      quantity: r.quantity,
      unitPrice: r.price,
      compareAtPrice: r.compare_at_price,
      available: r.inventory_quantity,
      weightGrams: r.weight_grams,
      taxClass: r.tax_class,
      imageUrl: r.image_url ?? null,
      ...(r.gift_card ? { giftCard: true, giftCardRecipient: r.gift_card_recipient ?? null } : {}),
    }));
  }

  async count(cartId: string): Promise<number> {
    const row = await this.t
      .selectFrom('cart_lines')
      .select(sql<number>`coalesce(sum(quantity), 0)::int`.as('n'))
      .where('cart_id', '=', cartId)
      .executeTakeFirst();
    return row?.n ?? 0;
  }

  /** Adds to the line (capped by stock); a variant of a draft product or without stock is refused. */
  async add(cartId: string, variantId: string, quantity: number, o: { giftCardRecipient?: GiftCardRecipient | null } = {}): Promise<void> {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY)
      throw new AppError(ErrorCode.ValidationFailed, `quantity: 1 to ${MAX_LINE_QUANTITY}`);
    const v = await this.t
      .selectFrom('variants as v')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select([
        'v.inventory_quantity',
        'p.gift_card',
        (eb) => eb.selectFrom('cart_lines').select('quantity').where('cart_id', '=', cartId).whereRef('variant_id', '=', 'v.id').as('in_cart'),
      ])
      .where('v.id', '=', variantId)
      .where('p.status', '=', 'active')
      .executeTakeFirst();
    if (!v) throw new AppError(ErrorCode.NotFound, 'Product not found');
    const wanted = Math.min(MAX_LINE_QUANTITY, (v.in_cart ?? 0) + quantity);
    if (wanted > v.inventory_quantity)
      throw new AppError(ErrorCode.InsufficientStock, `Only ${v.inventory_quantity} left`, { details: { available: v.inventory_quantity } });
    // A gift card's recipient: the one given last names the line (one line per variant); others ignore it.
    const recipient = v.gift_card && o.giftCardRecipient ? JSON.stringify(o.giftCardRecipient) : null;
    await this.t
      .insertInto('cart_lines')
      .values({ cart_id: cartId, variant_id: variantId, quantity: wanted, created_at: new Date(), gift_card_recipient: recipient })
      .onConflict((oc) =>
        oc.columns(['cart_id', 'variant_id']).doUpdateSet(recipient ? { quantity: wanted, gift_card_recipient: recipient } : { quantity: wanted }),
      )
      .execute();
  }

  /** Sets a line's quantity; 0 removes it; more than in stock is capped to the stock. Returns the quantity kept. */
  async setQuantity(cartId: string, variantId: string, quantity: number): Promise<number> {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_LINE_QUANTITY)
      throw new AppError(ErrorCode.ValidationFailed, `quantity: 0 to ${MAX_LINE_QUANTITY}`);
    if (quantity === 0) {
      await this.t.deleteFrom('cart_lines').where('cart_id', '=', cartId).where('variant_id', '=', variantId).execute();
      return 0;
    }
    const row = await this.t
      .updateTable('cart_lines')
      .set((eb) => ({
        quantity: sql`least(${quantity}::int, greatest(1, (${eb.selectFrom('variants').select('inventory_quantity').where('id', '=', variantId)})))`,
      }))
      .where('cart_id', '=', cartId)
      .where('variant_id', '=', variantId)
      .returning('quantity')
      .executeTakeFirst();
    return row?.quantity ?? 0;
  }

  async clear(cartId: string): Promise<void> {
    await this.t.deleteFrom('cart_lines').where('cart_id', '=', cartId).execute();
  }
}
