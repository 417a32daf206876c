import { For, Show } from 'solid-js';
import { Field, Price, ProductGrid, ProductImage, Section, Summary } from '../components.tsx';
import { useShop } from '../context.tsx';
import type { LineData, OrderData, OrderReturnsData, PageData } from '../types.ts';
import { AddressFields } from '../address-fields.tsx';
import { countryName, formatAddress } from '../address.ts';
import { AddressLines } from './account.tsx';

/** The cart's per-line cap (commerce's MAX_LINE_QUANTITY; the server clamps to it as well). */
const MAX_LINE_QUANTITY = 99;

type Of<K extends PageData['page']> = Extract<PageData, { page: K }>;

function LineRow(props: { line: LineData; editable: boolean }) {
  const { t, money } = useShop();
  const l = props.line;
  // Up to what is in stock (the cart clamps to it too) and the per-line cap; never fewer than what is in the cart.
  const max = () => Math.max(l.quantity, Math.min(MAX_LINE_QUANTITY, l.available));
  return (
    <li class="line">
      <a class="thumb" href={`/products/${l.handle}`}>
        <ProductImage url={l.imageUrl} alt={l.title} seed={l.title} />
      </a>
      <div class="line-main">
        <a class="line-title" href={`/products/${l.handle}`}>
          {l.title}
        </a>
        <Show when={l.variantTitle}>
          <div class="muted">{l.variantTitle}</div>
        </Show>
        <Show when={l.giftCardFor}>{(who) => <div class="muted">{t('giftCardFor', { who: who() })}</div>}</Show>
        <Show when={l.compareAtPrice && l.compareAtPrice > l.unitPrice} fallback={<div class="muted">{money(l.unitPrice)}</div>}>
          <div class="line-price">
            <Price price={l.unitPrice} compareAt={l.compareAtPrice} lowest={l.lowestPrice30} />
          </div>
        </Show>
        <Show when={props.editable} fallback={<div class="muted">× {l.quantity}</div>}>
          <div class="line-controls">
            <form class="stepper" method="post" action="/cart/update">
              <input type="hidden" name="variantId" value={l.variantId} />
              <button type="submit" name="step" value="-1" class="step" aria-label={t('decreaseQuantity', { title: l.title })}>
                −
              </button>
              <input
                type="number"
                name="quantity"
                inputmode="numeric"
                min="0"
                max={max()}
                value={l.quantity}
                aria-label={t('quantityOf', { title: l.title })}
                onChange={(e) => {
                  e.currentTarget.form?.requestSubmit();
                }}
              />
              <button type="submit" name="step" value="1" class="step" disabled={l.quantity >= max()} aria-label={t('increaseQuantity', { title: l.title })}>
                +
              </button>
            </form>
            <form method="post" action="/cart/update">
              <input type="hidden" name="variantId" value={l.variantId} />
              <input type="hidden" name="quantity" value="0" />
              <button type="submit" class="link-button remove" aria-label={t('removeItem', { title: l.title })}>
                {t('remove')}
              </button>
            </form>
          </div>
        </Show>
      </div>
      <div class="line-total">{money(l.unitPrice * l.quantity)}</div>
    </li>
  );
}

export function CartPage(props: { data: Of<'cart'> }) {
  const { t, money } = useShop();
  const d = props.data;
  return (
    <>
      <header class="page-head">
        <h1>{t('cart')}</h1>
      </header>
      <Show when={d.notice}>
        <p class="alert">{d.notice}</p>
      </Show>
      <Show
        when={d.lines.length > 0}
        fallback={
          <section class="message">
            <p>{t('emptyCart')}</p>
            <a class="button primary" href="/">
              {t('continueShopping')}
            </a>
          </section>
        }
      >
        <div class="two-col">
          <ul class="lines">
            <For each={d.lines}>{(l) => <LineRow line={l} editable />}</For>
          </ul>
          <aside class="panel">
            <h2>{t('orderSummary')}</h2>
            <Summary totals={d.totals} promotions={d.promotions} />
            <Show when={d.freeOver !== null && d.totals.shipping > 0}>
              <p class="muted small">{t('freeShippingOver', { amount: money(d.freeOver as number) })}</p>
            </Show>
            <PromoForms data={d} />
            <a class="button primary block" href="/checkout">
              {t('checkout')}
            </a>
          </aside>
        </div>
      </Show>
      <Show when={d.addOns.length > 0}>
        <Section title={t('youMayLike')}>
          <ProductGrid cards={d.addOns} slot="cart" />
        </Section>
      </Show>
    </>
  );
}

