import { HomeSections, WithSections } from './sections.tsx';
import { For, Match, onMount, Show, Switch } from 'solid-js';
import { ShopProvider, useShop } from './context.tsx';
import { AccountPage, AuthPage, ForgotPage, TokenPage } from './pages/account.tsx';
import { CollectionPage, HomePage, NotFoundPage, ProductPage, SearchPage } from './pages/catalog.tsx';
import { CartPage, CheckoutPage, InvoicePage, OrderPage, PayPage } from './pages/checkout.tsx';
import { ArticlePage, BlogPage, ContentPage, ReviewPage } from './pages/content.tsx';
import { PrivacyPage } from './pages/privacy.tsx';
import { SearchBox } from './search.tsx';
import { LANG_NAMES, LANG_SHORT } from './i18n.ts';
import type { AppData, MenuLinkData } from './types.ts';
import { storeMediaPath } from './media.ts';

const Icon = {
  bag: () => (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
      <path d="M6 7h12l1 13H5L6 7Z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
      <path d="M9 7a3 3 0 0 1 6 0" fill="none" stroke="currentColor" stroke-width="1.8" />
    </svg>
  ),
  user: () => (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
      <circle cx="12" cy="8" r="4" fill="none" stroke="currentColor" stroke-width="1.8" />
      <path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
    </svg>
  ),
};

/** A menu's items as nested lists; sub-menus open on hover and on keyboard focus (focus-within), and are plain lists without CSS. */
function MenuList(props: { items: MenuLinkData[]; depth: number }) {
  const { chrome } = useShop();
  return (
    <ul class={`menu-level-${props.depth}`}>
      <For each={props.items}>
        {(it) => (
          <li classList={{ 'has-children': it.items.length > 0 }}>
            <a href={it.url} aria-current={it.url === chrome.path ? 'page' : undefined}>
              {it.title}
            </a>
            <Show when={it.items.length > 0}>
              <MenuList items={it.items} depth={props.depth + 1} />
            </Show>
          </li>
        )}
      </For>
    </ul>
  );
}

function Header() {
  const { chrome, t, cartCount } = useShop();
  const shop = chrome.shop;
  return (
    <header class="site-header">
      <div class="bar">
        <a class="brand" href="/">
          <Show when={shop.logoUrl} fallback={<span class="brand-mark">{shop.name.slice(0, 1).toUpperCase()}</span>}>
            {(url) => <img class="logo" src={storeMediaPath(url(), shop.id)} alt="" />}
          </Show>
          <span class="brand-name">{shop.name}</span>
        </a>
        <SearchBox />
        <nav class="actions">
          <Show when={shop.languages.length > 1}>
            {/* A disclosure, so it works before hydration and without JS; each language by its own name. The visible code
                starts the summary's name (axe: label-content-name-mismatch). */}
            <details class="lang-menu">
              <summary aria-label={`${LANG_SHORT[shop.lang]} – ${t('language')}: ${LANG_NAMES[shop.lang]}`}>{LANG_SHORT[shop.lang]}</summary>
              <ul>
                <For each={shop.languages}>
                  {(l) => (
                    <li>
                      <a href={`/lang/${l}?to=${encodeURIComponent(chrome.path)}`} hreflang={l} lang={l} aria-current={l === shop.lang ? 'true' : undefined}>
                        {LANG_NAMES[l]}
                      </a>
                    </li>
                  )}
                </For>
              </ul>
            </details>
          </Show>
          <a class="icon-link" href="/account" aria-label={t('account')}>
            <Icon.user />
          </a>
          {/* The visible count is part of the link's name (axe: label-content-name-mismatch). */}
          <a class="icon-link cart-link" href="/cart" aria-label={cartCount() > 0 ? `${t('cart')} ${cartCount()}` : t('cart')}>
            <Icon.bag />
            <span class="count" data-testid="cart-count" classList={{ empty: cartCount() === 0 }}>
              {cartCount()}
            </span>
          </a>
        </nav>
      </div>
      <Show when={chrome.menus.header.length > 0}>
        <nav class="main-menu" aria-label={t('mainMenu')}>
          <MenuList items={chrome.menus.header} depth={1} />
        </nav>
      </Show>
    </header>
  );
}

