import { A, useLocation, useNavigate, useParams } from '@solidjs/router';
import { createEffect, createRenderEffect, createSignal, For, type ParentProps, Show, Suspense } from 'solid-js';
import { Icon, type IconName } from './components/icons.tsx';
import { toast } from './components/toast.tsx';
import { SkeletonRows } from './components/ui.tsx';
import { LOCALE_NAMES, LOCALES, type Locale, locale, type MessageKey, setLocale, t } from './i18n/index.ts';
import { api, can } from './lib/api.ts';
import { setDisplayTimeZone } from './lib/format.ts';
import { currentStore, currentStoreId, lastStoreId, me, setCurrentStoreId, setMe } from './lib/session.ts';

/** Menu sections, in order; an item names its section (none → the first, unlabelled one with Home). */
type NavSection = 'main' | 'sales' | 'catalog' | 'marketing' | 'onlineStore' | 'growth' | 'international';

interface NavItem {
  path: string;
  label: MessageKey;
  icon: IconName;
  section?: NavSection;
  show?: () => boolean;
}

const SECTIONS: { id: NavSection; label?: MessageKey }[] = [
  { id: 'main' },
  { id: 'sales', label: 'nav.section.sales' },
  { id: 'catalog', label: 'nav.section.catalog' },
  { id: 'marketing', label: 'nav.section.marketing' },
  { id: 'onlineStore', label: 'nav.section.onlineStore' },
  { id: 'growth', label: 'nav.section.growth' },
  { id: 'international', label: 'nav.section.international' },
];

// One line per page. Analytics goes in 'main' after Home; Themes, Pages, Blog, Navigation and Policies in 'onlineStore'.
// Jobs, Team, Billing, Payouts, Privacy requests and the audit log live under Settings (the Settings index links them).
const NAV: NavItem[] = [
  { path: 'home', label: 'nav.home', icon: 'home' },
  { path: 'analytics', label: 'nav.analytics', icon: 'chart', show: () => can(currentStore(), 'orders:read') },
  { path: 'orders', label: 'nav.orders', icon: 'orders', section: 'sales' },
  { path: 'draft-orders', label: 'nav.draftOrders', icon: 'orders', section: 'sales', show: () => can(currentStore(), 'orders:read') },
  { path: 'returns', label: 'nav.returns', icon: 'orders', section: 'sales', show: () => can(currentStore(), 'orders:read') },
  { path: 'abandoned-checkouts', label: 'nav.abandoned', icon: 'cart', section: 'sales', show: () => can(currentStore(), 'orders:read') },
  { path: 'products', label: 'nav.products', icon: 'products', section: 'catalog' },
  { path: 'reviews', label: 'nav.reviews', icon: 'star', section: 'catalog' },
  { path: 'inventory', label: 'nav.inventory', icon: 'inventory', section: 'catalog' },
  { path: 'import', label: 'nav.import', icon: 'import', section: 'catalog', show: () => can(currentStore(), 'catalog:import') },
  { path: 'discounts', label: 'nav.discounts', icon: 'tag', section: 'marketing', show: () => can(currentStore(), 'orders:read') },
  { path: 'gift-cards', label: 'nav.giftCards', icon: 'gift', section: 'marketing', show: () => can(currentStore(), 'orders:read') },
  { path: 'theme', label: 'nav.themes', icon: 'store', section: 'onlineStore' },
  { path: 'pages', label: 'nav.pages', icon: 'orders', section: 'onlineStore' },
  { path: 'blog', label: 'nav.blog', icon: 'mail', section: 'onlineStore' },
  { path: 'navigation', label: 'nav.navigation', icon: 'menu', section: 'onlineStore' },
  { path: 'policies', label: 'nav.policies', icon: 'jobs', section: 'onlineStore' },
  { path: 'pricing', label: 'nav.pricing', icon: 'pricing', section: 'growth', show: () => can(currentStore(), 'planning:read') },
  { path: 'planning', label: 'nav.planning', icon: 'reorder', section: 'growth', show: () => can(currentStore(), 'planning:read') },
  { path: 'search', label: 'nav.search', icon: 'search', section: 'growth' },
  { path: 'recommendations', label: 'nav.recommendations', icon: 'sparkle', section: 'growth' },
  { path: 'markets', label: 'nav.markets', icon: 'globe', section: 'international' },
  { path: 'translations', label: 'nav.translations', icon: 'globe', section: 'international' },
];