/** Discount-code and gift-card fields: plain forms (no JavaScript needed); a refusal is shown at its field and announced. */
function PromoForms(props: { data: Of<'cart'> }) {
  const { t } = useShop();
  const d = props.data;
  const err = (field: 'discount' | 'giftCard') => (d.formError?.field === field ? d.formError : null);
  const promoField = (field: 'discount' | 'giftCard', action: string, label: string, autocomplete: string) => {
    const id = field === 'discount' ? 'discount-code' : 'gift-card-code';
    const e = err(field);
    return (
      <form class={`promo-form${e ? ' invalid' : ''}`} method="post" action={action}>
        <label for={id}>{label}</label>
        <div class="promo-row">
          <input
            id={id}
            name="code"
            type="text"
            autocomplete={autocomplete}
            autocapitalize="characters"
            spellcheck={false}
            maxlength="64"
            required
            value={e?.value ?? ''}
            aria-invalid={e ? 'true' : undefined}
            aria-describedby={e ? `${id}-error` : undefined}
          />
          <button type="submit" class="button">
            {t('apply')}
          </button>
        </div>
        <Show when={e}>
          <p id={`${id}-error`} class="field-error" role="alert">
            {e?.message}
          </p>
        </Show>
      </form>
    );
  };
  return (
    <section class="promos" aria-label={t('discountsAndGiftCards')}>
      <Show when={d.promotions.codes.length > 0}>
        <ul class="applied-codes">
          <For each={d.promotions.codes}>
            {(code) => (
              <li>
                <span class="pill">{code}</span>
                <form method="post" action="/cart/discount/remove">
                  <input type="hidden" name="code" value={code} />
                  <button type="submit" class="link-button" aria-label={t('removeCode', { code })}>
                    {t('remove')}
                  </button>
                </form>
              </li>
            )}
          </For>
        </ul>
      </Show>
      {promoField('discount', '/cart/discount', t('discountCode'), 'off')}
      <Show when={d.promotions.giftCards.length > 0}>
        <ul class="applied-codes">
          <For each={d.promotions.giftCards}>
            {(g) => (
              <li>
                <span class="pill">•••• {g.last4}</span>
                <form method="post" action="/cart/gift-card/remove">
                  <input type="hidden" name="last4" value={g.last4} />
                  <button type="submit" class="link-button" aria-label={t('removeGiftCard', { last4: g.last4 })}>
                    {t('remove')}
                  </button>
                </form>
              </li>
            )}
          </For>
        </ul>
      </Show>
      {promoField('giftCard', '/cart/gift-card', t('giftCard'), 'off')}
    </section>
  );
}

