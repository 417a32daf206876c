/**
 * What a shopper changes on a cart besides its lines: contact (e-mail,
 * country), discount codes and gift cards. Used by the Storefront API and the
 * server-rendered cart page alike. A code is kept only when it applies now
 * (else `discount_not_applicable` with the reason); it is checked again on
 * every read and at checkout.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { formatMoney } from '@storeloom/money';
import { cartState, type PricedCart, priceCartOf } from './cart-pricing.ts';
import { CODE_RE, normaliseCode } from './discounts.ts';
import { GiftCardService } from './gift-cards.ts';
import { validateVatIdFormat } from './tax.ts';
import type { StorefrontSettings } from './settings.ts';

export const MAX_CODES_PER_CART = 5;
export const MAX_GIFT_CARDS_PER_CART = 5;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The reason prefixes the engine and the lookup give, as sentences a shopper understands. */
const REASON_TEXT: Record<string, string> = {
  unknown: 'This discount code does not exist',
  inactive: 'This discount code is not active',
  not_started: 'This discount code is not valid yet',
  expired: 'This discount code has expired',
  used_up: 'This discount code has reached its usage limit',
  once_per_customer: 'This discount code can be used once per customer and was already used with this e-mail',
  minimum_not_met: 'The cart does not reach the minimum subtotal for this code',
  no_eligible_items: 'Nothing in the cart qualifies for this code',
  not_combinable: 'This code cannot be combined with the discounts already applied',
};

/**
 * 422 `discount_not_applicable` for a refused code, with a sentence saying why. A minimum not met names the
 * minimum formatted in the cart's currency and the reader's locale (@storeloom/money), and gives it in
 * `details` as minor units with the currency for clients that format it themselves.
 */
export function discountRefusal(code: string, reason: string, money?: { minSubtotal?: number; currency: string; locale: string }): AppError {
  const [key, detail] = reason.split(': ');
  const k = key ?? 'unknown';
  if (k === 'minimum_not_met' && money?.minSubtotal !== undefined) {
    const min = formatMoney(money.minSubtotal, money.currency, money.locale);
    return new AppError(ErrorCode.DiscountNotApplicable, `${REASON_TEXT[k]} (this code needs a subtotal of at least ${min})`, {
      details: { code, reason: k, minSubtotal: money.minSubtotal, currency: money.currency },
    });
  }
  const message = k === 'not_combinable' ? `${REASON_TEXT[k]} (${detail ?? ''})` : (REASON_TEXT[k] ?? detail ?? reason);
  return new AppError(ErrorCode.DiscountNotApplicable, message, { details: { code, reason: k } });
}

export interface CartPromotionOptions {
  storeId: string;
  settings: StorefrontSettings;
  currency: string;
  /** The reader's locale, for money in refusal messages (default `en`). */
  locale?: string;
  clock?: () => Date;
}

