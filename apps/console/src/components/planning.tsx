/** Pieces shared by the pricing and reorder pages: "Run now" with live job progress, the price history chart, the forecast sparkline. */
import { createMemo, createSignal, For, onCleanup, Show } from 'solid-js';
import { locale, t } from '../i18n/index.ts';
import type { ForecastDay, PlanningJob, PriceHistory } from '../lib/api.ts';
import { priceSeries } from '../lib/planning.ts';
import { formatDate, formatMoney, formatNumber } from '../lib/format.ts';
import { toast } from './toast.tsx';
import { ProgressBar, Spinner } from './ui.tsx';

/**
 * Starts a run (202 with the queued job: "Queued" shows at once) and follows its progress until it completes or
 * fails. A second click while it is queued or running gets the same job from the API, and the button is disabled.
 */
export function RunNow(props: {
  start: () => Promise<{ jobId: string; state: PlanningJob['state'] }>;
  status: (jobId: string) => Promise<PlanningJob>;
  label: string;
  onDone: (job: PlanningJob) => void;
  disabled?: boolean;
}) {
  const [job, setJob] = createSignal<PlanningJob | null>(null);
  const [busy, setBusy] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const poll = async (jobId: string) => {
    try {
      const j = await props.status(jobId);
      setJob(j);
      if (j.state === 'completed' || j.state === 'failed') {
        setBusy(false);
        if (j.state === 'failed') toast.error(j.failedReason ?? t('planning.runFailed'));
        props.onDone(j);
        return;
      }
    } catch (e) {
      setBusy(false);
      toast.error((e as Error).message);
      return;
    }
    timer = setTimeout(() => void poll(jobId), 700);
  };
  const run = async () => {
    setBusy(true);
    setJob(null);
    try {
      const r = await props.start();
      setJob({ jobId: r.jobId, state: r.state, progress: 0, result: null, failedReason: null });
      void poll(r.jobId);
    } catch (e) {
      setBusy(false);
      toast.error((e as Error).message);
    }
  };
  return (
    <div class="run-now">
      <button type="button" class="button primary" disabled={busy() || props.disabled} onClick={run}>
        <Show when={busy()}>
          <Spinner />
        </Show>
        {props.label}
      </button>
      <Show when={job()}>
        {(j) => (
          <div class="run-status" aria-live="polite">
            <ProgressBar value={j().state === 'completed' ? 1 : j().progress / 100} label={t('planning.runProgress')} />
            <span class="muted small">
              {j().state === 'completed'
                ? t('planning.runDone')
                : j().state === 'failed'
                  ? t('planning.runFailed')
                  : j().state === 'active'
                    ? t('planning.runRunning', { pct: Math.round(j().progress) })
                    : t('planning.runQueued')}
            </span>
          </div>
        )}
      </Show>
    </div>
  );
}