export function CheckoutPage(props: { data: Of<'checkout'> }) {
  const { t, money, chrome } = useShop();
  const d = props.data;
  const v = (k: string) => d.values[k] ?? '';
  const err = (k: string) => d.errorField === k;
  const summary = (totalTestId?: string) => (
    <>
      <ul class="lines compact">
        <For each={d.lines}>{(l) => <LineRow line={l} editable={false} />}</For>
      </ul>
      <Summary totals={d.totals} promotions={d.promotions} {...(totalTestId ? { totalTestId } : {})} />
    </>
  );
  return (
    <>
      {/* Phones: the order summary comes first, folded, with the total on its toggle (Shopify's checkout does the same). */}
      <details class="mobile-summary" data-testid="mobile-summary">
        <summary>
          <span>{t('showOrderSummary')}</span>
          <strong>{money(d.totals.total)}</strong>
        </summary>
        {summary('mobile-total')}
      </details>
      <header class="page-head">
        <h1>{t('secureCheckout')}</h1>
      </header>
      <Show when={d.shipsTo}>
        {(to) => (
          <p class="notice" data-ships-to>
            {t('shipsOnlyTo', {
              countries: to()
                .map((c) => countryName(c, chrome.shop.lang))
                .join(', '),
            })}
          </p>
        )}
      </Show>
      <div class="two-col checkout">
        <form class="checkout-form" method="post" action="/checkout">
          {/* A refusal without a field (prices changed, out of stock) at the top; a field's refusal under that field. */}
          <Show when={d.error && !d.errorField}>
            <p class="alert" role="alert">
              {d.error}
            </p>
          </Show>
          <fieldset>
            <legend>{t('contact')}</legend>
            <Field
              name="email"
              type="email"
              label={t('email')}
              value={v('email')}
              required
              autocomplete="email"
              error={err('email')}
              message={err('email') ? d.error : null}
            />
            <Show when={d.marketingOptIn}>
              <label class="check marketing-opt-in">
                <input type="checkbox" name="acceptsMarketing" value="1" checked={v('acceptsMarketing') === '1'} /> {t('marketingOptIn')}
              </label>
            </Show>
            <Show when={!d.signedIn}>
              <p class="muted small">
                {t('haveAccount')} <a href="/account/login?next=/checkout">{t('signIn')}</a>
              </p>
            </Show>
          </fieldset>
          <fieldset>
            <legend>{t('shippingAddress')}</legend>
            <Show when={d.addresses.length > 0}>
              <div class="saved">
                <span class="muted small">{t('savedAddresses')}</span>
                <For each={d.addresses}>
                  {(a) => (
                    <a
                      class="pill"
                      href={`/checkout?${new URLSearchParams({ name: a.name, line1: a.line1, line2: a.line2 ?? '', city: a.city, postalCode: a.postalCode, region: a.region ?? '', country: a.country, phone: a.phone ?? '' })}`}
                    >
                      {a.line1}, {a.city}
                    </a>
                  )}
                </For>
              </div>
            </Show>
            <AddressFields
              values={d.values}
              countries={d.countries}
              defaultCountry={d.defaultCountry}
              errorField={d.errorField}
              error={d.error}
              idPrefix="ship"
            />
            <Show when={d.signedIn}>
              <label class="check">
                <input type="checkbox" name="saveAddress" value="1" checked /> {t('saveAddress')}
              </label>
            </Show>
          </fieldset>
          <fieldset>
            <legend>{t('shippingMethod')}</legend>
            <label class="radio-card">
              <input type="radio" name="shippingMethod" value="standard" checked />
              <span>{t('standardShipping')}</span>
              <strong>{d.totals.shipping === 0 ? t('free') : money(d.totals.shipping)}</strong>
            </label>
          </fieldset>
          <input type="hidden" name="expectedTotal" value={String(d.totals.total)} />
          <Show when={d.quoteToken}>{(token) => <input type="hidden" name="quoteToken" value={token()} />}</Show>
          <button class="button primary block" type="submit">
            {t('continueToPayment')} · {money(d.totals.total)}
          </button>
          {/* The store's policies next to the button that places the order (the law expects them before the purchase). */}
          <Show when={chrome.policies.length > 0}>
            <p class="checkout-policies small muted" data-testid="checkout-policies">
              {t('agreeToPolicies')}{' '}
              <For each={chrome.policies}>
                {(p, i) => (
                  <>
                    {i() > 0 ? ' · ' : ''}
                    <a href={p.url} target="_blank" rel="noopener">
                      {p.title}
                    </a>
                  </>
                )}
              </For>
            </p>
          </Show>
        </form>
        <aside class="panel checkout-summary">
          <h2>{t('orderSummary')}</h2>
          {summary()}
        </aside>
      </div>
    </>
  );
}

/** The compact list of an order's lines (order status page and invoice): image, title, variant, price × quantity. */
function CompactLines(props: {
  lines: readonly { imageUrl: string | null; title: string; variantTitle: string | null; unitPrice: number; quantity: number; total: number }[];
}) {
  const { money } = useShop();
  return (
    <ul class="lines compact">
      <For each={props.lines}>
        {(l) => (
          <li class="line">
            <div class="thumb">
              <ProductImage url={l.imageUrl} alt={l.title} seed={l.title} />
            </div>
            <div class="line-main">
              <div class="line-title">{l.title}</div>
              <Show when={l.variantTitle}>
                <div class="muted">{l.variantTitle}</div>
              </Show>
              <div class="muted">
                {money(l.unitPrice)} × {l.quantity}
              </div>
            </div>
            <div class="line-total">{money(l.total)}</div>
          </li>
        )}
      </For>
    </ul>
  );
}

