/**
 * Customers → Privacy: shoppers' export and erasure requests (GDPR arts. 15 and 17, CCPA) with their statutory
 * deadline. Requests from the storefront wait here until approved; a complex one can have its deadline extended once
 * by two months with the reason the shopper is told. Owner/admin (privacy:manage); every view and download is
 * written to the store's audit log.
 */
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, describedBy, EmptyState, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type PrivacyRequest = Schemas['PrivacyRequest'];

const DAY = 86_400_000;

/** Days until the deadline (negative: overdue). */
const daysLeft = (r: PrivacyRequest) => Math.ceil((new Date(r.dueAt).getTime() - Date.now()) / DAY);

export default function PrivacyPage() {
  const s = useStore();
  const [requests, { refetch }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/privacy-requests', { params: { path: { storeId: id }, query: {} } }),
  );
  const [extending, setExtending] = createSignal<PrivacyRequest | null>(null);
  const [reason, setReason] = createSignal('');
  const [reasonError, setReasonError] = createSignal<string | undefined>();
  const [busy, setBusy] = createSignal<string | null>(null);
  // Running requests move: refresh while the page is open.
  const timer = setInterval(() => {
    if (requests()?.items.some((r) => r.status === 'running' || (r.status === 'pending' && !r.awaitingApproval))) refetch();
  }, 2000);
  onCleanup(() => clearInterval(timer));

  const params = (r: PrivacyRequest) => ({ params: { path: { storeId: s.storeId(), privacyRequestId: r.id } } });
  const act = async (r: PrivacyRequest, what: 'approve' | 'retry') => {
    setBusy(r.id);
    try {
      if (what === 'approve') await api.POST('/stores/{storeId}/privacy-requests/{privacyRequestId}/approve', params(r));
      else await api.POST('/stores/{storeId}/privacy-requests/{privacyRequestId}/retry', params(r));
      toast.success(t(what === 'approve' ? 'privacy.approved' : 'privacy.retried'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const extend = async (e: Event) => {
    e.preventDefault();
    const r = extending();
    if (!r) return;
    if (reason().trim().length < 10) {
      setReasonError(t('privacy.reasonTooShort'));
      return;
    }
    try {
      await api.POST('/stores/{storeId}/privacy-requests/{privacyRequestId}/extend', { ...params(r), body: { reason: reason().trim() } });
      toast.success(t('privacy.extended'));
      setExtending(null);
      refetch();
    } catch (err) {
      setReasonError((err as Error).message);
    }
  };
  const statusOf = (r: PrivacyRequest) => (r.awaitingApproval ? 'awaiting' : r.status);

  return (
    <div class="page">
      <PageHeader title={t('privacy.title')} subtitle={t('privacy.subtitle')} />
      <Show when={s.can('privacy:manage')} fallback={<Banner tone="info">{t('privacy.noPermission')}</Banner>}>
        <Card class="table-card">
          <Show when={!requests.error} fallback={<Banner tone="critical">{(requests.error as Error)?.message}</Banner>}>
            <Show when={requests.latest} fallback={<SkeletonRows rows={4} cols={5} />}>
              <Show
                when={(requests.latest?.items.length ?? 0) > 0}
                fallback={<EmptyState icon="user" title={t('privacy.emptyTitle')} body={t('privacy.emptyBody')} />}
              >
                <div class="table-wrap">
                  <table class="table" data-testid="privacy-requests">
                    <thead>
                      <tr>
                        <th>{t('privacy.request')}</th>
                        <th>{t('privacy.status')}</th>
                        <th class="hide-phone">{t('privacy.requestedAt')}</th>
                        <th>{t('privacy.deadline')}</th>
                        <th>
                          <span class="visually-hidden">{t('privacy.actions')}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={requests.latest?.items ?? []}>
                        {(r) => (
                          <tr data-request-id={r.id}>
                            <td>
                              <strong>{t(r.kind === 'export' ? 'privacy.kind.export' : 'privacy.kind.erasure')}</strong>
                              <span class="muted small block">{r.email ?? t('privacy.erasedAddress')}</span>
                              <span class="muted small block">{t(`privacy.source.${r.source}`)}</span>
                            </td>
                            <td>
                              <Badge value={statusOf(r) === 'awaiting' ? 'pending' : r.status} label={t(`privacy.state.${statusOf(r)}`)} />
                              <Show when={r.error}>
                                <span class="field-error block small">{r.error}</span>
                              </Show>
                            </td>
                            <td class="hide-phone">{formatDateTime(r.createdAt, locale())}</td>
                            <td>
                              <span class="block">{formatDateTime(r.dueAt, locale())}</span>
                              <Show when={r.status !== 'completed'}>
                                <span class={`small block ${daysLeft(r) < 0 ? 'field-error' : daysLeft(r) <= 7 ? 'warning-text' : 'muted'}`}>
                                  {daysLeft(r) < 0 ? t('privacy.overdue', { n: -daysLeft(r) }) : t('privacy.daysLeft', { n: daysLeft(r) })}
                                </span>
                              </Show>
                              <Show when={r.extendedAt}>
                                <span class="muted small block" title={r.extensionReason ?? ''}>
                                  {t('privacy.extendedNote')}
                                </span>
                              </Show>
                            </td>
                            <td class="row-actions">
                              <Show when={r.awaitingApproval}>
                                <button type="button" class="button small primary" disabled={busy() === r.id} onClick={() => act(r, 'approve')}>
                                  {t(r.kind === 'export' ? 'privacy.approveExport' : 'privacy.approveErasure')}
                                </button>
                              </Show>
                              <Show when={r.status === 'failed'}>
                                <button type="button" class="button small" disabled={busy() === r.id} onClick={() => act(r, 'retry')}>
                                  {t('privacy.retry')}
                                </button>
                              </Show>
                              <Show when={r.status !== 'completed' && !r.extendedAt && daysLeft(r) >= 0}>
                                <button
                                  type="button"
                                  class="button small"
                                  onClick={() => {
                                    setReason('');
                                    setReasonError(undefined);
                                    setExtending(r);
                                  }}
                                >
                                  {t('privacy.extend')}
                                </button>
                              </Show>
                              <Show when={r.downloadUrl}>
                                <a class="button small" href={`/api/v1/stores/${s.storeId()}/privacy-requests/${r.id}/export`} download="">
                                  {t('privacy.download')}
                                </a>
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
        <p class="muted small">{t('privacy.lawNote')}</p>
      </Show>
      <Modal
        open={extending() !== null}
        title={t('privacy.extendTitle')}
        onClose={() => setExtending(null)}
        footer={
          <>
            <button type="button" class="button" onClick={() => setExtending(null)}>
              {t('common.cancel')}
            </button>
            <button type="submit" form="privacy-extend" class="button primary">
              {t('privacy.extend')}
            </button>
          </>
        }
      >
        <form id="privacy-extend" onSubmit={extend}>
          <p class="muted small">{t('privacy.extendHint')}</p>
          <Field id="privacy-extend-reason" label={t('privacy.reason')} error={reasonError()}>
            <textarea
              id="privacy-extend-reason"
              {...describedBy('privacy-extend-reason', reasonError())}
              rows={4}
              maxLength={1000}
              value={reason()}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </Field>
        </form>
      </Modal>
    </div>
  );
}
