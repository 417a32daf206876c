import { createResource, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, EmptyState, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDateTime } from '../lib/format.ts';
import { attemptsLine, deadLetterAttempts } from '../lib/jobs.ts';
import { useStore } from '../lib/store-context.ts';

export type StoreJob = Schemas['StoreJob'];

const STATE_BADGE: Record<string, string> = { waiting: 'queued', active: 'running' };

/** A readable name for known job kinds; others show their technical name. */
function jobLabel(name: string): string {
  const key = `jobs.kind.${name}` as MessageKey;
  const label = t(key);
  return label === key ? name : label;
}

/** Whole-store work with no subject of its own, named as such. */
const WHOLE_CATALOGUE = new Set(['search.reindex-store']);

/** The row's title: the kind's name and what it worked on ("Product import — products.csv"); never an id. */
export function jobTitle(j: Pick<StoreJob, 'name' | 'subject' | 'subjectDeleted'>): string {
  const subject = j.subject ?? (j.subjectDeleted ? t('jobs.subject.deleted') : WHOLE_CATALOGUE.has(j.name) ? t('jobs.subject.allProducts') : null);
  return subject ? `${jobLabel(j.name)} — ${subject}` : jobLabel(j.name);
}

/** "120 of 300" for a job that reports counts, else null. */
export function jobCount(j: Pick<StoreJob, 'progressCount'>): string | null {
  if (!j.progressCount) return null;
  const n = new Intl.NumberFormat(locale());
  return t('jobs.countOf', { done: n.format(j.progressCount.done), all: n.format(j.progressCount.total) });
}

/** What a finished retention run removed ("12 carts · 340 events"), from its counts; null for other jobs. */
export function retentionSummary(j: Pick<StoreJob, 'name' | 'state' | 'result'>): string | null {
  if (j.name !== 'privacy.retention-store' || j.state !== 'completed' || !j.result || typeof j.result !== 'object') return null;
  const parts = Object.entries(j.result as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .map(([k, n]) => {
      const key = `retention.count.${k}` as MessageKey;
      const label = t(key);
      return `${n} ${label === key ? k : label}`;
    });
  return parts.length ? parts.join(' · ') : t('retention.nothing');
}

export default function JobsPage() {
  const s = useStore();
  const [jobs, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/jobs', { params: { path: { storeId: id }, query: { limit: 50 } } }));
  const [depth, { refetch: refetchDepth }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/jobs/depth', { params: { path: { storeId: id } } }));
  const [dead, { refetch: refetchDead }] = createResource(
    () => (s.can('store:update') ? s.storeId() : null),
    (id) => api.GET('/stores/{storeId}/jobs/dead', { params: { path: { storeId: id } } }),
  );
  /** Failed jobs per kind, from the recent jobs list. */
  const failedByKind = () => {
    const counts = new Map<string, number>();
    for (const j of jobs()?.data ?? []) if (j.state === 'failed') counts.set(j.name, (counts.get(j.name) ?? 0) + 1);
    return [...counts];
  };
  // Running jobs move: refresh while the page is open.
  const timer = setInterval(() => {
    if (jobs()?.data.some((j) => j.state === 'active' || j.state === 'waiting')) {
      refetch();
      refetchDepth();
    }
  }, 2000);
  const retryDead = async (ledgerId: string) => {
    try {
      await api.POST('/stores/{storeId}/jobs/{jobId}/retry', { params: { path: { storeId: s.storeId(), jobId: ledgerId } } });
      toast.success(t('jobs.retried'));
      refetch();
      refetchDead();
      refetchDepth();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  onCleanup(() => clearInterval(timer));
  const retry = async (j: StoreJob) => {
    try {
      await api.POST('/stores/{storeId}/jobs/{jobId}/retry', { params: { path: { storeId: s.storeId(), jobId: j.id } } });
      toast.success(t('jobs.retried'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <div class="page">
      <PageHeader title={t('jobs.title')} subtitle={t('jobs.subtitle')} />
      <div class="grid-2">
        <Card title={t('jobs.depthTitle')} id="depth">
          <p class="muted small">{t('jobs.depthHint')}</p>
          <Show when={(depth()?.data.length ?? 0) > 0 || failedByKind().length > 0} fallback={<p class="muted small">{t('jobs.noDepth')}</p>}>
            <div class="table-wrap">
              <table class="table" data-testid="queue-depth">
                <thead>
                  <tr>
                    <th>{t('jobs.queue')}</th>
                    <th class="num">{t('jobs.pending')}</th>
                    <th class="num">{t('jobs.inFlight')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={depth()?.data ?? []}>
                    {(d) => (
                      <tr>
                        <td>{d.queue}</td>
                        <td class="num">{d.pending}</td>
                        <td class="num">{d.inFlight}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={failedByKind().length > 0}>
              <p class="muted small">
                {t('jobs.failedCount')}:{' '}
                {failedByKind()
                  .map(([k, n]) => `${jobLabel(k)} ${n}`)
                  .join(' · ')}
              </p>
            </Show>
          </Show>
        </Card>
        <Show when={s.can('store:update')}>
          <Card title={t('jobs.deadTitle')} id="dead-letters">
            <p class="muted small">{t('jobs.deadHint')}</p>
            <Show when={(dead()?.data.length ?? 0) > 0} fallback={<p class="muted small">{t('jobs.noDead')}</p>}>
              <ul class="token-list" data-testid="dead-letters">
                <For each={dead()?.data ?? []}>
                  {(d) => (
                    <li>
                      <span class="grow">
                        <strong>{jobLabel(d.name)}</strong>
                        <span class="field-error block">{d.failedReason}</span>
                        <span class="muted small block">
                          {deadLetterAttempts(locale(), d)}
                          {d.failedAt ? ` · ${formatDateTime(d.failedAt, locale())}` : ''}
                        </span>
                      </span>
                      <Show when={d.ledgerId && s.can('jobs:manage')}>
                        <button type="button" class="button small" onClick={() => retryDead(d.ledgerId as string)}>
                          {t('jobs.retry')}
                        </button>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Card>
        </Show>
      </div>
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
                            <strong data-testid="job-title">{jobTitle(j)}</strong>
                            <Show when={jobCount(j)}>
                              {(count) => (
                                <span class="small block" data-testid="job-progress-count">
                                  {count()}
                                </span>
                              )}
                            </Show>
                            <Show when={j.error}>
                              <span class="field-error block">{j.error}</span>
                            </Show>
                            <Show when={retentionSummary(j)}>
                              {(text) => (
                                <span class="small block" data-testid="job-counts">
                                  {text()}
                                </span>
                              )}
                            </Show>
                            <span class="muted small block">{attemptsLine(locale(), j.attempts, j.maxAttempts)}</span>
                          </td>
                          <td>
                            <Badge value={STATE_BADGE[j.state] ?? j.state} />
                          </td>
                          <td class="hide-phone">
                            <ProgressBar
                              value={
                                j.state === 'completed'
                                  ? 1
                                  : j.progressCount && j.progressCount.total > 0
                                    ? j.progressCount.done / j.progressCount.total
                                    : j.progress / 100
                              }
                              label={t('jobs.progressOf', { name: jobTitle(j) })}
                            />
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