/** The store's announcement (store settings, in the page's language) above the header; nothing without one. */
function AnnouncementBar() {
  const { chrome } = useShop();
  return (
    <Show when={chrome.shop.announcement}>
      <aside class="announcement-bar" aria-label={chrome.shop.name} data-testid="announcement-bar">
        <p>{chrome.shop.announcement}</p>
      </aside>
    </Show>
  );
}

function Footer() {
  const { chrome, t } = useShop();
  return (
    <footer class="site-footer">
      <div class="wrap">
        <div>
          <strong>{chrome.shop.name}</strong>
          <Show when={chrome.shop.footerText}>
            <p class="footer-text" data-testid="footer-text">
              {chrome.shop.footerText}
            </p>
          </Show>
          <p>© {chrome.shop.name}</p>
        </div>
        <Show
          when={chrome.menus.footer.length > 0}
          fallback={
            <nav aria-label={t('footerMenu')}>
              <a href="/search">{t('shopAll')}</a>
              <a href="/cart">{t('cart')}</a>
              <a href="/account">{t('account')}</a>
            </nav>
          }
        >
          <nav class="footer-menu" aria-label={t('footerMenu')}>
            <MenuList items={chrome.menus.footer} depth={1} />
          </nav>
        </Show>
        <Show when={chrome.shop.countries?.length}>
          {/* A plain form: the market changes without JavaScript too. */}
          <form class="country-form" method="post" action="/country">
            <label for="country-select">{t('countryRegion')}</label>
            <select id="country-select" name="country">
              <For each={chrome.shop.countries}>
                {(x) => (
                  <option value={x.code} selected={x.code === chrome.shop.country}>
                    {x.name} ({x.currency})
                  </option>
                )}
              </For>
            </select>
            <input type="hidden" name="to" value={chrome.path} />
            <button type="submit" class="button ghost">
              {t('update')}
            </button>
          </form>
        </Show>
        <nav class="policy-links" aria-label={t('policies')}>
          <For each={chrome.policies}>{(p) => <a href={p.url}>{p.title}</a>}</For>
          <a href="/account/privacy">{t('yourData')}</a>
          <Show when={chrome.consent}>
            <a href={`${chrome.path}?privacy-choices`} rel="nofollow">
              {t('privacyChoices')}
            </a>
          </Show>
        </nav>
      </div>
    </footer>
  );
}

/**
 * The checkout's own header: the store's name or logo and a way back to the cart, nothing else to wander off to
 * (no search, menus or account links, like Shopify's checkout).
 */
function CheckoutHeader() {
  const { chrome, t } = useShop();
  const shop = chrome.shop;
  return (
    <header class="checkout-header" data-testid="checkout-header">
      <div class="bar">
        <a class="brand" href="/">
          <Show when={shop.logoUrl} fallback={<span class="brand-mark">{shop.name.slice(0, 1).toUpperCase()}</span>}>
            {(url) => <img class="logo" src={storeMediaPath(url(), shop.id)} alt="" />}
          </Show>
          <span class="brand-name">{shop.name}</span>
        </a>
        <a class="icon-link" href="/cart" aria-label={t('cart')}>
          <Icon.bag />
        </a>
      </div>
    </header>
  );
}

const PURPOSE_TEXT = { recommendations: 'consentRecommendations', analytics: 'consentAnalytics', marketing: 'consentMarketing' } as const;

/**
 * The consent banner: only when the store asks for an optional purpose and the shopper has not decided (or reopens
 * it from the footer). A plain form (works without JavaScript); accept and reject are equally prominent; customise
 * lists each purpose with its own switch. A region, not a modal: the page stays usable behind it.
 */
