/**
 * Editing a placed order (issue 21): the "Edit order" dialog stages the changes (new quantities of the order's lines,
 * added variants from the product picker) and shows the API's preview of the amount to charge or refund; commit applies
 * it with the merchant's reason. The edit history lists committed edits. docs/design/orders.md, Order editing.
 */
import { createEffect, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { locale, t } from '../i18n/index.ts';
import { api, type OrderDetail, type Product, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { formatDateTime, formatMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';
import { ProductPicker } from './product-picker.tsx';
import { toast } from './toast.tsx';
import { Banner, describedBy, Field, FormModal } from './ui.tsx';

type OrderEdit = Schemas['OrderEdit'];
type Change = OrderEdit['changes'][number];
interface Added {
  variantId: string;
  title: string;
  variantTitle: string | null;
  quantity: number;
}

/** Whether the order can be edited now (the API's rule: open and paid). */
export const canEditOrder = (o: OrderDetail) => o.status === 'open' && (o.paymentStatus === 'paid' || o.paymentStatus === 'partially_refunded');

export function OrderEditDialog(props: { order: OrderDetail; open: boolean; onClose: () => void; onCommitted: () => void }) {
  const s = useStore();
  const path = () => ({ storeId: s.storeId(), orderId: props.order.id });
  const [qty, setQty] = createSignal<Record<string, number>>({});
  const [added, setAdded] = createSignal<Added[]>([]);
  const [picked, setPicked] = createSignal<Product | null>(null);
  const [pickedVariant, setPickedVariant] = createSignal('');
  const [note, setNote] = createSignal('');
  const [edit, setEdit] = createSignal<OrderEdit | null>(null);
  const [previewError, setPreviewError] = createSignal<string | null>(null);
  const [staging, setStaging] = createSignal(false);
  const form = createFormState();
  const money = (n: number) => formatMoney(n, props.order.currency, locale());
  const open = () => props.order.lines.filter((l) => l.quantity > l.refundedQuantity);

  const changes = (): Change[] => [
    ...open()
      .filter((l) => qty()[l.id] !== undefined && qty()[l.id] !== l.quantity - l.refundedQuantity)
      .map((l) => ({ type: 'set_quantity' as const, orderLineId: l.id, quantity: qty()[l.id] ?? 0 })),
    ...added().map((a) => ({ type: 'add' as const, variantId: a.variantId, quantity: a.quantity })),
  ];

  // Reset when the dialog opens.
  createEffect(
    on(
      () => props.open,
      (isOpen) => {
        if (!isOpen) return;
        setQty({});
        setAdded([]);
        setPicked(null);
        setPickedVariant('');
        setNote('');
        setEdit(null);
        setPreviewError(null);
        form.setErrors({});
        form.setFormError(null);
      },
    ),
  );

  // Stage (then replace) the edit as the changes change: the preview is the API's. Calls run one after another, so
  // the first staging's id is known before the next change replaces it (never two staged edits).
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  onCleanup(() => clearTimeout(timer));
  const put = async (list: Change[], reason: string | null) => {
    const current = edit();
    const body = { changes: list, note: reason };
    const r = current
      ? await api.PUT('/stores/{storeId}/orders/{orderId}/edits/{editId}', { params: { path: { ...path(), editId: current.id } }, body })
      : await api.POST('/stores/{storeId}/orders/{orderId}/edits', { params: { path: path() }, body });
    setEdit(r);
    return r;
  };
  const stage = () => {
    const mine = ++seq;
    chain = chain
      .then(async () => {
        const list = changes();
        if (mine !== seq || !list.length) return;
        await put(list, note().trim() || null);
        if (mine === seq) setPreviewError(null);
      })
      .catch((e: Error) => {
        if (mine === seq) setPreviewError(e.message);
      })
      .finally(() => {
        if (mine === seq) setStaging(false);
      });
  };
  createEffect(
    on([qty, added], () => {
      if (!props.open) return;
      clearTimeout(timer);
      if (!changes().length) {
        seq++;
        setStaging(false);
        return;
      }
      setStaging(true);
      timer = setTimeout(stage, 300);
    }),
  );

  const close = () => {
    clearTimeout(timer);
    seq++;
    // A staged edit left behind is discarded (after any staging still running).
    void chain.then(() => {
      const e = edit();
      if (e?.status === 'staged')
        return api.POST('/stores/{storeId}/orders/{orderId}/edits/{editId}/discard', { params: { path: { ...path(), editId: e.id } } }).catch(() => {});
      return undefined;
    });
    props.onClose();
  };

  const addPicked = () => {
    const p = picked();
    const v = p?.variants.find((x) => x.id === pickedVariant());
    if (!p || !v) return;
    const i = added().findIndex((a) => a.variantId === v.id);
    if (i >= 0) setAdded(added().map((a, j) => (j === i ? { ...a, quantity: a.quantity + 1 } : a)));
    else setAdded([...added(), { variantId: v.id, title: p.title, variantTitle: p.variants.length > 1 ? v.title : null, quantity: 1 }]);
    setPicked(null);
    setPickedVariant('');
  };

  const commit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!changes().length) {
      form.setFormError(t('orderEdit.nothing'));
      return;
    }
    if (!note().trim()) {
      form.setErrors({ note: t('orderEdit.reasonRequired') });
      return;
    }
    clearTimeout(timer);
    seq++;
    const r = await form.submit(async () => {
      // After any staging still running: the edit as it is now, with the reason, then commit.
      await chain;
      const staged = await put(changes(), note().trim());
      const committed = await api.POST('/stores/{storeId}/orders/{orderId}/edits/{editId}/commit', { params: { path: { ...path(), editId: staged.id } } });
      return { committed, money: staged.preview };
    });
    if (r) {
      setEdit(r.committed);
      const charge = r.money?.charge ?? 0;
      const refund = r.money?.refund ?? 0;
      toast.success(
        charge && refund
          ? t('orderEdit.committedBoth', { charge: money(charge), refund: money(refund) })
          : charge
            ? t('orderEdit.committedCharge', { amount: money(charge) })
            : refund
              ? t('orderEdit.committedRefund', { amount: money(refund) })
              : t('orderEdit.committed'),
      );
      props.onCommitted();
      props.onClose();
    }
  };

  return (
    <FormModal
      open={props.open}
      wide
      title={t('orderEdit.title', { number: props.order.number })}
      onClose={close}
      formId="order-edit-form"
      formClass="form"
      onSubmit={(e) => void commit(e)}
      submitLabel={t('orderEdit.commit')}
      busy={form.busy() || staging()}
      error={form.formError()}
      canSubmit={s.can('orders:refund')}
    >
      <fieldset class="refund-lines">
        <legend>{t('orderEdit.lines')}</legend>
        <For each={open()}>
          {(l) => (
            <div class="refund-line">
              <label for={`edit-qty-${l.id}`} class="grow">
                {l.title}
                <span class="muted small block">{[l.variantTitle, l.sku, money(l.unitPrice)].filter(Boolean).join(' · ')}</span>
              </label>
              <input
                id={`edit-qty-${l.id}`}
                class="qty-input"
                type="number"
                min="0"
                max={l.quantity - l.refundedQuantity}
                aria-label={t('orderEdit.quantityOf', { title: l.title })}
                value={qty()[l.id] ?? l.quantity - l.refundedQuantity}
                onChange={(e) => {
                  const n = Number(e.currentTarget.value);
                  if (Number.isInteger(n) && n >= 0 && n <= l.quantity - l.refundedQuantity) setQty({ ...qty(), [l.id]: n });
                }}
              />
            </div>
          )}
        </For>
        <For each={added()}>
          {(a, i) => (
            <div class="refund-line">
              <label for={`edit-add-${i()}`} class="grow">
                {a.title}
                <span class="muted small block">{[a.variantTitle, t('orderEdit.new')].filter(Boolean).join(' · ')}</span>
              </label>
              <input
                id={`edit-add-${i()}`}
                class="qty-input"
                type="number"
                min="1"
                max="10000"
                aria-label={t('orderEdit.quantityOf', { title: a.title })}
                value={a.quantity}
                onChange={(e) => {
                  const n = Number(e.currentTarget.value);
                  if (Number.isInteger(n) && n >= 1) setAdded(added().map((x, j) => (j === i() ? { ...x, quantity: n } : x)));
                }}
              />
              <button
                type="button"
                class="button small"
                aria-label={t('orderEdit.removeAdded', { title: a.title })}
                onClick={() => setAdded(added().filter((_, j) => j !== i()))}
              >
                {t('drafts.remove')}
              </button>
            </div>
          )}
        </For>
      </fieldset>
      <div class="inline-form">
        <ProductPicker
          id="edit-product"
          label={t('orderEdit.addProduct')}
          selected={picked()}
          onPick={(p) => {
            setPicked(p);
            setPickedVariant(p.variants.length === 1 ? (p.variants[0]?.id ?? '') : '');
          }}
        />
        <Show when={(picked()?.variants.length ?? 0) > 1}>
          <Field id="edit-variant" label={t('drafts.variant')}>
            <select id="edit-variant" value={pickedVariant()} onChange={(e) => setPickedVariant(e.currentTarget.value)}>
              <option value="">{t('drafts.chooseVariant')}</option>
              <For each={picked()?.variants ?? []}>{(v) => <option value={v.id}>{v.title}</option>}</For>
            </select>
          </Field>
        </Show>
        <button type="button" class="button" disabled={!picked() || !pickedVariant()} onClick={addPicked}>
          {t('drafts.addItem')}
        </button>
      </div>
      <Show when={changes().length > 0 ? edit()?.preview : null}>
        {(p) => (
          <div class="refund-preview" data-testid="edit-preview" role="status">
            <dl class="totals">
              <For each={p().added}>
                {(a) => (
                  <>
                    <dt>{t('orderEdit.addedLine', { quantity: a.quantity, title: a.title })}</dt>
                    <dd>{money(a.total)}</dd>
                  </>
                )}
              </For>
              <For each={p().removed}>
                {(r) => (
                  <>
                    <dt>{t('orderEdit.removedLine', { quantity: r.quantity, title: r.title })}</dt>
                    <dd>−{money(r.amount)}</dd>
                  </>
                )}
              </For>
              <Show when={p().charge > 0}>
                <dt class="total">{t('orderEdit.toCharge')}</dt>
                <dd class="total">{money(p().charge)}</dd>
              </Show>
              <Show when={p().refund > 0}>
                <dt class="total">{t('orderEdit.toRefund')}</dt>
                <dd class="total">{money(p().refund)}</dd>
              </Show>
              <dt>{t('orderEdit.totalAfter')}</dt>
              <dd>
                {money(p().totalBefore)} → {money(p().totalAfter)}
              </dd>
            </dl>
          </div>
        )}
      </Show>
      <Show when={staging()}>
        <p class="muted small">{t('orderEdit.pricing')}</p>
      </Show>
      <Show when={previewError()}>
        <Banner tone="critical">{previewError()}</Banner>
      </Show>
      <Field id="edit-note" label={t('orderEdit.reason')} error={form.errors().note} hint={t('orderEdit.reasonHint')}>
        <textarea
          id="edit-note"
          rows={2}
          maxLength={1000}
          value={note()}
          onInput={(e) => setNote(e.currentTarget.value)}
          {...describedBy('edit-note', form.errors().note, 'x')}
        />
      </Field>
      <Show when={!s.can('orders:refund')}>
        <p class="muted small">{t('orderEdit.noPermission')}</p>
      </Show>
    </FormModal>
  );
}

/** Committed edits of the order, oldest first: when, why, what changed and the totals before and after. */
export function OrderEditHistory(props: { order: OrderDetail; version: number }) {
  const s = useStore();
  const [edits] = createResource(
    () => ({ storeId: s.storeId(), orderId: props.order.id, v: props.version }),
    (q) => api.GET('/stores/{storeId}/orders/{orderId}/edits', { params: { path: { storeId: q.storeId, orderId: q.orderId } } }),
  );
  const money = (n: number) => formatMoney(n, props.order.currency, locale());
  const titleOfLine = (id: string) => props.order.lines.find((l) => l.id === id)?.title ?? '—';
  const titleOfVariant = (id: string) => props.order.lines.find((l) => l.variantId === id)?.title ?? '—';
  const committed = () => (edits.latest?.items ?? []).filter((e) => e.status === 'committed');
  return (
    <Show when={committed().length}>
      <h3 class="subheading">{t('orderEdit.history')}</h3>
      <ol class="timeline" data-testid="edit-history">
        <For each={[...committed()].reverse()}>
          {(e) => (
            <li>
              <span>
                <strong>{t('orderEdit.edited')}</strong>
                <Show when={e.note}>: {e.note}</Show>
                <span class="muted small block">
                  {e.changes
                    .map((c) =>
                      c.type === 'add'
                        ? t('orderEdit.changeAdd', { quantity: c.quantity, title: titleOfVariant(c.variantId) })
                        : t('orderEdit.changeSet', { quantity: c.quantity, title: titleOfLine(c.orderLineId) }),
                    )
                    .join(' · ')}
                </span>
                <Show when={e.totalBefore !== null && e.totalAfter !== null}>
                  <span class="muted small block">{t('orderEdit.historyTotals', { before: money(e.totalBefore ?? 0), after: money(e.totalAfter ?? 0) })}</span>
                </Show>
              </span>
              <time class="muted small" datetime={e.committedAt ?? e.createdAt}>
                {formatDateTime(e.committedAt ?? e.createdAt, locale())}
              </time>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}
