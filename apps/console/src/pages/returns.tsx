import { A, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, EmptyState, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { formatDate, formatMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Return = Schemas['Return'];
const STATUSES = ['requested', 'approved', 'received', 'refunded', 'exchanged', 'declined'] as const;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
/** Shopper reasons from the storefront are codes; the merchant API's free text shows as is. */
const reasonLabel = (r: string) => {
  const key = `returns.reason.${r}` as MessageKey;
  const text = t(key);
  return text === key ? r : text;
};

function ReturnDetail(props: { id: string; onClose: () => void; onChanged: () => void }) {
  const s = useStore();
  const path = () => ({ storeId: s.storeId(), returnId: props.id });
  const [ret, { mutate }] = createResource(
    () => props.id,
    () => api.GET('/stores/{storeId}/returns/{returnId}', { params: { path: path() } }),
  );
  const [quote, { refetch: requote }] = createResource(
    () => (ret()?.status === 'received' && !ret()?.resolution ? props.id : null),
    () => api.GET('/stores/{storeId}/returns/{returnId}/refund-quote', { params: { path: path() } }),
  );
  const [note, setNote] = createSignal('');
  const [label, setLabel] = createSignal('');
  const [restock, setRestock] = createSignal<Record<string, boolean>>({});
  const [exchange, setExchange] = createSignal<Record<string, string>>({});
  const form = createFormState();
  const money = (n: number) => formatMoney(n, ret()?.currency ?? s.currency(), locale());
  const done = (r: Return, message: string) => {
    mutate(r);
    toast.success(message);
    props.onChanged();
    void requote();
  };
  const act = async (fn: () => Promise<Return>, message: string) => {
    const r = await form.submit(fn);
    if (r) done(r, message);
  };
  const approve = () =>
    act(
      () =>
        api.POST('/stores/{storeId}/returns/{returnId}/approve', {
          params: { path: path() },
          body: { ...(note().trim() ? { note: note().trim() } : {}), ...(label().trim() ? { labelReference: label().trim() } : {}) },
        }),
      t('returns.approved'),
    );
  const decline = () =>
    act(
      () => api.POST('/stores/{storeId}/returns/{returnId}/decline', { params: { path: path() }, body: note().trim() ? { note: note().trim() } : {} }),
      t('returns.declined'),
    );
  const saveLabel = () =>
    act(
      () => api.POST('/stores/{storeId}/returns/{returnId}/label', { params: { path: path() }, body: { labelReference: label().trim() } }),
      t('returns.labelSaved'),
    );
  const receive = () =>
    act(
      () =>
        api.POST('/stores/{storeId}/returns/{returnId}/receive', {
          params: { path: path() },
          body: { lines: (ret()?.lines ?? []).map((l) => ({ orderLineId: l.orderLineId, restock: restock()[l.orderLineId] ?? true })) },
        }),
      t('returns.received'),
    );
  const refund = () =>
    act(
      async () => {
        const r = await api.POST('/stores/{storeId}/returns/{returnId}/refund', { params: { path: path() }, body: {} });
        return r;
      },
      t('returns.refunded', { amount: money(quote()?.amount ?? 0) }),
    );
  const doExchange = () =>
    act(
      () =>
        api.POST('/stores/{storeId}/returns/{returnId}/exchange', {
          params: { path: path() },
          body: {
            lines: Object.entries(exchange())
              .filter(([, v]) => v.trim())
              .map(([orderLineId, variantId]) => ({ orderLineId, variantId: variantId.trim() })),
          },
        }),
      t('returns.exchanged'),
    );
  const markPaid = () =>
    act(() => api.POST('/stores/{storeId}/returns/{returnId}/exchange-payment', { params: { path: path() }, body: {} }), t('returns.exchanged'));

  return (
    <Modal open wide title={ret() ? t('returns.detail', { number: ret()?.orderNumber ?? '' }) : t('returns.title')} onClose={props.onClose}>
      <Show when={ret()} fallback={<SkeletonRows rows={3} />}>
        {(r) => (
          <div class="form" data-testid="return-detail">
            <Show when={form.formError()}>
              <Banner tone="critical">{form.formError()}</Banner>
            </Show>
            <dl class="status-list">
              <div>
                <dt>{t('returns.status')}</dt>
                <dd>
                  <Badge value={r().status} />
                </dd>
              </div>
              <div>
                <dt>{t('returns.reason')}</dt>
                <dd>{reasonLabel(r().reason)}</dd>
              </div>
              <div>
                <dt>{t('returns.requested')}</dt>
                <dd>{formatDate(r().requestedAt, locale())}</dd>
              </div>
              <div>
                <dt>{t('returns.order')}</dt>
                <dd>
                  <A href={s.path(`/orders/${r().orderId}`)}>#{r().orderNumber}</A>
                </dd>
              </div>
            </dl>
            <Show when={r().customerNote}>
              <p>
                <strong>{t('returns.customerNote')}:</strong> {r().customerNote}
              </p>
            </Show>
            <Show when={r().photos.length}>
              <div class="return-photos">
                <For each={r().photos}>
                  {(_, i) => (
                    <a href={`/api/v1/stores/${s.storeId()}/returns/${r().id}/photos/${i()}`} target="_blank" rel="noopener">
                      <img class="thumb" src={`/api/v1/stores/${s.storeId()}/returns/${r().id}/photos/${i()}`} alt={t('returns.photo', { number: i() + 1 })} />
                    </a>
                  )}
                </For>
              </div>
            </Show>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th>{t('returns.items')}</th>
                    <th class="num">#</th>
                    <Show when={r().status === 'approved' || r().status === 'received' || r().status === 'refunded' || r().status === 'exchanged'}>
                      <th>{t('returns.restock')}</th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={r().lines}>
                    {(l) => (
                      <tr>
                        <td>
                          {l.title}
                          <span class="muted small block">{[l.variantTitle, l.sku].filter(Boolean).join(' · ')}</span>
                          <Show when={r().status === 'received' && !r().resolution && s.can('orders:refund')}>
                            <label class="small block">
                              {t('returns.exchangeVariant', { title: l.title })}
                              <input
                                value={exchange()[l.orderLineId] ?? ''}
                                onInput={(e) => setExchange({ ...exchange(), [l.orderLineId]: e.currentTarget.value })}
                              />
                            </label>
                          </Show>
                        </td>
                        <td class="num">{l.quantity}</td>
                        <Show when={r().status === 'approved'}>
                          <td>
                            <label class="checkbox">
                              <input
                                type="checkbox"
                                checked={restock()[l.orderLineId] ?? true}
                                onChange={(e) => setRestock({ ...restock(), [l.orderLineId]: e.currentTarget.checked })}
                              />
                              {t('returns.restock')}
                            </label>
                          </td>
                        </Show>
                        <Show when={r().status === 'received' || r().status === 'refunded' || r().status === 'exchanged'}>
                          <td>{l.restock ? '✓' : '—'}</td>
                        </Show>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={r().labelReference}>
              <p>
                {t('returns.label')}: <strong>{r().labelReference}</strong>
              </p>
            </Show>
            <Show when={r().merchantNote}>
              <p class="muted">{r().merchantNote}</p>
            </Show>
            <Show when={r().refundAmount !== null && r().status === 'refunded'}>
              <p data-testid="return-refunded">{t('returns.refunded', { amount: money(r().refundAmount ?? 0) })}</p>
            </Show>
            <Show when={r().exchange}>
              {(x) => (
                <p>
                  {x().paymentStatus === 'pending'
                    ? t('returns.exchangePending', { amount: money(x().difference) })
                    : t('returns.exchangeDone', { amount: money(Math.abs(x().difference)) })}
                </p>
              )}
            </Show>
            <Show when={s.can('orders:manage')}>
              <Show when={r().status === 'requested' || r().status === 'approved'}>
                <Field id="return-label" label={t('returns.label')}>
                  <input id="return-label" value={label() || (r().labelReference ?? '')} onInput={(e) => setLabel(e.currentTarget.value)} />
                </Field>
              </Show>
              <Show when={r().status === 'requested'}>
                <Field id="return-note" label={t('returns.note')}>
                  <textarea id="return-note" rows={2} maxLength={2000} value={note()} onInput={(e) => setNote(e.currentTarget.value)} />
                </Field>
              </Show>
            </Show>
            <div class="actions-row">
              <Show when={s.can('orders:manage') && r().status === 'requested'}>
                <button type="button" class="button primary" disabled={form.busy()} onClick={approve}>
                  {t('returns.approve')}
                </button>
                <button type="button" class="button danger" disabled={form.busy()} onClick={decline}>
                  {t('returns.decline')}
                </button>
              </Show>
              <Show when={s.can('orders:manage') && r().status === 'approved'}>
                <button type="button" class="button" disabled={form.busy() || !label().trim()} onClick={saveLabel}>
                  {t('returns.saveLabel')}
                </button>
                <button type="button" class="button primary" disabled={form.busy()} onClick={receive}>
                  {t('returns.receive')}
                </button>
              </Show>
              <Show when={s.can('orders:refund') && r().status === 'received' && !r().resolution}>
                <Show when={quote()}>
                  {(q) => (
                    <p class="muted small block" data-testid="return-quote">
                      {t('returns.refundQuote', { amount: money(q().amount), provider: money(q().tenders.provider), cards: money(q().tenders.giftCards) })}
                    </p>
                  )}
                </Show>
                <button type="button" class="button primary" disabled={form.busy() || !quote()} onClick={refund}>
                  {t('returns.refund', { amount: money(quote()?.amount ?? 0) })}
                </button>
                <button type="button" class="button" disabled={form.busy() || !Object.values(exchange()).some((v) => v.trim())} onClick={doExchange}>
                  {t('returns.exchange')}
                </button>
              </Show>
              <Show when={s.can('orders:refund') && r().exchange?.paymentStatus === 'pending'}>
                <button type="button" class="button" disabled={form.busy()} onClick={markPaid}>
                  {t('returns.markPaid')}
                </button>
              </Show>
            </div>
          </div>
        )}
      </Show>
    </Modal>
  );
}

export default function ReturnsPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const status = () => one(params.status) as (typeof STATUSES)[number] | '';
  const [page, { refetch }] = createResource(
    () => ({ id: s.storeId(), status: status() }),
    (q) => api.GET('/stores/{storeId}/returns', { params: { path: { storeId: q.id }, query: { limit: 100, ...(q.status ? { status: q.status } : {}) } } }),
  );
  const open = () => one(params.return);
  return (
    <div class="page">
      <PageHeader title={t('returns.title')} subtitle={t('returns.subtitle')} />
      <Card>
        <div class="toolbar">
          <label class="visually-hidden" for="return-status">
            {t('returns.status')}
          </label>
          <select id="return-status" value={status()} onChange={(e) => setParams({ status: e.currentTarget.value || undefined })}>
            <option value="">{t('returns.all')}</option>
            <For each={STATUSES}>{(st) => <option value={st}>{t(`status.${st}` as MessageKey)}</option>}</For>
          </select>
        </div>
        <Show when={page()} fallback={<SkeletonRows rows={4} />}>
          {(p) => (
            <Show when={p().items.length} fallback={<EmptyState icon="orders" title={t('returns.emptyTitle')} body={t('returns.emptyBody')} />}>
              <div class="table-wrap">
                <table class="table" data-testid="returns-table">
                  <thead>
                    <tr>
                      <th>{t('returns.order')}</th>
                      <th>{t('returns.status')}</th>
                      <th class="hide-phone">{t('returns.items')}</th>
                      <th class="hide-phone">{t('returns.reason')}</th>
                      <th>{t('returns.requested')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={p().items}>
                      {(r) => (
                        <tr>
                          <td>
                            <button type="button" class="link-button" onClick={() => setParams({ return: r.id })}>
                              #{r.orderNumber}
                            </button>
                          </td>
                          <td>
                            <Badge value={r.status} />
                          </td>
                          <td class="hide-phone">{r.lines.map((l) => `${l.quantity} × ${l.title}`).join(', ')}</td>
                          <td class="hide-phone">{reasonLabel(r.reason)}</td>
                          <td>{formatDate(r.requestedAt, locale())}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          )}
        </Show>
      </Card>
      <Show when={open()}>{(id) => <ReturnDetail id={id()} onClose={() => setParams({ return: undefined })} onChanged={() => void refetch()} />}</Show>
    </div>
  );
}