/** SVG chart: the price in effect as steps over time, units sold per day as bars (no chart library). */
export function PriceChart(props: { variant: PriceHistory['variants'][number]; currency: string; today?: string }) {
  const W = 800;
  const H = 240;
  const pad = { l: 84, r: 44, t: 16, b: 34 };
  const data = createMemo(() => priceSeries(props.variant, props.today ?? new Date().toISOString().slice(0, 10)));
  const scales = createMemo(() => {
    const d = data();
    const prices = d.map((x) => x.price);
    let lo = Math.min(...prices);
    let hi = Math.max(...prices);
    if (lo === hi) {
      lo = Math.max(0, lo * 0.9);
      hi = hi * 1.1 || 1;
    }
    const maxUnits = Math.max(1, ...d.map((x) => x.units));
    const iw = W - pad.l - pad.r;
    const ih = H - pad.t - pad.b;
    const bw = iw / Math.max(1, d.length);
    return {
      lo,
      hi,
      maxUnits,
      bw,
      x: (i: number) => pad.l + i * bw,
      yPrice: (p: number) => pad.t + ih - ((p - lo) / (hi - lo)) * ih,
      yUnits: (u: number) => pad.t + ih - (u / maxUnits) * ih * 0.6,
      bottom: pad.t + ih,
    };
  });
  const path = createMemo(() => {
    const d = data();
    const s = scales();
    let out = '';
    d.forEach((p, i) => {
      const y = s.yPrice(p.price).toFixed(1);
      out += i === 0 ? `M${s.x(0).toFixed(1)},${y}` : `V${y}`;
      out += `H${s.x(i + 1).toFixed(1)}`;
    });
    return out;
  });
  const summary = () => {
    const d = data();
    const sold = d.reduce((a, b) => a + b.units, 0);
    return t('pricing.chartSummary', {
      title: props.variant.title,
      from: formatDate(`${d[0]?.day}T00:00:00Z`, locale()),
      to: formatDate(`${d[d.length - 1]?.day}T00:00:00Z`, locale()),
      low: formatMoney(Math.min(...d.map((x) => x.price)), props.currency, locale()),
      high: formatMoney(Math.max(...d.map((x) => x.price)), props.currency, locale()),
      units: sold,
    });
  };
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary()} class="chart-svg">
        <For each={[scales().lo, (scales().lo + scales().hi) / 2, scales().hi]}>
          {(p) => (
            <>
              <line class="chart-grid" x1={pad.l} x2={W - pad.r} y1={scales().yPrice(p)} y2={scales().yPrice(p)} />
              <text class="chart-label" x={pad.l - 6} y={scales().yPrice(p) + 4} text-anchor="end">
                {formatMoney(Math.round(p), props.currency, locale())}
              </text>
            </>
          )}
        </For>
        <text class="chart-label" x={W - pad.r + 6} y={scales().yUnits(scales().maxUnits) + 4}>
          {formatNumber(scales().maxUnits, locale())}
        </text>
        <For each={data()}>
          {(d, i) => (
            <Show when={d.units > 0}>
              <rect
                class="chart-bar"
                x={scales().x(i()) + scales().bw * 0.15}
                width={Math.max(1, scales().bw * 0.7)}
                y={scales().yUnits(d.units)}
                height={scales().bottom - scales().yUnits(d.units)}
              >
                <title>{`${d.day}: ${d.units}`}</title>
              </rect>
            </Show>
          )}
        </For>
        <path class="chart-price" d={path()} />
        <line class="chart-axis" x1={pad.l} x2={W - pad.r} y1={scales().bottom} y2={scales().bottom} />
        <text class="chart-label" x={pad.l} y={H - 6}>
          {formatDate(`${data()[0]?.day}T00:00:00Z`, locale())}
        </text>
        <text class="chart-label" x={W - pad.r} y={H - 6} text-anchor="end">
          {formatDate(`${data()[data().length - 1]?.day}T00:00:00Z`, locale())}
        </text>
      </svg>
      <figcaption class="chart-legend muted small">
        <span class="legend-price" aria-hidden="true" /> {t('pricing.legendPrice')}
        <span class="legend-units" aria-hidden="true" /> {t('pricing.legendUnits')}
      </figcaption>
    </figure>
  );
}

/** A small forecast line (mean) over its 80% band. */
export function Sparkline(props: { days: ForecastDay[]; label: string; width?: number; height?: number }) {
  const W = () => props.width ?? 120;
  const H = () => props.height ?? 32;
  const geo = createMemo(() => {
    const d = props.days;
    const max = Math.max(0.0001, ...d.map((x) => x.upper));
    const x = (i: number) => (d.length <= 1 ? W() / 2 : (i / (d.length - 1)) * (W() - 2) + 1);
    const y = (v: number) => H() - 2 - (v / max) * (H() - 4);
    const upper = d.map((p, i) => `${x(i).toFixed(1)},${y(p.upper).toFixed(1)}`);
    const lower = d.map((p, i) => `${x(i).toFixed(1)},${y(p.lower).toFixed(1)}`).reverse();
    return { band: [...upper, ...lower].join(' '), line: d.map((p, i) => `${x(i).toFixed(1)},${y(p.mean).toFixed(1)}`).join(' ') };
  });
  return (
    <svg class="sparkline" width={W()} height={H()} viewBox={`0 0 ${W()} ${H()}`} role="img" aria-label={props.label}>
      <polygon class="spark-band" points={geo().band} />
      <polyline class="spark-line" points={geo().line} />
    </svg>
  );
}

export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
