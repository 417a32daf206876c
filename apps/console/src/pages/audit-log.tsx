/**
 * Store → Audit log (owners, `audit:read`): who on the team viewed or exported customers' personal data (order
 * details, privacy exports, store exports) and the store's other recorded actions, newest first, 50 a page, filtered
 * by team member and by kind of action. Entries name targets by id, never the personal values.
 */
import { A } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { Banner, Card, EmptyState, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Entry = Schemas['AuditEntry'];

const PAGE = 50;
/** Filter choices: an exact action or a prefix ending in "." (the API's `action`). */
const ACTIONS = ['', 'customer_data.', 'privacy.', 'store.', 'team.', 'user.'] as const;
const FILTER_LABEL: Record<(typeof ACTIONS)[number], MessageKey> = {
  '': 'audit.filter.all',
  'customer_data.': 'audit.filter.customerData',
  'privacy.': 'audit.filter.privacy',
  'store.': 'audit.filter.store',
  'team.': 'audit.filter.team',
  'user.': 'audit.filter.user',
};
/** Plain words for the accesses to personal data; other actions show their code. */
const ACTION_LABEL: Record<string, MessageKey> = {
  'customer_data.viewed': 'audit.action.customerDataViewed',
  'privacy.request_viewed': 'audit.action.privacyRequestViewed',
  'privacy.export_downloaded': 'audit.action.privacyExportDownloaded',
  'store.export_downloaded': 'audit.action.storeExportDownloaded',
};

export default function AuditLogPage() {
  const s = useStore();
  const [actor, setActor] = createSignal('');
  const [action, setAction] = createSignal('');
  // Cursors of the pages seen (for "Newer"), the current one last.
  const [cursors, setCursors] = createSignal<(number | undefined)[]>([undefined]);
  const current = () => cursors()[cursors().length - 1];
  const [team] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/team', { params: { path: { storeId: id } } }));
  const [page] = createResource(
    () => ({ storeId: s.storeId(), actor: actor(), action: action(), before: current() }),
    (q) =>
      api.GET('/stores/{storeId}/audit-log', {
        params: {
          path: { storeId: q.storeId },
          query: { limit: PAGE, ...(q.actor ? { actor: q.actor } : {}), ...(q.action ? { action: q.action } : {}), ...(q.before ? { before: q.before } : {}) },
        },
      }),
  );
  const restart = () => setCursors([undefined]);
  const targetLink = (e: Entry) =>
    e.targetType === 'order' && e.targetId
      ? `/stores/${s.storeId()}/orders/${e.targetId}`
      : e.targetType === 'privacy_request'
        ? `/stores/${s.storeId()}/privacy`
        : null;
  const actionLabel = (a: string) => {
    const key = ACTION_LABEL[a];
    return key ? t(key) : a;
  };
  return (
    <div class="page">
      <PageHeader title={t('audit.title')} subtitle={t('audit.subtitle')} />
      <Card>
        <div class="toolbar">
          <label class="field-inline">
            <span>{t('audit.actor')}</span>
            <select
              value={actor()}
              onChange={(e) => {
                setActor(e.currentTarget.value);
                restart();
              }}
            >
              <option value="">{t('audit.everyone')}</option>
              <For each={team()?.members ?? []}>{(m) => <option value={m.userId}>{m.name}</option>}</For>
            </select>
          </label>
          <label class="field-inline">
            <span>{t('audit.action')}</span>
            <select
              value={action()}
              onChange={(e) => {
                setAction(e.currentTarget.value);
                restart();
              }}
            >
              <For each={ACTIONS}>{(a) => <option value={a}>{t(FILTER_LABEL[a])}</option>}</For>
            </select>
          </label>
        </div>
        <Show when={!page.error} fallback={<Banner tone="critical">{(page.error as Error)?.message}</Banner>}>
          <Show when={page()} fallback={<SkeletonRows rows={5} cols={4} />}>
            <Show when={(page()?.items.length ?? 0) > 0} fallback={<EmptyState icon="user" title={t('audit.emptyTitle')} body={t('audit.emptyBody')} />}>
              <div class="table-wrap">
                <table class="table audit-table" data-testid="audit-log">
                  <caption class="visually-hidden">{t('audit.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('audit.when')}</th>
                      <th scope="col">{t('audit.who')}</th>
                      <th scope="col">{t('audit.what')}</th>
                      <th scope="col" class="hide-phone">
                        {t('audit.target')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={page()?.items ?? []}>
                      {(e) => (
                        <tr>
                          <td>{formatDateTime(e.createdAt, locale())}</td>
                          <td>{e.actorEmail ?? t('audit.system')}</td>
                          <td>
                            {actionLabel(e.action)}
                            <span class="muted small block">
                              <code>{e.action}</code>
                            </span>
                          </td>
                          <td class="hide-phone">
                            <Show when={targetLink(e)} fallback={<span class="muted small">{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</span>}>
                              {(href) => (
                                <A href={href()} class="small">
                                  {e.targetType} {e.targetId?.slice(0, 8)}
                                </A>
                              )}
                            </Show>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
            <div class="form-actions">
              <button type="button" class="button" disabled={cursors().length < 2} onClick={() => setCursors(cursors().slice(0, -1))}>
                {t('audit.newer')}
              </button>
              <button
                type="button"
                class="button"
                disabled={page()?.nextBefore == null}
                onClick={() => {
                  const next = page()?.nextBefore;
                  if (next != null) setCursors([...cursors(), next]);
                }}
              >
                {t('audit.older')}
              </button>
            </div>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
