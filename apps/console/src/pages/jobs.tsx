import { createResource, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, EmptyState, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api } from '../lib/api.ts';
import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

export interface StoreJob {
  id: string;
  name: string;
  queue: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  /** 0–100 */
  progress: number;
  error: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const STATE_BADGE: Record<string, string> = { waiting: 'queued', active: 'running' };

/** A readable name for known job kinds; others show their technical name. */
function jobLabel(name: string): string {
  const key = `jobs.kind.${name}` as MessageKey;
  const label = t(key);
  return label === key ? name : label;
}

export default function JobsPage() {
  const s = useStore();
  const [jobs, { refetch }] = createResource(s.storeId, (id) =>
    api.get<{ data: StoreJob[]; nextCursor: string | null }>(`/stores/${id}/jobs`, { query: { limit: 50 } }),
  );
  // Running jobs move: refresh while the page is open.
  const timer = setInterval(() => {
    if (jobs()?.data.some((j) => j.state === 'active' || j.state === 'waiting')) refetch();
  }, 2000);
  onCleanup(() => clearInterval(timer));
  const retry = async (j: StoreJob) => {
    try {
      await api.post(`/stores/${s.storeId()}/jobs/${encodeURIComponent(j.id)}/retry`);
      toast.success(t('jobs.retried'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <div class="page">
      <PageHeader title={t('jobs.title')} subtitle={t('jobs.subtitle')} />
      <Card class="table-card">
        <Show when={!jobs.error} fallback={<Banner tone="critical">{(jobs.error as Error)?.message}</Banner>}>
          <Show when={jobs.latest} fallback={<SkeletonRows rows={5} cols={4} />}>
            <Show when={(jobs.latest?.data.length ?? 0) > 0} fallback={<EmptyState icon="jobs" title={t('jobs.emptyTitle')} body={t('jobs.emptyBody')} />}>
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>{t('jobs.job')}</th>
                      <th>{t('jobs.state')}</th>
                      <th class="hide-phone">{t('jobs.progress')}</th>
                      <th class="hide-phone">{t('jobs.created')}</th>
                      <th>
                        <span class="visually-hidden">{t('jobs.actions')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={jobs.latest?.data ?? []}>
                      {(j) => (
                        <tr>
                          <td>
                            <strong>{jobLabel(j.name)}</strong>
                            <Show when={j.error}>
                              <span class="field-error block">{j.error}</span>
                            </Show>
                            <span class="muted small block">{t('jobs.attempts', { count: j.attempts, max: j.maxAttempts })}</span>
                          </td>
                          <td>
                            <Badge value={STATE_BADGE[j.state] ?? j.state} />
                          </td>
                          <td class="hide-phone">
                            <ProgressBar value={j.state === 'completed' ? 1 : j.progress / 100} label={t('jobs.progressOf', { name: j.name })} />
                          </td>
                          <td class="hide-phone">{formatDateTime(j.createdAt, locale())}</td>
                          <td class="num">
                            <Show when={j.state === 'failed' && s.can('jobs:manage')}>
                              <button type="button" class="button small" onClick={() => retry(j)}>
                                {t('jobs.retry')}
                              </button>
                            </Show>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
