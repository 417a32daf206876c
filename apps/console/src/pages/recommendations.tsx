import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, EmptyState, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { ApiError, api, type Product, type RecoCustomerPreview, type RecoProductPreview, type TrainingRun } from '../lib/api.ts';
import { formatDateTime, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';
import { ProductPicker } from '../components/product-picker.tsx';
import { label, RecoList } from '../components/reco.tsx';
import { CustomerPicker, type CustomerSummary } from '../components/customer-picker.tsx';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function RunFacts(props: { run: TrainingRun }) {
  const st = () => props.run.stats;
  const m = () => props.run.metrics;
  const fmt = (x: unknown) => (num(x) === null ? '—' : formatNumber(num(x) as number, locale()));
  const metric = (x: unknown) => (num(x) === null ? '—' : (num(x) as number).toFixed(3));
  return (
    <>
      <dl class="status-list compact">
        <div>
          <dt>{t('reco.run.started')}</dt>
          <dd>{formatDateTime(props.run.startedAt, locale())}</dd>
        </div>
        <div>
          <dt>{t('reco.run.duration')}</dt>
          <dd>{num(st().durationMs) === null ? '—' : formatDuration(num(st().durationMs) as number)}</dd>
        </div>
        <div>
          <dt>{t('reco.run.orders')}</dt>
          <dd data-testid="run-orders">{fmt(st().orders)}</dd>
        </div>
        <div>
          <dt>{t('reco.run.customers')}</dt>
          <dd>{fmt(st().shoppers)}</dd>
        </div>
        <div>
          <dt>{t('reco.run.products')}</dt>
          <dd>{fmt(st().products)}</dd>
        </div>
        <div>
          <dt>{t('reco.run.memory')}</dt>
          <dd>{num(st().peakRssMiB) === null ? '—' : `${fmt(st().peakRssMiB)} MiB`}</dd>
        </div>
      </dl>
      <h3 class="subheading">{t('reco.metrics.title')}</h3>
      <Show when={typeof m().skipped !== 'string'} fallback={<p class="muted small">{t('reco.metrics.skipped', { reason: String(m().skipped) })}</p>}>
        <Show when={Object.keys(m()).length > 0} fallback={<p class="muted small">{t('reco.metrics.none')}</p>}>
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th>{t('reco.metrics.metric')}</th>
                  <th class="num">{t('reco.metrics.model')}</th>
                  <th class="num">{t('reco.metrics.popularity')}</th>
                  <th class="num hide-phone">{t('reco.metrics.sample')}</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td>{t('reco.metrics.ndcg')}</td>
                  <td class="num">{metric(m().ndcgAt20)}</td>
                  <td class="num">{metric(m().popularityNdcgAt20)}</td>
                  <td class="num hide-phone">{t('reco.metrics.customers', { count: fmt(m().customers) })}</td>
                </tr>
                <tr>
                  <td>{t('reco.metrics.hr')}</td>
                  <td class="num">{metric(m().alsoBoughtHrAt10)}</td>
                  <td class="num">{metric(m().popularityHrAt10)}</td>
                  <td class="num hide-phone">{t('reco.metrics.queries', { count: fmt(m().alsoBoughtQueries) })}</td>
                </tr>
              </tbody>
            </table>
          </div>
          <p class="muted small">{t('reco.metrics.hint', { days: fmt(m().holdoutDays ?? 28) })}</p>
        </Show>
      </Show>
    </>
  );
}

function TrainingCard(props: { onTrained: () => void }) {
  const s = useStore();
  const [runs, { refetch }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/recommendations/training-runs', { params: { path: { storeId: id }, query: { limit: 20 } } }),
  );
  // The job we queued, until its run shows up as finished.
  const [pending, setPending] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [conflict, setConflict] = createSignal(false);
  const running = () => runs.latest?.data.find((r) => r.status === 'running');
  const tick = setInterval(() => {
    const p = pending();
    if (!p && !running()) return;
    refetch();
    const mine = runs.latest?.data.find((r) => r.jobId === p);
    if (p && mine && mine.status !== 'running') {
      setPending(null);
      if (mine.status === 'succeeded') {
        toast.success(t('reco.train.done'));
        props.onTrained();
      } else toast.error(t('reco.train.failed'));
    }
  }, 1000);
  onCleanup(() => clearInterval(tick));
  const train = async () => {
    setBusy(true);
    setConflict(false);
    try {
      const r = await api.POST('/stores/{storeId}/recommendations/training-runs', { params: { path: { storeId: s.storeId() } } });
      setPending(r.jobId);
      toast.info(t('reco.train.queued'));
      refetch();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setConflict(true);
      else toast.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const latest = () => runs.latest?.data[0];
  const live = () => runs.latest?.data.find((r) => r.active);
  return (
    <>
      <Card
        title={t('reco.run.title')}
        id="reco-run"
        actions={
          <Show when={s.can('store:update')}>
            <button type="button" class="button small primary" disabled={busy() || !!pending() || !!running()} onClick={train}>
              {t('reco.train.now')}
            </button>
          </Show>
        }
      >
        <Show when={conflict()}>
          <Banner tone="warning">{t('reco.train.conflict')}</Banner>
        </Show>
        <Show when={pending() && !running() && !runs.latest?.data.some((r) => r.jobId === pending())}>
          <div class="job-progress" data-testid="training-progress">
            <div class="job-progress-head">
              <strong>{t('reco.train.waiting')}</strong>
              <Badge value="queued" />
            </div>
            <ProgressBar value={0} label={t('reco.train.progress')} />
          </div>
        </Show>
        <Show when={running()}>
          {(r) => (
            <div class="job-progress" data-testid="training-progress">
              <div class="job-progress-head">
                <strong>
                  {r().progress?.phase ? t('reco.train.phase', { phase: label('reco.phase', r().progress?.phase as string) }) : t('reco.train.running')}
                </strong>
                <Badge value="running" />
              </div>
              <ProgressBar value={(r().progress?.percent ?? 0) / 100} label={t('reco.train.progress')} />
            </div>
          )}
        </Show>
        <Show when={!runs.error} fallback={<Banner tone="critical">{(runs.error as Error)?.message}</Banner>}>
          <Show when={runs.latest} fallback={<SkeletonRows rows={2} cols={4} />}>
            <Show when={latest()} fallback={<EmptyState icon="jobs" title={t('reco.run.noneTitle')} body={t('reco.run.noneBody')} />}>
              {(run) => (
                <div data-testid="last-run">
                  <p class="run-head">
                    <Badge value={run().status} />
                    <span>{t('reco.run.version', { version: run().version })}</span>
                    <span class="muted small">{label('reco.trigger', run().trigger)}</span>
                    <Show when={run().active}>
                      <Badge value="active" label={t('reco.run.live')} />
                    </Show>
                  </p>
                  <Show when={run().error}>
                    <Banner tone="critical" title={t('reco.run.error')}>
                      {run().error}
                      <Show when={live()}>{(l) => <p>{t('reco.run.stillServing', { version: l().version })}</p>}</Show>
                    </Banner>
                  </Show>
                  <Show when={run().status !== 'running'}>
                    <RunFacts run={run()} />
                  </Show>
                </div>
              )}
            </Show>
          </Show>
        </Show>
      </Card>
      <Card title={t('reco.history.title')} id="reco-history">
        <Show when={(runs.latest?.data.length ?? 0) > 0} fallback={<p class="muted">{t('reco.history.none')}</p>}>
          <div class="table-wrap">
            <table class="table" data-testid="run-history">
              <thead>
                <tr>
                  <th>{t('reco.history.version')}</th>
                  <th>{t('reco.history.status')}</th>
                  <th class="hide-phone">{t('reco.history.trigger')}</th>
                  <th>{t('reco.run.started')}</th>
                  <th class="num hide-phone">{t('reco.run.duration')}</th>
                  <th class="num hide-phone">{t('reco.run.orders')}</th>
                  <th class="num hide-phone">{t('reco.metrics.ndcgShort')}</th>
                </tr>
              </thead>
              <tbody>
                <For each={runs.latest?.data ?? []}>
                  {(r) => (
                    <tr>
                      <td>
                        v{r.version}
                        <Show when={r.active}>
                          {' '}
                          <Badge value="active" label={t('reco.run.live')} />
                        </Show>
                      </td>
                      <td>
                        <Badge value={r.status} />
                        <Show when={r.error}>
                          <span class="field-error block small">{r.error}</span>
                        </Show>
                      </td>
                      <td class="hide-phone">{label('reco.trigger', r.trigger)}</td>
                      <td>{formatDateTime(r.startedAt, locale())}</td>
                      <td class="num hide-phone">{num(r.stats.durationMs) === null ? '—' : formatDuration(num(r.stats.durationMs) as number)}</td>
                      <td class="num hide-phone">{num(r.stats.orders) === null ? '—' : formatNumber(num(r.stats.orders) as number, locale())}</td>
                      <td class="num hide-phone">{num(r.metrics.ndcgAt20) === null ? '—' : (num(r.metrics.ndcgAt20) as number).toFixed(3)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </Card>
    </>
  );
}

function ProductPreviewCard(props: { model: number }) {
  const s = useStore();
  const [product, setProduct] = createSignal<Product | null>(null);
  const [preview] = createResource(
    () => (product() ? { id: s.storeId(), pid: (product() as Product).id, model: props.model } : false),
    (k) => api.GET('/stores/{storeId}/recommendations/products/{productId}', { params: { path: { storeId: k.id, productId: k.pid }, query: { limit: 12 } } }),
  );
  return (
    <Card title={t('reco.preview.productTitle')} id="reco-product">
      <p class="muted small">{t('reco.preview.productHint')}</p>
      <div class="inline-form">
        <ProductPicker id="reco-product-picker" label={t('reco.preview.pickProduct')} onPick={setProduct} selected={product()} />
      </div>
      <Show when={product()}>
        <Show when={preview.latest} fallback={<SkeletonRows rows={3} cols={2} />}>
          {(p) => (
            <>
              <p class="muted small">
                {p().modelVersion === null ? t('reco.preview.noModel') : t('reco.preview.model', { version: p().modelVersion as number })}
              </p>
              <RecoList items={p().items} empty={t('reco.preview.empty')} testId="reco-product-list" />
            </>
          )}
        </Show>
      </Show>
    </Card>
  );
}

function CustomerPreviewCard(props: { model: number }) {
  const s = useStore();
  // Whether anyone has personal lists yet (under the live model); the picker itself searches every customer by name
  // or e-mail (customers API `query`), so it scales to any number of customers and never shows raw ids.
  const [customers] = createResource(
    () => ({ id: s.storeId(), model: props.model }),
    (k) => api.GET('/stores/{storeId}/recommendations/customers', { params: { path: { storeId: k.id }, query: { limit: 1 } } }),
  );
  const [customer, setCustomer] = createSignal<CustomerSummary | null>(null);
  const [lists] = createResource(
    () => (customer() ? { id: s.storeId(), c: (customer() as CustomerSummary).id, model: props.model } : false),
    (k) => api.GET('/stores/{storeId}/recommendations/customers', { params: { path: { storeId: k.id }, query: { customerId: k.c, limit: 10 } } }),
  );
  return (
    <Card title={t('reco.preview.customerTitle')} id="reco-customer">
      <p class="muted small">{t('reco.preview.customerHint')}</p>
      <Show when={customers.latest} fallback={<SkeletonRows rows={1} cols={2} />}>
        <Show when={(customers.latest?.customers.length ?? 0) > 0} fallback={<p class="muted">{t('reco.preview.noCustomers')}</p>}>
          <div class="inline-form">
            <CustomerPicker
              id="reco-customer-picker"
              label={t('reco.preview.pickCustomer')}
              onPick={setCustomer}
              selected={customer()}
              onClear={() => setCustomer(null)}
            />
          </div>
          <Show when={customer() && lists.latest}>
            {(_) => (
              <div class="grid-2 reco-lists">
                <div>
                  <h3 class="subheading">{t('reco.preview.forYou')}</h3>
                  <RecoList items={lists.latest?.forYou ?? []} empty={t('reco.preview.empty')} />
                </div>
                <div>
                  <h3 class="subheading">{t('reco.preview.discover')}</h3>
                  <RecoList items={lists.latest?.discover ?? []} empty={t('reco.preview.empty')} />
                </div>
              </div>
            )}
          </Show>
        </Show>
      </Show>
    </Card>
  );
}

export default function RecommendationsPage() {
  const s = useStore();
  // Bumped when a training started here finishes: the previews reload under the new model.
  const [model, setModel] = createSignal(0);
  return (
    <div class="page">
      <PageHeader title={t('reco.title')} subtitle={t('reco.subtitle')} />
      <Show when={!s.can('store:update')}>
        <Banner tone="info">{t('reco.readOnly')}</Banner>
      </Show>
      <TrainingCard onTrained={() => setModel(model() + 1)} />
      <ProductPreviewCard model={model()} />
      <CustomerPreviewCard model={model()} />
    </div>
  );
}
