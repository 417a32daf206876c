import { useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type PayoutStatus } from '../lib/api.ts';
import { formatDate } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default function PayoutsPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const [status, { refetch }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/payouts', { params: { path: { storeId: id } } }),
  );
  const [busy, setBusy] = createSignal(false);

  const connect = async () => {
    setBusy(true);
    try {
      const { url } = await api.POST('/stores/{storeId}/payouts/connect', { params: { path: { storeId: s.storeId() } } });
      window.location.assign(url);
    } catch (e) {
      toast.error((e as Error).message);
      setBusy(false);
    }
  };

  // Stripe returns with ?connect=return when the merchant left onboarding, and ?connect=refresh when the link
  // expired: a fresh link is the only way on, so ask for one straight away.
  onMount(() => {
    const c = one(params.connect);
    if (!c) return;
    setParams({ connect: undefined }, { replace: true });
    if (c === 'return') toast.info(t('payouts.returned'));
    else if (c === 'refresh' && s.can('store:update')) {
      toast.info(t('payouts.refreshing'));
      void connect();
    }
  });

  const ready = (p: PayoutStatus) => p.chargesEnabled && p.payoutsEnabled;
  const fieldName = (f: string) => f.replaceAll('.', ' › ').replaceAll('_', ' ');

  return (
    <div class="page">
      <PageHeader title={t('payouts.title')} subtitle={t('payouts.subtitle')} />
      <Show when={status()} fallback={status.error ? <Banner tone="critical">{(status.error as Error).message}</Banner> : <SkeletonRows rows={4} />}>
        {(p) => (
          <div class="stack">
            <Show when={!p().enabled}>
              <Banner tone="info" title={t('payouts.offTitle')}>
                <p>{t('payouts.offBody')}</p>
              </Banner>
            </Show>
            <Show when={p().enabled}>
              <Card
                title={t('payouts.account')}
                actions={
                  <Show when={s.can('store:update') && !ready(p())}>
                    <button type="button" class="button primary" disabled={busy()} onClick={connect}>
                      {busy() ? t('billing.redirecting') : p().connected ? t('payouts.continue') : t('payouts.connect')}
                    </button>
                  </Show>
                }
              >
                <Show when={p().connected} fallback={<p class="muted">{t('payouts.notConnected')}</p>}>
                  <dl class="status-list">
                    <div>
                      <dt>{t('payouts.charges')}</dt>
                      <dd>
                        <Badge value={p().chargesEnabled ? 'active' : 'pending'} label={p().chargesEnabled ? t('payouts.enabled') : t('payouts.notYet')} />
                      </dd>
                    </div>
                    <div>
                      <dt>{t('payouts.payouts')}</dt>
                      <dd>
                        <Badge value={p().payoutsEnabled ? 'active' : 'pending'} label={p().payoutsEnabled ? t('payouts.enabled') : t('payouts.notYet')} />
                      </dd>
                    </div>
                    <div>
                      <dt>{t('payouts.details')}</dt>
                      <dd>
                        <Badge
                          value={p().detailsSubmitted ? 'active' : 'pending'}
                          label={p().detailsSubmitted ? t('payouts.submitted') : t('payouts.notYet')}
                        />
                      </dd>
                    </div>
                  </dl>
                  <Show when={p().requirements.pastDue.length + p().requirements.currentlyDue.length > 0}>
                    <Banner tone={p().requirements.pastDue.length ? 'critical' : 'warning'} title={t('payouts.needs')}>
                      <Show when={p().requirements.currentDeadline}>
                        <p>{t('payouts.deadline', { date: formatDate(new Date((p().requirements.currentDeadline as number) * 1000), locale()) })}</p>
                      </Show>
                      <ul>
                        <For each={[...new Set([...p().requirements.pastDue, ...p().requirements.currentlyDue])]}>{(f) => <li>{fieldName(f)}</li>}</For>
                      </ul>
                    </Banner>
                  </Show>
                  <Show when={ready(p())}>
                    <p>{t('payouts.ready')}</p>
                  </Show>
                  <Show when={p().requirements.disabledReason}>
                    <p class="muted small">{t('payouts.disabledReason', { reason: p().requirements.disabledReason as string })}</p>
                  </Show>
                </Show>
                <Show when={!s.can('store:update') && !ready(p())}>
                  <p class="muted small">{t('billing.ownerOnly')}</p>
                </Show>
                <button type="button" class="button small" onClick={() => refetch()}>
                  {t('payouts.refresh')}
                </button>
              </Card>
            </Show>
          </div>
        )}
      </Show>
    </div>
  );
}