function ConsentBanner() {
  const { chrome, t } = useShop();
  const policy = () => chrome.policies.find((p) => p.url.endsWith('/privacy-policy'));
  return (
    <Show when={chrome.consent?.banner && chrome.consent}>
      {(consent) => (
        <section class="consent-banner" aria-labelledby="consent-title" data-testid="consent-banner">
          <form method="post" action="/consent" class="wrap">
            <h2 id="consent-title">{t('consentTitle')}</h2>
            <p>
              {t('consentText')}{' '}
              <For each={consent().purposes}>
                {(p, i) => (
                  <>
                    {i() > 0 ? ', ' : ''}
                    {t(PURPOSE_TEXT[p]).toLowerCase()}
                  </>
                )}
              </For>
              .
              <Show when={policy()}>
                {(p) => (
                  <>
                    {' '}
                    <a href={p().url}>{p().title}</a>
                  </>
                )}
              </Show>
            </p>
            <input type="hidden" name="next" value={chrome.path} />
            <details class="consent-details">
              <summary>{t('consentCustomise')}</summary>
              <fieldset>
                <legend>{t('consentOptional')}</legend>
                <For each={consent().purposes}>
                  {(p) => (
                    <label class="consent-purpose">
                      <input type="checkbox" name={`purpose_${p}`} value="1" checked={consent().choices[p] === true} />
                      <span>{t(PURPOSE_TEXT[p])}</span>
                    </label>
                  )}
                </For>
              </fieldset>
              <button type="submit" name="choice" value="custom" class="button ghost">
                {t('consentSave')}
              </button>
            </details>
            <div class="consent-actions">
              <button type="submit" name="choice" value="reject" class="button primary">
                {t('consentReject')}
              </button>
              <button type="submit" name="choice" value="accept" class="button primary">
                {t('consentAccept')}
              </button>
            </div>
          </form>
        </section>
      )}
    </Show>
  );
}

function Page(props: AppData) {
  const { setHydrated } = useShop();
  onMount(() => setHydrated(true));
  const d = props.data;
  const inCheckout = d.page === 'checkout' || d.page === 'pay' || d.page === 'invoice';
  return (
    <>
      {inCheckout ? null : <AnnouncementBar />}
      {inCheckout ? <CheckoutHeader /> : <Header />}
      <main class="wrap">
        <Switch fallback={<NotFoundPage />}>
          <Match when={d.page === 'home' && d}>{(x) => (x().sections ? <HomeSections sections={x().sections ?? []} /> : <HomePage data={x()} />)}</Match>
          <Match when={d.page === 'collection' && d}>
            {(x) => (
              <WithSections sections={x().sections}>
                <CollectionPage data={x()} />
              </WithSections>
            )}
          </Match>
          <Match when={d.page === 'product' && d}>
            {(x) => (
              <WithSections sections={x().sections}>
                <ProductPage data={x()} />
              </WithSections>
            )}
          </Match>
          <Match when={d.page === 'search' && d}>{(x) => <SearchPage data={x()} />}</Match>
          <Match when={d.page === 'cart' && d}>{(x) => <CartPage data={x()} />}</Match>
          <Match when={d.page === 'checkout' && d}>{(x) => <CheckoutPage data={x()} />}</Match>
          <Match when={d.page === 'pay' && d}>{(x) => <PayPage data={x()} />}</Match>
          <Match when={d.page === 'invoice' && d}>{(x) => <InvoicePage data={x()} />}</Match>
          <Match when={d.page === 'order' && d}>{(x) => <OrderPage data={x()} />}</Match>
          <Match when={d.page === 'account' && d}>{(x) => <AccountPage data={x()} />}</Match>
          <Match when={d.page === 'content' && d}>
            {(x) => (
              <WithSections sections={x().sections}>
                <ContentPage data={x()} />
              </WithSections>
            )}
          </Match>
          <Match when={d.page === 'blog' && d}>{(x) => <BlogPage data={x()} />}</Match>
          <Match when={d.page === 'article' && d}>{(x) => <ArticlePage data={x()} />}</Match>
          <Match when={d.page === 'review' && d}>{(x) => <ReviewPage data={x()} />}</Match>
          <Match when={d.page === 'privacy' && d}>{(x) => <PrivacyPage data={x()} />}</Match>
          <Match when={(d.page === 'login' || d.page === 'register') && d}>{(x) => <AuthPage data={x() as never} />}</Match>
          <Match when={d.page === 'forgot' && d}>{(x) => <ForgotPage data={x()} />}</Match>
          <Match when={(d.page === 'verify' || d.page === 'reset') && d}>{(x) => <TokenPage data={x() as never} />}</Match>
        </Switch>
      </main>
      {inCheckout ? null : <Footer />}
      <ConsentBanner />
    </>
  );
}

export function App(props: AppData) {
  return (
    <ShopProvider chrome={props.chrome}>
      <Page {...props} />
    </ShopProvider>
  );
}