function OrderLines(props: { order: OrderData }) {
  const { t, money } = useShop();
  const o = props.order;
  return (
    <>
      <CompactLines lines={o.lines} />
      <Summary
        totals={{ subtotal: o.subtotal, shipping: o.shipping, tax: o.tax, total: o.total, taxIncluded: o.taxIncluded, itemCount: 0 }}
        promotions={{ discounts: o.discounts, codes: [], giftCards: o.giftCards, amountDue: o.amountDue }}
      >
        <Show when={o.refunded > 0}>
          <div>
            <dt>{t('status_refunded')}</dt>
            <dd>−{money(o.refunded)}</dd>
          </div>
        </Show>
      </Summary>
    </>
  );
}

export function PayPage(props: { data: Of<'pay'> }) {
  const { t, money, date } = useShop();
  const o = props.data.order;
  return (
    <div class="two-col">
      <section class="panel pay">
        <span class="eyebrow">{t('orderNumber', { number: o.number })}</span>
        <h1>{t('payTitle')}</h1>
        <p class="muted">{t('payText')}</p>
        <p class="amount">{money(o.amountDue)}</p>
        <p class="muted small">{t('reservedUntil', { t: date(props.data.expiresAt) })}</p>
        <form method="post" action={props.data.action} class="pay-buttons">
          <button class="button primary block" type="submit" name="outcome" value="pay">
            {t('payNow')}
          </button>
          <button class="button ghost block" type="submit" name="outcome" value="fail">
            {t('failPayment')}
          </button>
        </form>
      </section>
      <aside class="panel">
        <h2>{t('orderSummary')}</h2>
        <OrderLines order={o} />
      </aside>
    </div>
  );
}

/** A draft order's invoice link: the lines and totals the merchant set, and Pay (the store's payment provider). */
export function InvoicePage(props: { data: Of<'invoice'> }) {
  const { t, money, chrome } = useShop();
  const inv = props.data.invoice;
  return (
    <div class="two-col">
      <section class="panel pay">
        <h1>{t('invoiceTitle', { name: inv.name })}</h1>
        <p class="amount">{money(inv.totals.total)}</p>
        <Show when={inv.shippingAddress}>
          {(addr) => (
            <address data-testid="invoice-address">
              <strong>{t('shippingAddress')}</strong>
              <br />
              <AddressLines lines={formatAddress(addr(), chrome.shop.lang)} />
            </address>
          )}
        </Show>
        <Show when={props.data.error}>
          <p class="error" role="alert">
            {props.data.error}
          </p>
        </Show>
        <Show
          when={props.data.action}
          fallback={
            <>
              <p>{t('invoicePaid')}</p>
              <Show when={props.data.orderLink}>{(href) => <a href={href()}>{t('invoiceViewOrder')}</a>}</Show>
            </>
          }
        >
          {(action) => (
            <form method="post" action={action()} class="pay-buttons">
              <button class="button primary block" type="submit">
                {t('payNow')}
              </button>
            </form>
          )}
        </Show>
      </section>
      <aside class="panel">
        <h2>{t('orderSummary')}</h2>
        <CompactLines lines={inv.lines} />
        <Summary totals={inv.totals} promotions={inv.promotions} />
      </aside>
    </div>
  );
}

export function OrderPage(props: { data: Of<'order'> }) {
  const { t, date, chrome } = useShop();
  const o = props.data.order;
  const a = o.shippingAddress;
  return (
    <div class="two-col">
      <section>
        <Show when={props.data.justPlaced && (o.paymentStatus === 'paid' || o.paymentStatus === 'partially_refunded')}>
          <div class="success">
            <div class="tick" aria-hidden="true">
              ✓
            </div>
            <h1>{t('thankYou')}</h1>
            <p>{t('confirmationText', { email: o.email })}</p>
          </div>
        </Show>
        <div class="panel">
          <span class="eyebrow">{t('orderStatus')}</span>
          <h2 data-testid="order-number">{t('orderNumber', { number: o.number })}</h2>
          <p class="muted">{t('placedOn', { d: date(o.createdAt) })}</p>
          <div class="status-row">
            <span class={`status s-${o.paymentStatus}`}>{t(`status_${o.paymentStatus}` as never)}</span>
            <Show when={o.paymentStatus === 'paid' || o.paymentStatus === 'partially_refunded'}>
              <span class={`status s-${o.fulfillmentStatus}`}>{t(`status_${o.fulfillmentStatus}` as never)}</span>
            </Show>
          </div>
          <Show when={o.trackingNumber}>
            <p>{t('tracking', { t: `${o.carrier ? `${o.carrier} ` : ''}${o.trackingNumber}` })}</p>
          </Show>
          <Show when={a}>
            {(addr) => (
              <address>
                <strong>{t('shippingAddress')}</strong>
                <br />
                <AddressLines lines={formatAddress(addr(), chrome.shop.lang)} />
              </address>
            )}
          </Show>
        </div>
        <Show when={props.data.reviewLinks?.length}>
          <div class="panel" data-testid="review-links">
            <h2>{t('reviewYourItems')}</h2>
            <ul>
              <For each={props.data.reviewLinks}>
                {(l) => (
                  <li>
                    <a href={l.url}>{t('writeReview', { title: l.title })}</a>
                  </li>
                )}
              </For>
            </ul>
          </div>
        </Show>
        <Show when={props.data.returns}>{(r) => <ReturnsPanel data={r()} />}</Show>
        <a class="button ghost" href="/">
          {t('continueShopping')}
        </a>
      </section>
      <aside class="panel">
        <h2>{t('orderSummary')}</h2>
        <OrderLines order={o} />
      </aside>
    </div>
  );
}

