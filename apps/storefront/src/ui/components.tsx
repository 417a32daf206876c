import { createSignal, For, type JSX, onCleanup, onMount, Show } from 'solid-js';
import { responsiveImage } from './media.ts';
import { useShop } from './context.tsx';
import { observeSlot, type RecoSlot, track } from './track.ts';
import type { Card, PromotionsData, TotalsData } from './types.ts';

const hueOf = (s: string) => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h % 360;
};

/**
 * The product's photo, or a drawn placeholder (tinted by the title) when it has
 * none or it fails to load. Stored media come from this shop's own /media route
 * in several widths (`srcset`; the browser picks by `sizes`).
 */
export function ProductImage(props: { url: string | null; alt: string; seed: string; label?: string | null; eager?: boolean; sizes?: string }) {
  const { chrome } = useShop();
  const [failed, setFailed] = createSignal(false);
  let el: HTMLImageElement | undefined;
  // An image that failed before hydration attached onError is already complete with no pixels.
  onMount(() => {
    if (el?.complete && el.naturalWidth === 0) setFailed(true);
  });
  const image = () => (props.url ? responsiveImage(props.url, chrome.shop.id) : null);
  return (
    <Show
      when={!failed() && image()}
      fallback={
        <div class="ph" style={{ '--h': String(hueOf(props.seed)) }} role="img" aria-label={props.alt} data-testid="image-placeholder">
          <span>{(props.label || props.alt).slice(0, 1).toUpperCase()}</span>
        </div>
      }
    >
      {(img) => (
        <img
          ref={el}
          src={img().src}
          srcset={img().srcset}
          sizes={img().srcset ? (props.sizes ?? '(min-width: 1000px) 280px, (min-width: 640px) 33vw, 50vw') : undefined}
          alt={props.alt}
          loading={props.eager ? 'eager' : 'lazy'}
          decoding="async"
          onError={() => setFailed(true)}
        />
      )}
    </Show>
  );
}

/**
 * A price, struck-through previous price when it is reduced and then (EU price-reduction rule, issue 22) the lowest
 * price of the 30 days before the reduction; `lowest` is only ever shown next to a shown reduction.
 */
export function Price(props: { price: number; compareAt?: number | null; lowest?: number | null | undefined }) {
  const { money, t } = useShop();
  const reduced = () => Boolean(props.compareAt && props.compareAt > props.price);
  return (
    <>
      <span class="price">
        <span class={reduced() ? 'now sale' : 'now'}>{money(props.price)}</span>
        <Show when={reduced()}>
          <s class="was">
            <span class="visually-hidden">{t('previousPrice')}: </span>
            {money(props.compareAt as number)}
          </s>
        </Show>
      </span>
      <Show when={reduced() && props.lowest !== undefined && props.lowest !== null}>
        <span class="lowest-30">{t('lowestPrice30', { price: money(props.lowest as number) })}</span>
      </Show>
    </>
  );
}

/** `slot`: the card is a recommendation in that slot (impressions are counted by id, clicks reported). */
export function ProductCard(props: { card: Card; slot?: RecoSlot }) {
  const { t } = useShop();
  const onClick = () => {
    const slot = props.slot;
    if (slot) track({ type: 'click', productId: props.card.id, slot });
  };
  return (
    <li class="card" data-product-id={props.slot ? props.card.id : undefined}>
      <a href={`/products/${props.card.handle}`} class="card-link" onClick={onClick}>
        <div class="card-media">
          <ProductImage
            url={props.card.imageUrl}
            alt={props.card.imageAlt ?? props.card.title}
            seed={props.card.title}
            label={props.card.productType ?? props.card.title}
          />
          <Show when={props.card.available <= 0}>
            <span class="badge muted">{t('soldOut')}</span>
          </Show>
          <Show when={props.card.available > 0 && props.card.compareAtPrice && props.card.compareAtPrice > props.card.price}>
            <span class="badge">{t('sale')}</span>
          </Show>
        </div>
        <div class="card-body">
          <Show when={props.card.productType}>
            <div class="card-type">{props.card.productType}</div>
          </Show>
          <div class="card-title">{props.card.title}</div>
          <Price price={props.card.price} compareAt={props.card.compareAtPrice} lowest={props.card.lowestPrice30} />
        </div>
      </a>
    </li>
  );
}

