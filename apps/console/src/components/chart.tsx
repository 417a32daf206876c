/**
 * A Chart.js canvas with its data as a table behind it (issue 21): the canvas is an image with a short description,
 * the numbers are in a `<details>` table right below ("Show data table"), so nothing is only in the picture.
 * Only the pieces the console draws are registered (line and bar charts), so the bundle stays small.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { createEffect, For, type JSX, onCleanup } from 'solid-js';
import { t } from '../i18n/index.ts';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#5a6270';

export const CHART_COLORS = { current: '#214bd6', previous: '#8a94a3', grid: '#e2e5ea' };

export interface DataTable {
  caption: string;
  head: string[];
  rows: (string | number)[][];
  /** Columns (by index) that are numbers: right-aligned. */
  numeric?: number[];
}

export function ChartFigure(props: {
  id: string;
  /** What the chart shows, for screen readers (the canvas is an image). */
  label: string;
  config: () => ChartConfiguration<'line' | 'bar'>;
  table: () => DataTable;
  height?: number;
  testId?: string;
}): JSX.Element {
  let canvas: HTMLCanvasElement | undefined;
  let chart: Chart | undefined;
  createEffect(() => {
    const config = props.config();
    chart?.destroy();
    if (!canvas) return;
    // No animation: charts appear at once (and nothing moves for people who asked for less motion).
    chart = new Chart(canvas, {
      ...config,
      options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options },
    } as ChartConfiguration);
  });
  onCleanup(() => chart?.destroy());
  const numeric = (i: number) => props.table().numeric?.includes(i) ?? false;
  return (
    <figure class="chart" data-testid={props.testId}>
      <div class="chart-box" style={{ height: `${props.height ?? 240}px` }}>
        <canvas ref={canvas} role="img" aria-label={props.label} id={props.id} />
      </div>
      <details class="chart-data">
        <summary>{t('analytics.showTable')}</summary>
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{props.table().caption}</caption>
            <thead>
              <tr>
                <For each={props.table().head}>
                  {(h, i) => (
                    <th scope="col" class={numeric(i()) ? 'num' : undefined}>
                      {h}
                    </th>
                  )}
                </For>
              </tr>
            </thead>
            <tbody>
              <For each={props.table().rows}>
                {(row) => (
                  <tr>
                    <For each={row}>{(cell, i) => (i() === 0 ? <th scope="row">{cell}</th> : <td class={numeric(i()) ? 'num' : undefined}>{cell}</td>)}</For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