export class CartPromotions {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly opts: CartPromotionOptions,
  ) {}

  price(cartId: string): Promise<PricedCart> {
    return priceCartOf(this.t, cartId, this.opts);
  }

  private async stateOrThrow(cartId: string) {
    const s = await cartState(this.t, cartId);
    if (!s) throw new AppError(ErrorCode.NotFound, 'Cart not found');
    return s;
  }

  async setContact(cartId: string, patch: { email?: string | null; country?: string | null; vatId?: string | null }): Promise<void> {
    const email = patch.email === undefined ? undefined : patch.email ? patch.email.trim().toLowerCase() : null;
    if (email && (!EMAIL_RE.test(email) || email.length > 254))
      throw new AppError(ErrorCode.ValidationFailed, 'email: enter a valid e-mail address', { details: [{ path: 'email', message: 'invalid' }] });
    const country = patch.country === undefined ? undefined : patch.country ? patch.country.trim().toUpperCase() : null;
    if (country && !/^[A-Z]{2}$/.test(country))
      throw new AppError(ErrorCode.ValidationFailed, 'country: a two-letter ISO code', { details: [{ path: 'country', message: 'invalid' }] });
    let vatId: string | null | undefined;
    if (patch.vatId !== undefined) {
      const raw = patch.vatId?.trim() ?? '';
      if (raw) {
        const against = country ?? (await cartState(this.t, cartId))?.country ?? raw.slice(0, 2).toUpperCase().replace('EL', 'GR');
        const v = validateVatIdFormat(raw, against);
        if (!v.valid) throw new AppError(ErrorCode.VatIdInvalid, `This is not a ${against} VAT number`, { details: { field: 'vatId', country: against } });
        vatId = v.normalised;
      } else vatId = null;
    }
    await this.t
      .updateTable('carts')
      .set({
        ...(email !== undefined ? { email } : {}),
        ...(country !== undefined ? { country } : {}),
        ...(vatId !== undefined ? { vat_id: vatId } : {}),
        updated_at: this.opts.clock?.() ?? new Date(),
      })
      .where('id', '=', cartId)
      .execute();
  }

  /** Adds a code when it applies to this cart now; otherwise 422 `discount_not_applicable` saying why, and the cart is unchanged. */
  async applyCode(cartId: string, rawCode: string): Promise<PricedCart> {
    const code = rawCode.trim();
    if (!CODE_RE.test(code)) throw discountRefusal(code, 'unknown: this code does not exist');
    const state = await this.stateOrThrow(cartId);
    if (state.discountCodes.some((c) => normaliseCode(c) === normaliseCode(code))) return this.price(cartId);
    if (state.discountCodes.length >= MAX_CODES_PER_CART)
      throw new AppError(ErrorCode.DiscountNotApplicable, `At most ${MAX_CODES_PER_CART} codes per cart`, { details: { code, reason: 'too_many' } });
    // Saved and priced in one transaction: a code that does not apply rolls back and leaves the cart as it was.
    return this.t.transaction().execute(async (trx) => {
      await trx
        .updateTable('carts')
        .set({ discount_codes: JSON.stringify([...state.discountCodes, code]), updated_at: this.opts.clock?.() ?? new Date() })
        .where('id', '=', cartId)
        .execute();
      const priced = await priceCartOf(trx, cartId, this.opts);
      const refused = priced.state.promotions?.rejectedCodes.find((r) => normaliseCode(r.code) === normaliseCode(code));
      if (refused)
        throw discountRefusal(code, refused.reason, { minSubtotal: refused.minSubtotal, currency: priced.market.currency, locale: this.opts.locale ?? 'en' });
      return priced;
    });
  }

  async removeCode(cartId: string, code: string): Promise<void> {
    const state = await this.stateOrThrow(cartId);
    const kept = state.discountCodes.filter((c) => normaliseCode(c) !== normaliseCode(code));
    if (kept.length === state.discountCodes.length) throw new AppError(ErrorCode.NotFound, 'This code is not on the cart');
    await this.t
      .updateTable('carts')
      .set({ discount_codes: JSON.stringify(kept), updated_at: this.opts.clock?.() ?? new Date() })
      .where('id', '=', cartId)
      .execute();
  }

  /** Adds a gift card by its code (422 `gift_card_invalid` when unknown, disabled, expired, another currency or empty). */
  async applyGiftCard(cartId: string, code: string): Promise<void> {
    const state = await this.stateOrThrow(cartId);
    // The card must be in the cart's currency, which the cart's country picks (its market's, the store's at home).
    const { market } = await priceCartOf(this.t, cartId, this.opts);
    const card = await new GiftCardService(this.t, this.opts.clock).findUsable(code, market.currency);
    // Applying a card again refreshes the balance the shopper has seen.
    const others = state.giftCards.filter((g) => g.id !== card.id);
    if (others.length >= MAX_GIFT_CARDS_PER_CART)
      throw new AppError(ErrorCode.GiftCardInvalid, `At most ${MAX_GIFT_CARDS_PER_CART} gift cards per cart`, { details: { reason: 'too_many' } });
    const next = state.giftCards.some((g) => g.id === card.id)
      ? state.giftCards.map((g) => (g.id === card.id ? { id: card.id, balance: card.balance } : g))
      : [...state.giftCards, { id: card.id, balance: card.balance }];
    await this.t
      .updateTable('carts')
      .set({ gift_cards: JSON.stringify(next), updated_at: this.opts.clock?.() ?? new Date() })
      .where('id', '=', cartId)
      .execute();
  }

  /** Removes a gift card by the last 4 characters shown on the cart. */
  async removeGiftCard(cartId: string, last4: string): Promise<void> {
    const state = await this.stateOrThrow(cartId);
    if (!state.giftCards.length) throw new AppError(ErrorCode.NotFound, 'This gift card is not on the cart');
    const ids = state.giftCards.map((g) => g.id);
    const cards = await this.t.selectFrom('gift_cards').select(['id', 'last4']).where('id', 'in', ids).execute();
    const drop = new Set(cards.filter((c) => c.last4 === last4.trim().toUpperCase()).map((c) => c.id));
    if (!drop.size) throw new AppError(ErrorCode.NotFound, 'This gift card is not on the cart');
    await this.t
      .updateTable('carts')
      .set({ gift_cards: JSON.stringify(state.giftCards.filter((g) => !drop.has(g.id))), updated_at: this.opts.clock?.() ?? new Date() })
      .where('id', '=', cartId)
      .execute();
  }
}