/**
 * A grid of product cards. With `slot` it is a recommendation slot: once
 * hydrated it reports its impressions (when scrolled into view) and clicks.
 */
export function ProductGrid(props: { cards: Card[]; slot?: RecoSlot }) {
  let el: HTMLUListElement | undefined;
  onMount(() => {
    const slot = props.slot;
    if (slot && el) onCleanup(observeSlot(el, slot));
  });
  return (
    <ul class="grid" ref={el} data-reco-slot={props.slot}>
      <For each={props.cards}>{(c) => <ProductCard card={c} slot={props.slot} />}</For>
    </ul>
  );
}

export function Section(props: { title: string; link?: { href: string; label: string }; children: JSX.Element }) {
  return (
    <section class="section">
      <div class="section-head">
        <h2>{props.title}</h2>
        <Show when={props.link}>{(l) => <a href={l().href}>{l().label} →</a>}</Show>
      </div>
      {props.children}
    </section>
  );
}

/** `totalTestId`: the total's test id (the checkout shows a second, folded summary on phones). */
export function Summary(props: { totals: TotalsData; promotions?: PromotionsData; children?: JSX.Element; totalTestId?: string }) {
  const { t, money } = useShop();
  return (
    <dl class="summary">
      <div>
        <dt>{t('subtotal')}</dt>
        <dd>{money(props.totals.subtotal)}</dd>
      </div>
      <For each={props.promotions?.discounts ?? []}>
        {(d) => (
          <div class="discount" data-testid="discount-line">
            <dt>{d.code ? `${d.title} (${d.code})` : d.title}</dt>
            <dd>−{money(d.amount)}</dd>
          </div>
        )}
      </For>
      <div>
        <dt>{t('shipping')}</dt>
        <dd>{props.totals.shipping === 0 ? t('free') : money(props.totals.shipping)}</dd>
      </div>
      <Show when={props.totals.tax > 0 || !props.totals.taxIncluded}>
        <div>
          <dt>{props.totals.taxIncluded ? t('taxIncluded') : t('tax')}</dt>
          <dd>{money(props.totals.tax)}</dd>
        </div>
      </Show>
      <div class="total">
        <dt>{t('total')}</dt>
        <dd data-testid={props.totalTestId ?? 'total'}>{money(props.totals.total)}</dd>
      </div>
      <Show when={(props.promotions?.giftCards.length ?? 0) > 0}>
        <For each={props.promotions?.giftCards ?? []}>
          {(g) => (
            <div class="tender" data-testid="gift-card-line">
              <dt>{t('giftCardEnding', { last4: g.last4 })}</dt>
              <dd>−{money(g.amount)}</dd>
            </div>
          )}
        </For>
        <div class="total">
          <dt>{t('amountDue')}</dt>
          <dd data-testid="amount-due">{money(props.promotions?.amountDue ?? props.totals.total)}</dd>
        </div>
      </Show>
      {props.children}
    </dl>
  );
}

export function Field(props: {
  name: string;
  label: string;
  value?: string;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  error?: boolean;
  /** The refusal, shown under the field and announced (the field points at it with aria-describedby). */
  message?: string | null;
  half?: boolean;
  id?: string;
}) {
  const id = () => props.id ?? `f-${props.name}`;
  return (
    <div class={`field${props.half ? ' half' : ''}${props.error ? ' invalid' : ''}`}>
      <label for={id()}>{props.label}</label>
      <input
        id={id()}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required={props.required}
        autocomplete={props.autocomplete}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error && props.message ? `${id()}-error` : undefined}
      />
      <Show when={props.error && props.message}>
        <p id={`${id()}-error`} class="field-error" role="alert">
          {props.message}
        </p>
      </Show>
    </div>
  );
}
