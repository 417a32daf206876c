import { paymentMethodLabel, timelineText } from '../lib/timeline.ts';
import { useParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, on, Show } from 'solid-js';
import { canEditOrder, OrderEditDialog, OrderEditHistory } from '../components/order-edit.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, describedBy, Field, Modal, PageHeader, Skeleton } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, idempotencyKey, type OrderDetail } from '../lib/api.ts';
import { formatDateTime, formatMoney, parseMoney } from '../lib/format.ts';
import { createFormState } from '../lib/form.ts';
import { useStore } from '../lib/store-context.ts';

export default function OrderDetailPage() {
  const s = useStore();
  const params = useParams();
  const [order, { mutate }] = createResource(
    () => ({ id: s.storeId(), orderId: params.orderId ?? '' }),
    (q) => api.GET('/stores/{storeId}/orders/{orderId}', { params: { path: { storeId: q.id, orderId: q.orderId } } }),
  );
  const [fulfilOpen, setFulfilOpen] = createSignal(false);
  const [editOpen, setEditOpen] = createSignal(false);
  const [editVersion, setEditVersion] = createSignal(0);
  const [refundOpen, setRefundOpen] = createSignal(false);
  const [tracking, setTracking] = createSignal('');
  const [carrier, setCarrier] = createSignal('');
  const [refundAmount, setRefundAmount] = createSignal('');
  const [refundReason, setRefundReason] = createSignal('');
  // Refund by line: units per order line (and restock), shipping; the server computes the amount shown before confirming.
  const [refundQty, setRefundQty] = createSignal<Record<string, number>>({});
  const [refundRestock, setRefundRestock] = createSignal<Record<string, boolean>>({});
  const [refundShipping, setRefundShipping] = createSignal(false);
  const refundBody = () => {
    const o = order();
    const currency = o?.currency ?? s.currency();
    const lines = Object.entries(refundQty())
      .filter(([, q]) => q > 0)
      .map(([orderLineId, quantity]) => ({ orderLineId, quantity, restock: refundRestock()[orderLineId] ?? false }));
    const amount = refundAmount().trim() ? parseMoney(refundAmount(), currency) : undefined;
    return {
      ...(lines.length ? { lines } : {}),
      ...(refundShipping() && o && o.shippingRefundable > 0 ? { shipping: o.shippingRefundable } : {}),
      ...(amount !== undefined && amount !== null ? { amount } : {}),
    };
  };
  const [preview, setPreview] = createSignal<{ amount: number; tenders: { provider: number; giftCards: number } } | null>(null);
  const [previewError, setPreviewError] = createSignal<string | null>(null);
  createEffect(
    on([refundQty, refundRestock, refundShipping, refundAmount, refundOpen], () => {
      if (!refundOpen()) return;
      const body = refundBody();
      if (!body.lines && !body.shipping && body.amount === undefined) {
        setPreview(null);
        return;
      }
      api
        .POST('/stores/{storeId}/orders/{orderId}/refund-preview', { params: { path: { storeId: s.storeId(), orderId: params.orderId ?? '' } }, body })
        .then((p) => {
          setPreview(p);
          setPreviewError(null);
        })
        .catch((e: Error) => {
          setPreview(null);
          setPreviewError(e.message);
        });
    }),
  );
  const fulfilForm = createFormState();
  const refundForm = createFormState();
  let refundKey = idempotencyKey();
  const money = (n: number) => formatMoney(n, order()?.currency ?? s.currency(), locale());

  const fulfil = async (e: Event) => {
    e.preventDefault();
    const body = { ...(tracking().trim() ? { trackingNumber: tracking().trim() } : {}), ...(carrier().trim() ? { carrier: carrier().trim() } : {}) };
    const r = await fulfilForm.submit(() =>
      api.POST('/stores/{storeId}/orders/{orderId}/fulfillment', { params: { path: { storeId: s.storeId(), orderId: params.orderId ?? '' } }, body: body }),
    );
    if (r) {
      mutate(r);
      setFulfilOpen(false);
      toast.success(t('orders.fulfilled'));
    }
  };
  const refund = async (e: Event) => {
    e.preventDefault();
    const body = refundBody();
    if (refundAmount().trim() && (body.amount === undefined || body.amount <= 0)) {
      refundForm.setErrors({ amount: t('editor.invalidAmount') });
      return;
    }
    if (!body.lines && !body.shipping && body.amount === undefined) {
      refundForm.setErrors({ amount: t('orders.refundNothing') });
      return;
    }
    const amount = preview()?.amount ?? body.amount ?? 0;
    const r = await refundForm.submit(() =>
      api.POST('/stores/{storeId}/orders/{orderId}/refunds', {
        params: { path: { storeId: s.storeId(), orderId: params.orderId ?? '' } },
        body: { ...body, ...(refundReason().trim() ? { reason: refundReason().trim() } : {}) },
        headers: { 'idempotency-key': refundKey },
      }),
    );
    if (r) {
      mutate(r);
      refundKey = idempotencyKey();
      setRefundQty({});
      setRefundRestock({});
      setRefundShipping(false);
      setRefundOpen(false);
      toast.success(t('orders.refunded', { amount: money(amount) }));
    }
  };

  return (
    <div class="page page-narrow">
      <Show when={!order.error} fallback={<Banner tone="critical">{(order.error as Error)?.message}</Banner>}>
        <Show
          when={order()}
          fallback={
            <Card>
              <Skeleton height="22px" width="40%" />
              <br />
              <Skeleton height="160px" />
            </Card>
          }
        >
          {(o) => (
            <>
              <PageHeader
                title={t('orders.orderNumber', { number: o().number })}
                subtitle={formatDateTime(o().createdAt, locale())}
                back={{ href: s.path('/orders'), label: t('orders.title') }}
                actions={
                  <>
                    <Badge value={o().paymentStatus} />
                    <Badge value={o().fulfillmentStatus} />
                  </>
                }
              />
              <div class="editor">
                <div class="editor-main">
                  <Card
                    title={t('orders.items')}
                    id="items"
                    actions={
                      <div class="card-actions">
                        <Show when={s.can('orders:manage') && canEditOrder(o())}>
                          <button type="button" class="button small" onClick={() => setEditOpen(true)}>
                            {t('orderEdit.open')}
                          </button>
                        </Show>
                        <Show when={s.can('orders:manage') && o().status !== 'cancelled'}>
                          <button
                            type="button"
                            class="button primary small"
                            onClick={() => {
                              setTracking(o().fulfillment?.trackingNumber ?? '');
                              setCarrier(o().fulfillment?.carrier ?? '');
                              setFulfilOpen(true);
                            }}
                          >
                            {o().fulfillment ? t('orders.updateTracking') : t('orders.markFulfilled')}
                          </button>
                        </Show>
                      </div>
                    }
                  >
                    <ul class="line-items">
                      <For each={o().lines}>
                        {(l) => (
                          <li>
                            <Show when={l.imageUrl} fallback={<span class="thumb thumb-empty" aria-hidden="true" />}>
                              <img class="thumb" src={l.imageUrl ?? ''} alt="" />
                            </Show>
                            <span class="grow">
                              {l.title}
                              <span class="muted small block">
                                {[l.variantTitle, l.sku, l.refundedQuantity > 0 ? t('orders.refundedUnits', { count: l.refundedQuantity }) : null]
                                  .filter(Boolean)
                                  .join(' · ')}
                              </span>
                            </span>
                            <span class="muted">
                              {money(l.unitPrice)} × {l.quantity}
                            </span>
                            <span class="num">{money(l.total)}</span>
                          </li>
                        )}
                      </For>
                    </ul>
                    <Show when={o().fulfillment}>
                      {(f) => (
                        <p class="muted small">
                          {t('orders.fulfilledAt', { date: formatDateTime(f().fulfilledAt, locale()) })}
                          <Show when={f().trackingNumber}>
                            {' '}
                            · {t('orders.trackingValue', { carrier: f().carrier ?? '', number: f().trackingNumber ?? '' })}
                          </Show>
                        </p>
                      )}
                    </Show>
                  </Card>
                  <Card
                    title={t('orders.paymentTitle')}
                    id="payment"
                    actions={
                      <Show when={o().payment.canRefund && s.can('orders:refund')}>
                        <button
                          type="button"
                          class="button small"
                          onClick={() => {
                            setRefundAmount('');
                            setRefundOpen(true);
                          }}
                        >
                          {t('orders.refund')}
                        </button>
                      </Show>
                    }
                  >
                    <dl class="totals">
                      <dt>{t('orders.subtotal')}</dt>
                      <dd>{money(o().subtotal)}</dd>
                      <dt>{t('orders.shipping')}</dt>
                      <dd>{money(o().shipping)}</dd>
                      <dt>{t('orders.tax')}</dt>
                      <dd>{money(o().tax)}</dd>
                      <dt class="total">{t('orders.total')}</dt>
                      <dd class="total">{money(o().total)}</dd>
                      <Show when={o().refunded > 0}>
                        <dt>{t('orders.refundedLabel')}</dt>
                        <dd>−{money(o().refunded)}</dd>
                      </Show>
                    </dl>
                    <p class="muted small">{t('orders.paidWith', { provider: paymentMethodLabel(t, o().payment.provider) })}</p>
                  </Card>
                  <Card title={t('orders.timeline')} id="timeline">
                    <ol class="timeline">
                      <For each={o().timeline}>
                        {(ev) => (
                          <li>
                            <span>{timelineText(t, money, ev)}</span>
                            <time class="muted small" datetime={ev.at}>
                              {formatDateTime(ev.at, locale())}
                            </time>
                          </li>
                        )}
                      </For>
                    </ol>
                    <OrderEditHistory order={o()} version={editVersion()} />
                  </Card>
                </div>
                <aside class="editor-side">
                  <Card title={t('orders.customer')} id="customer">
                    <p>
                      {o().customerName ?? '—'}
                      <a class="block" href={`mailto:${o().email}`}>
                        {o().email}
                      </a>
                    </p>
                  </Card>
                  <Card title={t('orders.shippingAddress')} id="address">
                    <Show when={o().shippingAddress} fallback={<p class="muted">{t('orders.noAddress')}</p>}>
                      {(a) => (
                        <address>
                          {a().name}
                          <br />
                          {a().line1}
                          <Show when={a().line2}>
                            <br />
                            {a().line2}
                          </Show>
                          <br />
                          {a().postalCode} {a().city}
                          <Show when={a().region}> {a().region}</Show>
                          <br />
                          {a().country}
                          <Show when={a().phone}>
                            <br />
                            {a().phone}
                          </Show>
                        </address>
                      )}
                    </Show>
                  </Card>
                </aside>
              </div>
              <OrderEditDialog
                order={o()}
                open={editOpen()}
                onClose={() => setEditOpen(false)}
                onCommitted={() => {
                  setEditVersion(editVersion() + 1);
                  // Fetched and swapped in (a refetch would show the page's loading state).
                  void api.GET('/stores/{storeId}/orders/{orderId}', { params: { path: { storeId: s.storeId(), orderId: o().id } } }).then(mutate);
                }}
              />
              <Modal
                open={fulfilOpen()}
                title={t('orders.markFulfilled')}
                onClose={() => setFulfilOpen(false)}
                footer={
                  <>
                    <button type="button" class="button" onClick={() => setFulfilOpen(false)}>
                      {t('common.cancel')}
                    </button>
                    <button type="submit" form="fulfil-form" class="button primary" disabled={fulfilForm.busy()}>
                      {t('orders.markFulfilled')}
                    </button>
                  </>
                }
              >
                <form id="fulfil-form" class="form" onSubmit={fulfil}>
                  <Show when={fulfilForm.formError()}>
                    <Banner tone="critical">{fulfilForm.formError()}</Banner>
                  </Show>
                  <Field id="carrier" label={t('orders.carrier')} error={fulfilForm.errors().carrier}>
                    <input id="carrier" value={carrier()} onInput={(e) => setCarrier(e.currentTarget.value)} />
                  </Field>
                  <Field id="tracking" label={t('orders.trackingNumber')} error={fulfilForm.errors().trackingNumber}>
                    <input id="tracking" value={tracking()} onInput={(e) => setTracking(e.currentTarget.value)} />
                  </Field>
                </form>
              </Modal>
              <Modal
                open={refundOpen()}
                title={t('orders.refund')}
                onClose={() => setRefundOpen(false)}
                footer={
                  <>
                    <button type="button" class="button" onClick={() => setRefundOpen(false)}>
                      {t('common.cancel')}
                    </button>
                    <button type="submit" form="refund-form" class="button danger" disabled={refundForm.busy()}>
                      {t('orders.refund')}
                    </button>
                  </>
                }
              >
                <form id="refund-form" class="form" onSubmit={refund}>
                  <Show when={refundForm.formError()}>
                    <Banner tone="critical">{refundForm.formError()}</Banner>
                  </Show>
                  <fieldset class="refund-lines">
                    <legend>{t('orders.refundByLine')}</legend>
                    <For each={o().lines.filter((l) => l.quantity > l.refundedQuantity)}>
                      {(l) => (
                        <div class="refund-line">
                          <label for={`rq-${l.id}`} class="grow">
                            {l.title}
                            <span class="muted small block">{[l.variantTitle, l.sku].filter(Boolean).join(' · ')}</span>
                          </label>
                          <select
                            id={`rq-${l.id}`}
                            aria-label={t('orders.refundQty', { title: l.title })}
                            value={String(refundQty()[l.id] ?? 0)}
                            onChange={(e) => setRefundQty({ ...refundQty(), [l.id]: Number(e.currentTarget.value) })}
                          >
                            <For each={Array.from({ length: l.quantity - l.refundedQuantity + 1 }, (_, i) => i)}>
                              {(n) => <option value={String(n)}>{n}</option>}
                            </For>
                          </select>
                          <label class="checkbox">
                            <input
                              type="checkbox"
                              checked={refundRestock()[l.id] ?? false}
                              onChange={(e) => setRefundRestock({ ...refundRestock(), [l.id]: e.currentTarget.checked })}
                            />
                            {t('orders.refundRestock')}
                          </label>
                        </div>
                      )}
                    </For>
                    <Show when={o().shippingRefundable > 0}>
                      <label class="checkbox">
                        <input type="checkbox" checked={refundShipping()} onChange={(e) => setRefundShipping(e.currentTarget.checked)} />
                        {t('orders.refundShipping', { amount: money(o().shippingRefundable) })}
                      </label>
                    </Show>
                  </fieldset>
                  <Show when={preview()}>
                    {(p) => (
                      <p class="refund-preview" data-testid="refund-preview" role="status">
                        {t('orders.refundPreview', { amount: money(p().amount), provider: money(p().tenders.provider), cards: money(p().tenders.giftCards) })}
                      </p>
                    )}
                  </Show>
                  <Show when={previewError()}>
                    <Banner tone="critical">{previewError()}</Banner>
                  </Show>
                  <Field
                    id="refund-amount"
                    label={t('orders.refundAmountOptional', { currency: o().currency })}
                    error={refundForm.errors().amount}
                    hint={t('orders.refundable', { amount: money(o().payment.refundable) })}
                  >
                    <input
                      id="refund-amount"
                      inputmode="decimal"
                      value={refundAmount()}
                      onInput={(e) => setRefundAmount(e.currentTarget.value)}
                      {...describedBy('refund-amount', refundForm.errors().amount, 'x')}
                    />
                  </Field>
                  <Field id="refund-reason" label={t('orders.refundReason')} error={refundForm.errors().reason}>
                    <input id="refund-reason" value={refundReason()} onInput={(e) => setRefundReason(e.currentTarget.value)} />
                  </Field>
                </form>
              </Modal>
            </>
          )}
        </Show>
      </Show>
    </div>
  );
}