const RETURN_REASONS = ['wrong_size', 'damaged', 'not_as_described', 'changed_mind', 'other'] as const;

/** The order's returns (status of each) and, while the window is open, the form to ask for one. */
function ReturnsPanel(props: { data: OrderReturnsData }) {
  const { t, date, money } = useShop();
  const d = props.data;
  return (
    <div class="panel returns" id="returns" data-testid="returns">
      <h2>{t('returnsTitle')}</h2>
      <Show when={d.notice === 'requested'}>
        <p class="success-text" role="status">
          {t('returnRequested')}
        </p>
      </Show>
      <Show when={d.items.length}>
        <ul class="return-list">
          <For each={d.items}>
            {(r) => (
              <li data-testid="return-item">
                <span class={`status r-${r.status}`}>{t(`returnStatus_${r.status}` as never)}</span> <span class="muted small">{date(r.requestedAt)}</span>
                <div>{r.lines.map((l) => `${l.quantity} × ${l.title}`).join(', ')}</div>
                <Show when={r.labelReference}>{(l) => <div>{t('returnLabel', { label: l() })}</div>}</Show>
                <Show when={r.merchantNote}>{(n) => <div class="muted">{n()}</div>}</Show>
                <Show when={r.refundAmount}>{(a) => <div>{t('returnRefundedAmount', { amount: money(a()) })}</div>}</Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={!d.form && d.closed === 'window_closed'}>
        <p class="muted">{t('returnWindowClosed')}</p>
      </Show>
      <Show when={d.form}>
        {(f) => (
          <form method="post" action={f().action} enctype="multipart/form-data" class="review-form return-form">
            <p class="muted">{t('returnWindowUntil', { d: date(f().deadline) })}</p>
            <Show when={d.error}>
              {(e) => (
                <p class="error" role="alert">
                  {e()}
                </p>
              )}
            </Show>
            <input type="hidden" name="nonce" value={f().nonce} />
            <fieldset class="return-lines">
              <legend>{t('returnWhich')}</legend>
              <For each={f().lines}>
                {(l) => (
                  <label>
                    <span>
                      {l.title}
                      {l.variantTitle ? ` (${l.variantTitle})` : ''}
                    </span>
                    <select name={`qty_${l.orderLineId}`} aria-label={t('returnHowMany', { title: l.title })}>
                      <For each={Array.from({ length: l.returnable + 1 }, (_, i) => i)}>{(n) => <option value={String(n)}>{n}</option>}</For>
                    </select>
                  </label>
                )}
              </For>
            </fieldset>
            <label>
              {t('returnReason')}
              <select name="reason" required>
                <For each={RETURN_REASONS}>{(r) => <option value={r}>{t(`returnReason_${r}` as never)}</option>}</For>
              </select>
            </label>
            <label>
              {t('returnNote')}
              <textarea name="note" maxlength="2000" rows="3" />
            </label>
            <label>
              {t('returnPhotos')}
              <input type="file" name="photos" accept="image/png,image/jpeg,image/webp" multiple />
            </label>
            <button class="button primary" type="submit">
              {t('returnSubmit')}
            </button>
          </form>
        )}
      </Show>
    </div>
  );
}
