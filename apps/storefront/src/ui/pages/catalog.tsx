import { createMemo, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { Price, ProductGrid, ProductImage, Section } from '../components.tsx';
import { useShop } from '../context.tsx';
import { ModelMedia, ProductReviews } from './content.tsx';
import { track } from '../track.ts';
import type { PageData, ProductData, VariantData } from '../types.ts';

type Of<K extends PageData['page']> = Extract<PageData, { page: K }>;

export function HomePage(props: { data: Of<'home'> }) {
  const { chrome, t } = useShop();
  return (
    <>
      <section class="hero">
        <div>
          <h1>{t('heroTitle', { name: chrome.shop.name })}</h1>
          <p>{t('heroText')}</p>
          <a class="button light" href="/search">
            {t('shopAll')}
          </a>
        </div>
      </section>
      <For each={props.data.collections}>
        {(c) => (
          <Section title={c.title} link={{ href: `/collections/${c.handle}`, label: t('viewAll') }}>
            <ProductGrid cards={c.products} />
          </Section>
        )}
      </For>
      <Section title={t('newArrivals')} link={{ href: '/search', label: t('shopAll') }}>
        <ProductGrid cards={props.data.newest} slot="home" />
      </Section>
    </>
  );
}

export function CollectionPage(props: { data: Of<'collection'> }) {
  const { t } = useShop();
  const d = props.data;
  const base = `/collections/${d.collection.handle}`;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">{t('home')}</a>
        <span>/</span>
        <span>{d.collection.title}</span>
      </nav>
      <header class="page-head">
        <h1>{d.collection.title}</h1>
        <Show when={d.collection.description}>
          <p class="lede">{d.collection.description}</p>
        </Show>
      </header>
      <ProductGrid cards={d.products} />
      <nav class="pager">
        <Show when={d.pageNumber > 1}>
          <a class="button ghost" href={d.pageNumber === 2 ? base : `${base}?page=${d.pageNumber - 1}`} rel="prev">
            ← {t('previous')}
          </a>
        </Show>
        <span>{t('page', { page: d.pageNumber })}</span>
        <Show when={d.hasNext}>
          <a class="button ghost" href={`${base}?page=${d.pageNumber + 1}`} rel="next">
            {t('next')} →
          </a>
        </Show>
      </nav>
    </>
  );
}

/** The variant reached by switching one option of `current` to `value`. */
function variantFor(p: ProductData, current: VariantData, option: string, value: string): VariantData | undefined {
  const wanted = { ...current.options, [option]: value };
  return p.variants.find((v) => Object.entries(wanted).every(([k, x]) => v.options[k] === x)) ?? p.variants.find((v) => v.options[option] === value);
}

