/**
 * The store's home: the setup guide until the store is launched (each step
 * links where it is done), the Launch button, today's sales, orders waiting
 * to be fulfilled and the variants running low.
 */
import { A } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { toast } from '../components/toast.tsx';
import { Banner, Card, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDate, formatMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type LaunchState = Schemas['LaunchState'];
type StoreHome = Schemas['StoreHome'];

type Step = { key: 'product' | 'logo' | 'shipping' | 'testOrder' | 'launch'; href: string | null };

export default function HomePage() {
  const s = useStore();
  const [home, { mutate }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/home', { params: { path: { storeId: id } } }),
  );
  const [launching, setLaunching] = createSignal(false);

  const launch = async () => {
    setLaunching(true);
    try {
      const state = await api.POST('/stores/{storeId}/launch', { params: { path: { storeId: s.storeId() } } });
      const h = home();
      if (h) mutate({ ...h, launch: state, setup: { ...h.setup, launched: state.launched } });
      toast.success(t('home.launched'));
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setLaunching(false);
    }
  };

  const steps = (h: StoreHome): Step[] => [
    { key: 'product', href: s.path('/products/new') },
    { key: 'logo', href: s.path('/settings') },
    { key: 'shipping', href: s.path('/settings') },
    { key: 'testOrder', href: h.launch.previewUrl },
    { key: 'launch', href: null },
  ];
  const isDone = (h: StoreHome, key: Step['key']) => (key === 'launch' ? h.setup.launched : h.setup[key]);

  return (
    <div class="page">
      <PageHeader
        title={t('home.title')}
        subtitle={t('home.subtitle', { store: s.store()?.name ?? '' })}
        actions={
          // Once live, the top bar's "View store" link is the way to the shop; before that, the preview link.
          <Show when={home()?.launch.launched === false ? home()?.launch : undefined}>
            {(l) => (
              <a class="button" href={l().previewUrl} target="_blank" rel="noopener">
                {t('home.preview')}
              </a>
            )}
          </Show>
        }
      />
      <Show when={home()} fallback={home.error ? <Banner tone="critical">{(home.error as Error).message}</Banner> : <SkeletonRows rows={5} />}>
        {(h) => {
          const done = () => steps(h()).filter((st) => isDone(h(), st.key)).length;
          return (
            <div class="stack">
              <Show
                when={!h().launch.launched}
                fallback={
                  <Banner tone="success" title={t('home.launched')}>
                    <p>{t('home.launchedOn', { date: formatDate(h().launch.launchedAt ?? '', locale()) })}</p>
                  </Banner>
                }
              >
                <Card
                  title={t('home.setupTitle')}
                  actions={<span class="muted small">{t('home.setupProgress', { done: done(), total: steps(h()).length })}</span>}
                >
                  <ol class="setup-guide">
                    <For each={steps(h())}>
                      {(st) => (
                        <li classList={{ done: isDone(h(), st.key) }}>
                          <span class="setup-check" aria-hidden="true">
                            <Show when={isDone(h(), st.key)}>
                              <Icon name="check" />
                            </Show>
                          </span>
                          <div class="setup-text">
                            <strong>{t(`home.step.${st.key}` as MessageKey)}</strong>
                            <span class="muted small">{t(`home.step.${st.key}Hint` as MessageKey)}</span>
                          </div>
                          <Show when={isDone(h(), st.key)} fallback={stepAction(st)}>
                            <span class="muted small">{t('home.done')}</span>
                          </Show>
                        </li>
                      )}
                    </For>
                  </ol>
                </Card>
              </Show>
              <div class="home-stats">
                <Card title={t('home.todaySales')}>
                  <span class="stat-value" data-testid="today-sales">
                    {formatMoney(h().today.sales, h().today.currency, locale())}
                  </span>
                  <span class="muted small">{t('home.todayOrders', { n: h().today.orders })}</span>
                </Card>
                <Card title={t('home.toFulfil')}>
                  <span class="stat-value" data-testid="orders-to-fulfil">
                    {h().ordersToFulfil}
                  </span>
                  <A href={s.path('/orders')} class="small">
                    {t('home.viewOrders')} →
                  </A>
                </Card>
                <Card title={t('home.lowStock')}>
                  <Show when={h().lowStock.length > 0} fallback={<span class="muted small">{t('home.lowStockNone')}</span>}>
                    <ul class="low-stock">
                      <For each={h().lowStock}>
                        {(v) => (
                          <li>
                            <A href={s.path(`/products/${v.productId}`)}>
                              {v.title}
                              <Show when={v.variantTitle && v.variantTitle !== 'Default Title'}> · {v.variantTitle}</Show>
                            </A>
                            <span class="muted small">{t('home.lowStockUnits', { n: v.quantity })}</span>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                </Card>
              </div>
            </div>
          );
        }}
      </Show>
    </div>
  );

  function stepAction(st: Step) {
    if (st.key === 'launch')
      return (
        <Show when={s.can('store:update')}>
          <button type="button" class="button primary" disabled={launching()} onClick={launch}>
            {launching() ? t('home.launching') : t('home.launch')}
          </button>
        </Show>
      );
    const external = st.key === 'testOrder';
    return external ? (
      <a class="button" href={st.href ?? '#'} target="_blank" rel="noopener">
        {t('home.go')}
      </a>
    ) : (
      <A class="button" href={st.href ?? '#'}>
        {t('home.go')}
      </A>
    );
  }
}