/** Pages reached from the Settings index: the menu marks "Settings" as the current section on them. */
export const SETTINGS_AREA = ['settings', 'jobs', 'team', 'billing', 'payouts', 'privacy', 'audit-log', 'webhooks'];

function StoreSwitcher() {
  const [open, setOpen] = createSignal(false);
  const navigate = useNavigate();
  const location = useLocation();
  const stores = () => me()?.stores.filter((s) => s.status !== 'deleted') ?? [];
  let button: HTMLButtonElement | undefined;
  const switchTo = (id: string) => {
    setOpen(false);
    // Stay on the same section of the console in the other store.
    const section = location.pathname.split('/')[3] ?? 'products';
    navigate(`/stores/${id}/${NAV.some((i) => i.path === section) || SETTINGS_AREA.includes(section) ? section : 'products'}`);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const items = [...((e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      items[(i + 1) % items.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length]?.focus();
    } else if (e.key === 'Escape') {
      setOpen(false);
      button?.focus();
    }
  };
  return (
    <div class="switcher">
      <button
        ref={button}
        type="button"
        class="switcher-button"
        aria-haspopup="menu"
        aria-expanded={open()}
        onClick={() => {
          setOpen(!open());
          if (open()) queueMicrotask(() => document.querySelector<HTMLElement>('.switcher-menu [role="menuitem"]')?.focus());
        }}
      >
        <span class="store-avatar" aria-hidden="true">
          {(currentStore()?.name ?? '?').slice(0, 1).toUpperCase()}
        </span>
        <span class="visually-hidden">{t('shell.switchStore')}: </span>
        <span class="switcher-name">{currentStore()?.name ?? t('shell.chooseStore')}</span>
        <Icon name="chevron" size={16} />
      </button>
      <Show when={open()}>
        <div class="switcher-menu" role="menu" aria-label={t('shell.yourStores')} onKeyDown={onKeyDown}>
          <For each={stores()}>
            {(s) => (
              <button
                type="button"
                role="menuitem"
                class="menu-item"
                aria-current={s.id === currentStoreId() ? 'true' : undefined}
                onClick={() => switchTo(s.id)}
              >
                <span class="store-avatar small" aria-hidden="true">
                  {s.name.slice(0, 1).toUpperCase()}
                </span>
                <span class="menu-item-text">
                  <span>{s.name}</span>
                  <span class="muted small">{s.slug}</span>
                </span>
                <Show when={s.id === currentStoreId()}>
                  <Icon name="check" size={16} />
                </Show>
              </button>
            )}
          </For>
          <div class="menu-sep" />
          <button
            type="button"
            role="menuitem"
            class="menu-item"
            onClick={() => {
              setOpen(false);
              navigate('/onboarding?another=1');
            }}
          >
            <Icon name="plus" size={16} /> {t('shell.createStore')}
          </button>
        </div>
      </Show>
    </div>
  );
}

export function Shell(props: ParentProps) {
  const params = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const [navOpen, setNavOpen] = createSignal(false);
  createEffect(() => {
    const id = params.storeId ?? lastStoreId() ?? me()?.stores[0]?.id ?? null;
    setCurrentStoreId(id);
  });
  // Dates and times on every page are shown in the store's time zone.
  createRenderEffect(() => setDisplayTimeZone(currentStore()?.timezone));
  // Close the phone drawer on navigation.
  createEffect(() => {
    location.pathname;
    setNavOpen(false);
  });
  const switchLocale = (next: Locale) => {
    setLocale(next);
    // Also remembered on the account (other devices); the local choice already applies if that fails.
    api.PATCH('/me', { body: { locale: next } }).catch(() => {});
  };
  const storeBase = () => `/stores/${currentStoreId() ?? ''}`;
  const inSettings = () => SETTINGS_AREA.includes(location.pathname.split('/')[3] ?? '');
  const logout = async () => {
    try {
      await api.POST('/auth/logout');
    } catch {
      // signed out anyway below
    }
    setMe(null);
    toast.info(t('auth.loggedOut'));
    navigate('/login', { replace: true });
  };
  return (
    <div class="shell" classList={{ 'nav-open': navOpen() }}>
      <a class="skip-link" href="#main">
        {t('shell.skipToContent')}
      </a>
      <header class="topbar">
        <button
          type="button"
          class="icon-button nav-toggle"
          aria-label={t('shell.menu')}
          aria-expanded={navOpen()}
          aria-controls="sidenav"
          onClick={() => setNavOpen(!navOpen())}
        >
          <Icon name="menu" />
        </button>
        <A href="/" class="brand">
          <span class="brand-mark" aria-hidden="true">
            S
          </span>
          <span class="brand-name">Storeloom</span>
        </A>
        <StoreSwitcher />
        <div class="topbar-spacer" />
        <Show when={currentStore()}>
          {(s) => (
            <a class="topbar-link" href={s().url} target="_blank" rel="noopener">
              <Icon name="external" size={16} />
              <span class="sr-phone">{t('shell.viewStore')}</span>
            </a>
          )}
        </Show>
        <label class="visually-hidden" for="locale-select">
          {t('shell.language')}
        </label>
        <select id="locale-select" class="locale-select" value={locale()} onChange={(e) => switchLocale(e.currentTarget.value as Locale)}>
          <For each={[...LOCALES]}>{(l) => <option value={l}>{LOCALE_NAMES[l]}</option>}</For>
        </select>
        <A href="/account" class="topbar-link" aria-label={t('nav.account')}>
          <span class="user-avatar" aria-hidden="true">
            {(me()?.user.name ?? '?').slice(0, 1).toUpperCase()}
          </span>
        </A>
      </header>
      <nav id="sidenav" class="sidenav" aria-label={t('shell.mainNav')}>
        <For each={SECTIONS}>
          {(section) => {
            const items = () => NAV.filter((i) => (i.section ?? 'main') === section.id && (!i.show || i.show()));
            const headingId = `nav-${section.id}`;
            return (
              <Show when={items().length > 0}>
                <div class="nav-section">
                  <Show when={section.label}>
                    {(label) => (
                      <h2 class="nav-heading" id={headingId}>
                        {t(label())}
                      </h2>
                    )}
                  </Show>
                  <ul aria-labelledby={section.label ? headingId : undefined}>
                    <For each={items()}>
                      {(item) => (
                        <li>
                          <A href={`${storeBase()}/${item.path}`} class="nav-link" activeClass="active">
                            <Icon name={item.icon} />
                            <span>{t(item.label)}</span>
                          </A>
                        </li>
                      )}
                    </For>
                  </ul>
                </div>
              </Show>
            );
          }}
        </For>
        <div class="nav-section">
          <ul>
            <li>
              <A href={`${storeBase()}/settings`} class="nav-link" classList={{ active: inSettings() }} aria-current={inSettings() ? 'page' : undefined}>
                <Icon name="settings" />
                <span>{t('nav.settings')}</span>
              </A>
            </li>
          </ul>
        </div>
        <div class="sidenav-footer">
          <A href="/account" class="nav-link" activeClass="active">
            <Icon name="user" />
            <span>{t('nav.account')}</span>
          </A>
          <button type="button" class="nav-link" onClick={logout}>
            <Icon name="external" />
            <span>{t('auth.logout')}</span>
          </button>
        </div>
      </nav>
      <div class="nav-scrim" onClick={() => setNavOpen(false)} aria-hidden="true" />
      <main id="main" class="main" tabindex="-1">
        <Suspense fallback={<SkeletonRows />}>{props.children}</Suspense>
      </main>
    </div>
  );
}