export function ProductPage(props: { data: Of<'product'> }) {
  const { t, setCartCount, hydrated } = useShop();
  const p = props.data.product;
  const [selectedId, setSelectedId] = createSignal(props.data.selectedVariantId);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const variant = createMemo(() => p.variants.find((v) => v.id === selectedId()) ?? (p.variants[0] as VariantData));
  // The picked variant's own image leads (Shopify's Variant Image); otherwise the product's first image.
  const shown = createMemo(() => p.images.find((img) => img.url === variant().imageUrl) ?? p.images[0]);
  const select = (e: MouseEvent, v: VariantData | undefined) => {
    if (!v) return;
    e.preventDefault();
    setSelectedId(v.id);
    setNotice(null);
    history.replaceState(null, '', `?variant=${v.id}`);
  };
  onMount(() => track({ type: 'view', productId: p.id }));
  const addToCart = async (e: SubmitEvent) => {
    const form = e.currentTarget as HTMLFormElement;
    e.preventDefault();
    setBusy(true);
    const fields = new FormData(form);
    // What was added, read before the request (the shopper may switch variant meanwhile).
    const added = { variantId: String(fields.get('variantId') ?? ''), quantity: Number(fields.get('quantity') ?? 1) };
    try {
      const res = await fetch('/cart/add', { method: 'POST', body: new URLSearchParams(fields as never), headers: { accept: 'application/json' } });
      const body = (await res.json()) as { count?: number; message?: string };
      if (res.ok && typeof body.count === 'number') {
        setCartCount(body.count);
        setNotice(t('added'));
        track({
          type: 'add_to_cart',
          productId: p.id,
          ...(p.variants.some((v) => v.id === added.variantId) ? { variantId: added.variantId } : {}),
          ...(Number.isInteger(added.quantity) && added.quantity > 0 && added.quantity <= 10_000 ? { quantity: added.quantity } : {}),
        });
      } else setNotice(body.message ?? 'Error');
    } catch {
      form.submit();
    } finally {
      setBusy(false);
    }
  };
  const stockText = () => (variant().available <= 0 ? t('soldOut') : variant().available <= 5 ? t('lowStock', { n: variant().available }) : t('inStock'));
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">{t('home')}</a>
        <span>/</span>
        <Show when={props.data.collection}>
          {(c) => (
            <>
              <a href={`/collections/${c().handle}`}>{c().title}</a>
              <span>/</span>
            </>
          )}
        </Show>
        <span>{p.title}</span>
      </nav>
      <div class="product">
        <div class="gallery">
          <div class="main-image">
            {/* Keyed: a new image element per shown image, so a failed one's placeholder does not stick to the next. */}
            <Show when={shown()} keyed fallback={<ProductImage url={null} alt={p.title} seed={p.title} label={p.productType ?? p.title} />}>
              {(img) => (
                <ProductImage
                  url={img.url}
                  alt={img.alt ?? p.title}
                  seed={p.title}
                  label={p.productType ?? p.title}
                  sizes="(min-width: 900px) 600px, 100vw"
                  eager
                />
              )}
            </Show>
          </div>
          <ModelMedia models={p.models} title={p.title} />
          <Show when={p.images.length > 1}>
            <div class="thumbs">
              <For each={p.images.filter((img) => img !== shown()).slice(0, 4)}>
                {(img) => <ProductImage url={img.url} alt={img.alt ?? p.title} seed={p.title} sizes="(min-width: 900px) 140px, 25vw" />}
              </For>
            </div>
          </Show>
        </div>
        <div class="info">
          <Show when={p.vendor}>
            <div class="vendor">{p.vendor}</div>
          </Show>
          <h1>{p.title}</h1>
          <div class="product-price" data-testid="product-price">
            <Price price={variant().price} compareAt={variant().compareAtPrice} lowest={variant().lowestPrice30} />
            <Show when={props.data.taxNote}>
              {(note) => (
                <span class="tax-note" data-testid="tax-note">
                  {t(note() === 'included' ? 'priceTaxIncluded' : 'priceTaxExcluded')}
                </span>
              )}
            </Show>
          </div>
          <For each={p.options.filter((o) => o.values.length > 1 || p.variants.length > 1)}>
            {(o) => (
              <fieldset class="option">
                <legend>
                  {o.label ?? o.name}: <strong>{o.valueLabels?.[variant().options[o.name] ?? ''] ?? variant().options[o.name]}</strong>
                </legend>
                <div class="pills">
                  <For each={o.values}>
                    {(value) => {
                      const target = () => variantFor(p, variant(), o.name, value);
                      return (
                        <a
                          class="pill"
                          classList={{ active: variant().options[o.name] === value, out: (target()?.available ?? 0) <= 0 }}
                          href={target() ? `?variant=${target()?.id}` : '#'}
                          aria-current={variant().options[o.name] === value ? 'true' : undefined}
                          onClick={(e) => select(e, target())}
                        >
                          {o.valueLabels?.[value] ?? value}
                        </a>
                      );
                    }}
                  </For>
                </div>
              </fieldset>
            )}
          </For>
          <p class="stock" classList={{ out: variant().available <= 0, low: variant().available > 0 && variant().available <= 5 }} data-testid="stock">
            {stockText()}
          </p>
          <form class="buy" method="post" action="/cart/add" onSubmit={addToCart}>
            <input type="hidden" name="variantId" value={variant().id} />
            <label class="qty">
              <span>{t('quantity')}</span>
              <input name="quantity" type="number" min="1" max={Math.max(1, Math.min(99, variant().available))} value="1" inputmode="numeric" />
            </label>
            <Show when={p.giftCard}>
              <fieldset class="gift-recipient">
                <legend>{t('giftCardRecipient')}</legend>
                <label>
                  <span>{t('giftCardRecipientEmail')}</span>
                  <input name="recipientEmail" type="email" autocomplete="off" maxlength="254" aria-describedby="gift-recipient-hint" />
                </label>
                <label>
                  <span>{t('giftCardRecipientName')}</span>
                  <input name="recipientName" type="text" autocomplete="off" maxlength="100" />
                </label>
                <label>
                  <span>{t('giftCardMessage')}</span>
                  <textarea name="recipientMessage" rows="3" maxlength="500" />
                </label>
                <p class="hint" id="gift-recipient-hint">
                  {t('giftCardRecipientHint')}
                </p>
              </fieldset>
            </Show>
            <button class="button primary" type="submit" disabled={variant().available <= 0 || busy()}>
              {variant().available <= 0 ? t('soldOut') : t('addToCart')}
            </button>
          </form>
          <Show when={notice()}>
            <p class="notice" role="status">
              {notice()}{' '}
              <Show when={hydrated()}>
                <a href="/cart">{t('cart')} →</a>
              </Show>
            </p>
          </Show>
          <Show when={p.descriptionHtml}>
            {/* Sanitised on the server under the catalogue's allow-list (descriptionToHtml). */}
            <div class="description rte" innerHTML={p.descriptionHtml} />
          </Show>
          <Show when={variant().sku}>
            <p class="sku">SKU {variant().sku}</p>
          </Show>
        </div>
      </div>
      <Show when={props.data.reviews}>{(r) => <ProductReviews reviews={r()} />}</Show>
      <Show when={props.data.related.length > 0}>
        <Section title={t(props.data.relatedTitle)}>
          <ProductGrid cards={props.data.related} slot="product" />
        </Section>
      </Show>
    </>
  );
}

