/**
 * Sales dashboard (issue 21, docs/design/analytics.md): the figures of a date range (UTC days) with the change against
 * the period of the same length before it, net sales over time, the funnel, top products and collections, new vs
 * returning customers and sales by market. Every chart has its numbers in a table behind it; every report has a CSV
 * export. The figures come from the worker's daily aggregates; order changes it has not applied yet show as "Updating…".
 */
import { useSearchParams } from '@solidjs/router';
import type { ChartConfiguration } from 'chart.js';
import { createEffect, createMemo, createResource, For, onCleanup, Show } from 'solid-js';
import { CHART_COLORS, ChartFigure, type DataTable } from '../components/chart.tsx';
import { Banner, Card, EmptyState, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { ApiError, api, type Schemas } from '../lib/api.ts';
import { formatDate, formatMoney, formatNumber, formatPercent } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Report = Schemas['SalesReport'];
type Summary = Schemas['SalesSummary'];

export const PRESETS = ['today', '7d', '30d', '90d', 'ytd', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];
const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The range of a preset, in UTC days (the aggregates' days), ending today. */
export function presetRange(preset: Exclude<Preset, 'custom'>, now: Date = new Date()): { from: string; to: string } {
  const to = iso(now.getTime());
  const back = (days: number) => iso(now.getTime() - (days - 1) * DAY_MS);
  switch (preset) {
    case 'today':
      return { from: to, to };
    case '7d':
      return { from: back(7), to };
    case '30d':
      return { from: back(30), to };
    case '90d':
      return { from: back(90), to };
    case 'ytd':
      return { from: `${to.slice(0, 4)}-01-01`, to };
  }
}

/** Relative change from `before` to `now`; null when there is nothing to compare with. */
export function change(now: number, before: number | undefined): number | null {
  if (before === undefined) return null;
  if (before === 0) return now === 0 ? 0 : null;
  return (now - before) / Math.abs(before);
}

type Metric = { key: keyof Summary; label: MessageKey; money: boolean /** Higher is worse (discounts, returns). */; inverse?: boolean };
const METRICS: Metric[] = [
  { key: 'grossSales', label: 'analytics.grossSales', money: true },
  { key: 'discounts', label: 'analytics.discounts', money: true, inverse: true },
  { key: 'returns', label: 'analytics.returns', money: true, inverse: true },
  { key: 'netSales', label: 'analytics.netSales', money: true },
  { key: 'tax', label: 'analytics.tax', money: true },
  { key: 'shipping', label: 'analytics.shipping', money: true },
  { key: 'totalSales', label: 'analytics.totalSales', money: true },
  { key: 'orders', label: 'analytics.orders', money: false },
  { key: 'averageOrderValue', label: 'analytics.aov', money: true },
  { key: 'units', label: 'analytics.units', money: false },
];
const EXPORTS = ['daily', 'products', 'collections', 'markets'] as const;
type ExportReport = (typeof EXPORTS)[number];
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

function Change(props: { now: number; before: number | undefined; inverse?: boolean | undefined; format: (n: number) => string }) {
  const c = () => change(props.now, props.before);
  const tone = () => {
    const v = c();
    if (v === null || v === 0) return 'flat';
    return v > 0 !== Boolean(props.inverse) ? 'good' : 'bad';
  };
  return (
    <Show when={props.before !== undefined}>
      <span class={`delta delta-${tone()}`}>
        <Show when={c() !== null} fallback={<span>{t('analytics.noComparison')}</span>}>
          {/* The arrow and the sign say the direction; the colour only repeats it. */}
          <span aria-hidden="true">{(c() ?? 0) > 0 ? '▲ ' : (c() ?? 0) < 0 ? '▼ ' : '● '}</span>
          <span>
            {(c() ?? 0) > 0 ? '+' : (c() ?? 0) < 0 ? '−' : '±'}
            {formatPercent(Math.abs(c() ?? 0), locale())}
          </span>
        </Show>
        <span class="delta-prev"> {t('analytics.vsPrevious', { value: props.format(props.before ?? 0) })}</span>
      </span>
    </Show>
  );
}

export default function AnalyticsPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const preset = (): Preset => {
    const p = one(params.range) as Preset;
    return PRESETS.includes(p) ? p : '30d';
  };
  const compare = () => one(params.compare) !== 'none';
  const range = () => {
    const p = preset();
    if (p !== 'custom') return presetRange(p);
    const fallback = presetRange('30d');
    const from = one(params.from);
    const to = one(params.to);
    return { from: DAY_RE.test(from) ? from : fallback.from, to: DAY_RE.test(to) ? to : fallback.to };
  };
  const money = (n: number) => formatMoney(n, data()?.currency ?? s.currency(), locale());
  const num = (n: number) => formatNumber(n, locale());
  const day = (d: string) => formatDate(`${d}T12:00:00Z`, locale());

  // Whether the store has ever had an order: without one, the dashboard is an empty state.
  const [anyOrder] = createResource(
    () => s.storeId(),
    async (id) => (await api.GET('/stores/{storeId}/orders', { params: { path: { storeId: id }, query: { limit: 1 } } })).items.length > 0,
  );
  const [report, { refetch }] = createResource(
    () => ({ storeId: s.storeId(), ...range(), compare: compare() }),
    async (q) => {
      try {
        return {
          ok: true as const,
          data: await api.GET('/stores/{storeId}/analytics/sales', {
            params: { path: { storeId: q.storeId }, query: { from: q.from, to: q.to, compare: q.compare ? 'previous_period' : 'none', top: 10 } },
          }),
        };
      } catch (e) {
        if (e instanceof ApiError && e.status === 400) return { ok: false as const, error: e.message };
        throw e;
      }
    },
  );
  const data = createMemo((): Report | undefined => {
    const r = report.latest;
    return r?.ok ? r.data : undefined;
  });
  // While order changes wait for the worker, look again every 10 s.
  let timer: ReturnType<typeof setTimeout> | undefined;
  createEffect(() => {
    clearTimeout(timer);
    if ((data()?.pendingOrders ?? 0) > 0) timer = setTimeout(() => void refetch(), 10_000);
  });
  onCleanup(() => clearTimeout(timer));

  const exportHref = (report: ExportReport) => {
    const r = range();
    return `/api/v1/stores/${s.storeId()}/analytics/export?${new URLSearchParams({ from: r.from, to: r.to, report })}`;
  };
  const ExportLink = (props: { report: ExportReport }) => (
    <a class="button small" href={exportHref(props.report)} download="" data-testid={`export-${props.report}`}>
      {t('analytics.exportCsv')}
      <span class="visually-hidden"> {t(`analytics.export.${props.report}` as MessageKey)}</span>
    </a>
  );

  const setPreset = (p: Preset) => {
    if (p === 'custom') {
      const r = range();
      setParams({ range: p, from: r.from, to: r.to });
    } else setParams({ range: p, from: undefined, to: undefined });
  };

  // ---- Charts and their tables ----
  const salesConfig = (r: Report): ChartConfiguration<'line'> => ({
    type: 'line',
    data: {
      labels: r.daily.map((d) => day(d.day)),
      datasets: [
        {
          label: t('analytics.thisPeriod'),
          data: r.daily.map((d) => d.netSales),
          borderColor: CHART_COLORS.current,
          backgroundColor: CHART_COLORS.current,
          pointRadius: r.daily.length > 40 ? 0 : 2,
          borderWidth: 2,
        },
        ...(r.previousDaily
          ? [
              {
                label: t('analytics.previousPeriod'),
                data: r.previousDaily.map((d) => d.netSales),
                borderColor: CHART_COLORS.previous,
                backgroundColor: CHART_COLORS.previous,
                borderDash: [6, 4],
                pointRadius: 0,
                borderWidth: 2,
              },
            ]
          : []),
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 8, maxRotation: 0 }, grid: { display: false } },
        y: { beginAtZero: true, grid: { color: CHART_COLORS.grid }, ticks: { callback: (v) => money(Number(v)) } },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(Number(c.raw))}` } } },
    },
  });
  const salesTable = (r: Report): DataTable => ({
    caption: t('analytics.netOverTime'),
    head: [
      t('analytics.day'),
      t('analytics.orders'),
      t('analytics.grossSales'),
      t('analytics.netSales'),
      ...(r.previousDaily ? [t('analytics.previousDay'), t('analytics.previousNet')] : []),
    ],
    numeric: [1, 2, 3, 5],
    rows: r.daily.map((d, i) => {
      const p = r.previousDaily?.[i];
      return [day(d.day), num(d.orders), money(d.grossSales), money(d.netSales), ...(p ? [day(p.day), money(p.netSales)] : [])];
    }),
  });
  const barConfig = (
    labels: string[],
    current: number[],
    previous: number[] | null,
    opts: { horizontal?: boolean; money?: boolean } = {},
  ): ChartConfiguration<'bar'> => ({
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: t('analytics.thisPeriod'), data: current, backgroundColor: CHART_COLORS.current },
        ...(previous ? [{ label: t('analytics.previousPeriod'), data: previous, backgroundColor: CHART_COLORS.previous }] : []),
      ],
    },
    options: {
      indexAxis: opts.horizontal ? 'y' : 'x',
      scales: {
        [opts.horizontal ? 'x' : 'y']: {
          beginAtZero: true,
          grid: { color: CHART_COLORS.grid },
          ticks: {
            maxTicksLimit: 6,
            ...(opts.money ? {} : { precision: 0 }),
            callback: (v: string | number) => (opts.money ? money(Number(v)) : num(Number(v))),
          },
        },
        [opts.horizontal ? 'y' : 'x']: { grid: { display: false } },
      },
      plugins: {
        legend: { display: previous !== null },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${opts.money ? money(Number(c.raw)) : num(Number(c.raw))}` } },
      },
    },
  });
  const FUNNEL = ['sessions', 'productViews', 'addToCart', 'checkouts', 'orders'] as const;
  const funnelTable = (r: Report): DataTable => ({
    caption: t('analytics.funnel'),
    head: [t('analytics.step'), t('analytics.shoppers'), t('analytics.ofPreviousStep'), ...(r.previousFunnel ? [t('analytics.previousPeriod')] : [])],
    numeric: [1, 2, 3],
    rows: FUNNEL.map((k, i) => {
      const prevStep = i ? r.funnel[FUNNEL[i - 1] as (typeof FUNNEL)[number]] : 0;
      return [
        t(`analytics.funnel.${k}` as MessageKey),
        num(r.funnel[k]),
        i && prevStep ? formatPercent(r.funnel[k] / prevStep, locale()) : '—',
        ...(r.previousFunnel ? [num(r.previousFunnel[k])] : []),
      ];
    }),
  });

  return (
    <div class="page analytics">
      <PageHeader title={t('analytics.title')} subtitle={t('analytics.subtitle')} />
      <Show when={anyOrder() !== undefined} fallback={<SkeletonRows rows={4} />}>
        <Show
          when={anyOrder()}
          fallback={
            <Card>
              <EmptyState icon="orders" title={t('analytics.emptyTitle')} body={t('analytics.emptyBody')} />
            </Card>
          }
        >
          <fieldset class="card analytics-controls">
            <legend class="visually-hidden">{t('analytics.dateRange')}</legend>
            <div class="field">
              <label for="analytics-range">{t('analytics.dateRange')}</label>
              <select id="analytics-range" value={preset()} onChange={(e) => setPreset(e.currentTarget.value as Preset)}>
                <For each={PRESETS}>{(p) => <option value={p}>{t(`analytics.preset.${p}` as MessageKey)}</option>}</For>
              </select>
            </div>
            <Show when={preset() === 'custom'}>
              <div class="field">
                <label for="analytics-from">{t('analytics.from')}</label>
                <input
                  id="analytics-from"
                  type="date"
                  value={range().from}
                  max={range().to}
                  onChange={(e) => e.currentTarget.value && setParams({ from: e.currentTarget.value })}
                />
              </div>
              <div class="field">
                <label for="analytics-to">{t('analytics.to')}</label>
                <input
                  id="analytics-to"
                  type="date"
                  value={range().to}
                  min={range().from}
                  onChange={(e) => e.currentTarget.value && setParams({ to: e.currentTarget.value })}
                />
              </div>
            </Show>
            <label class="checkbox">
              <input type="checkbox" checked={compare()} onChange={(e) => setParams({ compare: e.currentTarget.checked ? undefined : 'none' })} />
              {t('analytics.compare')}
            </label>
            <p class="muted small analytics-range-text" data-testid="analytics-range">
              {t('analytics.rangeText', { from: day(range().from), to: day(range().to) })}
              <Show when={data()?.previousRange}>{(p) => <> · {t('analytics.comparedWith', { from: day(p().from), to: day(p().to) })}</>}</Show>
            </p>
          </fieldset>

          <Show
            when={(() => {
              const r = report.latest;
              return r && !r.ok ? r.error : undefined;
            })()}
          >
            {(message) => <Banner tone="critical">{message()}</Banner>}
          </Show>
          <div role="status" class="analytics-status">
            <Show when={(data()?.pendingOrders ?? 0) > 0}>
              <span class="badge badge-warning" data-testid="analytics-updating">
                {t('analytics.updating')}
              </span>{' '}
              <span class="muted small">{t('analytics.pending', { n: data()?.pendingOrders ?? 0 })}</span>
            </Show>
          </div>

          <Show when={data()} fallback={<SkeletonRows rows={6} />}>
            {(r) => (
              <div class={report.loading ? 'is-refreshing' : undefined} aria-busy={report.loading}>
                <ul class="metric-grid" aria-label={t('analytics.summary')}>
                  <For each={METRICS}>
                    {(m) => {
                      const f = (n: number) => (m.money ? money(n) : num(n));
                      return (
                        <li class="metric" data-testid={`metric-${m.key}`}>
                          <span class="metric-label">{t(m.label)}</span>
                          <span class="metric-value" data-testid={`metric-${m.key}-value`}>
                            {f(r().summary[m.key])}
                          </span>
                          <Change now={r().summary[m.key]} before={r().previous?.[m.key]} inverse={m.inverse} format={f} />
                        </li>
                      );
                    }}
                  </For>
                </ul>

                <Card title={t('analytics.netOverTime')} actions={<ExportLink report="daily" />}>
                  <ChartFigure
                    id="chart-net"
                    testId="chart-net"
                    height={260}
                    label={t('analytics.netOverTimeLabel')}
                    config={() => salesConfig(r())}
                    table={() => salesTable(r())}
                  />
                </Card>

                <div class="analytics-grid">
                  <Card title={t('analytics.funnel')}>
                    <ChartFigure
                      id="chart-funnel"
                      label={t('analytics.funnelLabel')}
                      config={() =>
                        barConfig(
                          FUNNEL.map((k) => t(`analytics.funnel.${k}` as MessageKey)),
                          FUNNEL.map((k) => r().funnel[k]),
                          r().previousFunnel ? FUNNEL.map((k) => r().previousFunnel?.[k] ?? 0) : null,
                          { horizontal: true },
                        )
                      }
                      table={() => funnelTable(r())}
                    />
                  </Card>
                  <Card title={t('analytics.customers')}>
                    <ChartFigure
                      id="chart-customers"
                      label={t('analytics.customersLabel')}
                      config={() =>
                        barConfig(
                          [t('analytics.newCustomers'), t('analytics.returningCustomers')],
                          [r().summary.newCustomers, r().summary.returningCustomers],
                          r().previous ? [r().previous?.newCustomers ?? 0, r().previous?.returningCustomers ?? 0] : null,
                        )
                      }
                      table={() => ({
                        caption: t('analytics.customers'),
                        head: [t('analytics.customerType'), t('analytics.orders'), ...(r().previous ? [t('analytics.previousPeriod')] : [])],
                        numeric: [1, 2],
                        rows: [
                          [t('analytics.newCustomers'), num(r().summary.newCustomers), ...(r().previous ? [num(r().previous?.newCustomers ?? 0)] : [])],
                          [
                            t('analytics.returningCustomers'),
                            num(r().summary.returningCustomers),
                            ...(r().previous ? [num(r().previous?.returningCustomers ?? 0)] : []),
                          ],
                        ],
                      })}
                    />
                  </Card>
                </div>

                <div class="analytics-grid">
                  <Card title={t('analytics.topProducts')} actions={<ExportLink report="products" />}>
                    <Show when={r().topProducts.length} fallback={<p class="muted">{t('analytics.noSales')}</p>}>
                      <ChartFigure
                        id="chart-products"
                        label={t('analytics.topProductsLabel')}
                        height={Math.max(160, r().topProducts.length * 30)}
                        config={() =>
                          barConfig(
                            r().topProducts.map((p) => p.title),
                            r().topProducts.map((p) => p.netSales),
                            null,
                            { horizontal: true, money: true },
                          )
                        }
                        table={() => ({
                          caption: t('analytics.topProducts'),
                          head: [
                            t('analytics.product'),
                            t('analytics.orders'),
                            t('analytics.units'),
                            t('analytics.grossSales'),
                            t('analytics.discounts'),
                            t('analytics.netSales'),
                          ],
                          numeric: [1, 2, 3, 4, 5],
                          rows: r().topProducts.map((p) => [p.title, num(p.orders), num(p.units), money(p.grossSales), money(p.discounts), money(p.netSales)]),
                        })}
                      />
                    </Show>
                  </Card>
                  <Card title={t('analytics.topCollections')} actions={<ExportLink report="collections" />}>
                    <Show when={r().topCollections.length} fallback={<p class="muted">{t('analytics.noSales')}</p>}>
                      <ChartFigure
                        id="chart-collections"
                        label={t('analytics.topCollectionsLabel')}
                        height={Math.max(160, r().topCollections.length * 30)}
                        config={() =>
                          barConfig(
                            r().topCollections.map((c) => c.title),
                            r().topCollections.map((c) => c.netSales),
                            null,
                            { horizontal: true, money: true },
                          )
                        }
                        table={() => ({
                          caption: t('analytics.topCollections'),
                          head: [t('analytics.collection'), t('analytics.units'), t('analytics.grossSales'), t('analytics.discounts'), t('analytics.netSales')],
                          numeric: [1, 2, 3, 4],
                          rows: r().topCollections.map((c) => [c.title, num(c.units), money(c.grossSales), money(c.discounts), money(c.netSales)]),
                        })}
                      />
                    </Show>
                  </Card>
                </div>

                <Card title={t('analytics.markets')} actions={<ExportLink report="markets" />}>
                  <Show when={r().markets.length} fallback={<p class="muted">{t('analytics.noSales')}</p>}>
                    <ChartFigure
                      id="chart-markets"
                      label={t('analytics.marketsLabel')}
                      height={Math.max(140, r().markets.length * 36)}
                      config={() =>
                        barConfig(
                          r().markets.map((m) => `${m.market} (${m.currency})`),
                          r().markets.map((m) => m.netSales),
                          null,
                          { horizontal: true, money: true },
                        )
                      }
                      table={() => ({
                        caption: t('analytics.markets'),
                        head: [
                          t('analytics.market'),
                          t('analytics.currency'),
                          t('analytics.orders'),
                          t('analytics.marketGross'),
                          t('analytics.marketNet'),
                          t('analytics.storeNet'),
                        ],
                        numeric: [2, 3, 4, 5],
                        rows: r().markets.map((m) => [
                          m.market,
                          m.currency,
                          num(m.orders),
                          formatMoney(m.presentmentGrossSales, m.currency, locale()),
                          formatMoney(m.presentmentNetSales, m.currency, locale()),
                          money(m.netSales),
                        ]),
                      })}
                    />
                  </Show>
                </Card>
              </div>
            )}
          </Show>
        </Show>
      </Show>
    </div>
  );
}
