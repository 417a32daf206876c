import { useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, t, tn } from '../i18n/index.ts';
import { api, type Billing, type PlanInfo } from '../lib/api.ts';
import { formatDate, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

const RANK: Record<PlanInfo['id'], number> = { free: 0, basic: 1, pro: 2 };
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function UsageRow(props: { label: string; used: number; limit: number | null; overKey: 'billing.overLimitProducts' | 'billing.overLimitSeats' }) {
  const limitText = () => (props.limit === null ? t('billing.unlimited') : formatNumber(props.limit, locale()));
  // Over the plan's limit (a downgrade, or billing switched on later) is a warning state, not a normal full bar.
  const over = () => (props.limit !== null && props.used > props.limit ? props.used - props.limit : 0);
  return (
    <div class="usage-row" classList={{ 'usage-over': over() > 0 }}>
      <div class="usage-head">
        <span>{props.label}</span>
        <span class={over() > 0 ? 'text-critical' : 'muted'}>{t('billing.usedOf', { used: formatNumber(props.used, locale()), limit: limitText() })}</span>
      </div>
      <Show when={props.limit !== null}>
        <ProgressBar value={props.limit ? props.used / props.limit : 1} label={props.label} tone={over() > 0 ? 'critical' : undefined} />
      </Show>
      <Show when={over() > 0}>
        <p class="small text-critical">{tn(props.overKey, over())}</p>
      </Show>
    </div>
  );
}

export default function BillingPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const [billing, { refetch }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/billing', { params: { path: { storeId: id } } }),
  );
  const [busy, setBusy] = createSignal<string | null>(null);

  // Stripe sends the merchant back here with the outcome in the query; say what happened once, then drop it.
  onMount(() => {
    const checkout = one(params.checkout);
    const portal = one(params.portal);
    if (checkout === 'success') toast.success(t('billing.checkoutSuccess'));
    else if (checkout === 'cancel') toast.info(t('billing.checkoutCancel'));
    if (portal === 'return') toast.info(t('billing.portalReturn'));
    if (checkout || portal) setParams({ checkout: undefined, portal: undefined }, { replace: true });
  });

  const redirect = async (key: string, start: () => Promise<{ url: string }>) => {
    setBusy(key);
    try {
      const { url } = await start();
      window.location.assign(url);
    } catch (e) {
      toast.error((e as Error).message);
      setBusy(null);
      void refetch();
    }
  };

  return (
    <div class="page">
      <PageHeader title={t('billing.title')} subtitle={t('billing.subtitle')} />
      <Show when={billing()} fallback={billing.error ? <Banner tone="critical">{(billing.error as Error).message}</Banner> : <SkeletonRows rows={6} />}>
        {(b) => (
          <div class="stack">
            <Show when={!b().enabled}>
              <Banner tone="info" title={t('billing.offTitle')}>
                <p>{t('billing.offBody')}</p>
              </Banner>
            </Show>
            <Show when={b().suspended}>
              <Banner tone="critical" title={t('billing.suspendedTitle')}>
                <p>{t('billing.suspendedBody')}</p>
              </Banner>
            </Show>
            <Show when={!b().suspended && b().status === 'past_due'}>
              <Banner tone="warning" title={t('billing.pastDueTitle')}>
                <p>{b().graceUntil ? t('billing.pastDueBody', { date: formatDate(b().graceUntil as string, locale()) }) : t('billing.pastDueNoDate')}</p>
              </Banner>
            </Show>
            <Card
              title={t('billing.currentPlan')}
              actions={
                <Show when={b().enabled && b().canManage && b().hasBillingAccount}>
                  <button
                    type="button"
                    class="button"
                    disabled={busy() !== null}
                    onClick={() => redirect('portal', () => api.POST('/stores/{storeId}/billing/portal', { params: { path: { storeId: s.storeId() } } }))}
                  >
                    {busy() === 'portal' ? t('billing.redirecting') : t('billing.manage')}
                  </button>
                </Show>
              }
            >
              <div class="plan-summary">
                <div>
                  <p class="plan-name">
                    {b().plan.name} <Badge value={b().status} />
                  </p>
                  <p class="muted">
                    {b().plan.priceLabel} · {t('billing.fee', { percent: b().plan.transactionFeePercent })}
                  </p>
                  <Show when={b().currentPeriodEnd}>
                    <p class="muted small">{t('billing.renews', { date: formatDate(b().currentPeriodEnd as string, locale()) })}</p>
                  </Show>
                </div>
              </div>
              <h3 class="section-title">{t('billing.usage')}</h3>
              <UsageRow
                label={t('billing.activeProducts')}
                used={b().usage.activeProducts}
                limit={b().plan.limits.activeProducts}
                overKey="billing.overLimitProducts"
              />
              <UsageRow label={t('billing.staffSeats')} used={b().usage.staffSeats} limit={b().plan.limits.staffSeats} overKey="billing.overLimitSeats" />
              <div class="usage-row">
                <div class="usage-head">
                  <span>{t('billing.customDomain')}</span>
                  <span class="muted">
                    {b().plan.limits.customDomain ? t('billing.included') : t('billing.notIncluded')}
                    {b().usage.customDomain ? ` · ${t('billing.inUse')}` : ''}
                  </span>
                </div>
              </div>
            </Card>
            <Card title={t('billing.plans')}>
              <div class="plan-grid">
                <For each={b().plans}>
                  {(p) => {
                    const current = () => p.id === b().plan.id;
                    const up = () => RANK[p.id] > RANK[b().plan.id];
                    return (
                      <section class={`plan-card${current() ? ' current' : ''}`} aria-label={p.name}>
                        <h3>{p.name}</h3>
                        <p class="plan-price">{p.priceLabel}</p>
                        <ul class="plan-limits">
                          <li>
                            {p.limits.activeProducts === null
                              ? t('billing.limitProductsUnlimited')
                              : t('billing.limitProducts', { count: p.limits.activeProducts })}
                          </li>
                          <li>{tn('billing.limitSeats', p.limits.staffSeats)}</li>
                          <li>{p.limits.customDomain ? t('billing.limitDomain') : t('billing.limitNoDomain')}</li>
                          <li>{t('billing.fee', { percent: p.transactionFeePercent })}</li>
                        </ul>
                        <Show when={!current()} fallback={<span class="badge badge-info">{t('billing.yourPlan')}</span>}>
                          <Show when={b().enabled && b().canManage}>
                            <Show when={p.id !== 'free'} fallback={<p class="muted small">{t('billing.downgradeToFree')}</p>}>
                              <button
                                type="button"
                                class={`button${up() ? ' primary' : ''}`}
                                disabled={!p.available || busy() !== null}
                                title={p.available ? undefined : t('billing.unavailable')}
                                onClick={() =>
                                  redirect(p.id, () =>
                                    api.POST('/stores/{storeId}/billing/checkout', {
                                      params: { path: { storeId: s.storeId() } },
                                      body: { plan: p.id as 'basic' | 'pro' },
                                    }),
                                  )
                                }
                              >
                                {busy() === p.id
                                  ? t('billing.redirecting')
                                  : up()
                                    ? t('billing.upgrade', { plan: p.name })
                                    : t('billing.downgrade', { plan: p.name })}
                              </button>
                            </Show>
                          </Show>
                        </Show>
                      </section>
                    );
                  }}
                </For>
              </div>
              <Show when={b().enabled && !b().canManage}>
                <p class="muted small">{t('billing.ownerOnly')}</p>
              </Show>
            </Card>
          </div>
        )}
      </Show>
    </div>
  );
}