const MARK = '\u0000';
/** A translation with `q` in <strong> where the language puts it (`text` translated with q = MARK). */
function withQuery(text: string, q: string) {
  const i = text.indexOf(MARK);
  if (i < 0) return text;
  return (
    <>
      {text.slice(0, i)}
      <strong>{q}</strong>
      {text.slice(i + 1)}
    </>
  );
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function SearchPage(props: { data: Of<'search'> }) {
  const { t, hydrated } = useShop();
  const d = props.data;
  const [drawer, setDrawer] = createSignal(false);
  let filters: HTMLFormElement | undefined;
  let toggle: HTMLButtonElement | undefined;
  const href = (over: Record<string, string>) => {
    const u = new URLSearchParams({ q: d.q });
    if (d.filters.collection) u.set('collection', d.filters.collection);
    if (d.filters.sort !== 'relevance') u.set('sort', d.filters.sort);
    if (d.filters.inStock) u.set('inStock', '1');
    if (d.filters.exact) u.set('exact', '1');
    for (const [k, v] of Object.entries(over)) v ? u.set(k, v) : u.delete(k);
    return `/search?${u}`;
  };
  // The filter drawer (phones, once hydrated): a modal dialog; Tab stays inside it, Escape closes it and focus
  // goes back to the button that opened it.
  const openDrawer = () => {
    setDrawer(true);
    document.body.classList.add('drawer-open');
    queueMicrotask(() => filters?.querySelector<HTMLElement>(FOCUSABLE)?.focus());
  };
  const closeDrawer = () => {
    setDrawer(false);
    document.body.classList.remove('drawer-open');
    toggle?.focus();
  };
  onCleanup(() => {
    if (typeof document !== 'undefined') document.body.classList.remove('drawer-open');
  });
  const trap = (e: KeyboardEvent) => {
    if (!drawer()) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      closeDrawer();
      return;
    }
    if (e.key !== 'Tab' || !filters) return;
    const items = Array.from(filters.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last?.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first?.focus();
    }
  };
  return (
    <>
      <header class="page-head">
        <h1>{d.q ? t('results', { n: d.total, q: d.corrected ?? d.q }) : t('shopAll')}</h1>
        <Show when={d.corrected}>
          {(corrected) => (
            <p class="corrected" data-testid="search-corrected">
              {withQuery(t('showingResultsFor', { q: MARK }), corrected())}
              <br />
              <a href={href({ exact: '1', cursor: '' })} data-testid="search-instead">
                {t('searchInsteadFor', { q: d.q })}
              </a>
            </p>
          )}
        </Show>
      </header>
      <div class="search-toolbar">
        <Show when={hydrated()}>
          <button
            ref={toggle}
            type="button"
            class="button ghost filters-toggle"
            aria-haspopup="dialog"
            aria-expanded={drawer() ? 'true' : 'false'}
            aria-controls="search-filters"
            onClick={openDrawer}
            data-testid="filters-toggle"
          >
            {t('filter')}
          </button>
        </Show>
        {/* Applies as soon as the choice changes; the button is for browsers without JavaScript (gone once hydrated). */}
        <form class="sort-form" method="get" action="/search">
          <input type="hidden" name="q" value={d.q} />
          <Show when={d.filters.collection}>
            <input type="hidden" name="collection" value={d.filters.collection} />
          </Show>
          <Show when={d.filters.inStock}>
            <input type="hidden" name="inStock" value="1" />
          </Show>
          <Show when={d.filters.exact}>
            <input type="hidden" name="exact" value="1" />
          </Show>
          <label for="search-sort">{t('sortBy')}</label>
          <select id="search-sort" name="sort" onChange={(e) => e.currentTarget.form?.submit()} data-testid="search-sort">
            <option value="relevance" selected={d.filters.sort === 'relevance'}>
              {d.q ? t('sortRelevance') : t('sortNewest')}
            </option>
            <option value="price-asc" selected={d.filters.sort === 'price-asc'}>
              {t('sortPriceAsc')}
            </option>
            <option value="price-desc" selected={d.filters.sort === 'price-desc'}>
              {t('sortPriceDesc')}
            </option>
          </select>
          <Show when={!hydrated()}>
            <button class="button ghost" type="submit">
              {t('apply')}
            </button>
          </Show>
        </form>
      </div>
      <div class="search-layout">
        {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: aria-modal is only set together with role="dialog" (the open drawer). */}
        <form
          ref={filters}
          id="search-filters"
          class="filters"
          classList={{ drawer: hydrated(), open: drawer() }}
          role={drawer() ? 'dialog' : undefined}
          aria-modal={drawer() ? 'true' : undefined}
          aria-labelledby="filters-title"
          method="get"
          action="/search"
          onKeyDown={trap}
          data-testid="search-filters"
        >
          <div class="drawer-head">
            <h2 id="filters-title">{t('filter')}</h2>
            <Show when={hydrated()}>
              <button type="button" class="drawer-close" aria-label={t('closeFilters')} onClick={closeDrawer}>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                  <path d="M6 6l12 12M18 6 6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
              </button>
            </Show>
          </div>
          <input type="hidden" name="q" value={d.q} />
          <Show when={d.filters.sort !== 'relevance'}>
            <input type="hidden" name="sort" value={d.filters.sort} />
          </Show>
          <Show when={d.filters.exact}>
            <input type="hidden" name="exact" value="1" />
          </Show>
          <label class="field">
            <span>{t('collections')}</span>
            <select name="collection">
              <option value="">{t('allCollections')}</option>
              <For each={d.collections}>
                {(c) => (
                  <option value={c.handle} selected={d.filters.collection === c.handle}>
                    {c.title} ({c.count})
                  </option>
                )}
              </For>
            </select>
          </label>
          <label class="check">
            <input type="checkbox" name="inStock" value="1" checked={d.filters.inStock} /> {t('inStockOnly')}
          </label>
          <div class="filter-actions">
            <button class="button primary" type="submit">
              {t('apply')}
            </button>
            <a class="button ghost" href={href({ collection: '', inStock: '', cursor: '' })}>
              {t('clearFilters')}
            </a>
          </div>
        </form>
        <Show when={drawer()}>
          <div class="drawer-backdrop" onClick={closeDrawer} aria-hidden="true" />
        </Show>
        <div>
          <Show when={d.results.length > 0} fallback={<p class="empty">{d.q ? t('noResults') : t('searchHint')}</p>}>
            <ProductGrid cards={d.results} />
          </Show>
          <Show when={d.nextCursor}>
            <nav class="pager">
              <a class="button ghost" href={href({ cursor: d.nextCursor ?? '' })} rel="next">
                {t('next')} →
              </a>
            </nav>
          </Show>
        </div>
      </div>
    </>
  );
}

export function NotFoundPage() {
  const { t } = useShop();
  return (
    <section class="message">
      <h1>{t('notFoundTitle')}</h1>
      <p>{t('notFoundText')}</p>
      <a class="button primary" href="/">
        {t('continueShopping')}
      </a>
    </section>
  );
}
