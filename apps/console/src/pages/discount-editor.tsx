import { useNavigate, useParams, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createResource, createSignal, For, on, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, Field, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { type DiscountInput, discountSummary } from '../lib/discount-summary.ts';
import { createFormState } from '../lib/form.ts';
import { formatMoney, formatNumber, minorToInput, parseMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Discount = Schemas['Discount'];
type Kind = Discount['kind'];
type TargetMode = 'all' | 'products' | 'collections';
interface Target {
  mode: TargetMode;
  productIds: string[];
  collectionIds: string[];
}
interface Draft {
  automatic: boolean;
  title: string;
  code: string;
  kind: Kind;
  percent: string;
  amount: string;
  target: Target;
  buyQuantity: string;
  buy: Target;
  getQuantity: string;
  get: Target;
  getPercent: string;
  minSubtotal: string;
  usageLimit: string;
  oncePerCustomer: boolean;
  startsAt: string;
  endsAt: string;
  combines: { order: boolean; product: boolean; shipping: boolean };
}

const KINDS: Kind[] = ['percentage', 'fixed_amount', 'free_shipping', 'buy_x_get_y'];
const targetOf = (productIds?: string[] | null, collectionIds?: string[] | null): Target => ({
  mode: productIds?.length ? 'products' : collectionIds?.length ? 'collections' : 'all',
  productIds: productIds ?? [],
  collectionIds: collectionIds ?? [],
});
/** An instant as a datetime-local value in the browser's zone, and back. */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : null);
const randomCode = () => {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
};

function toDraft(d: Discount | undefined, currency: string, copy = false): Draft {
  return {
    automatic: d?.automatic ?? false,
    title: d ? (copy ? t('discounts.copyOf', { title: d.title }) : d.title) : '',
    code: d?.code && !copy ? d.code : copy && d?.code ? `${d.code}-2` : '',
    kind: d?.kind ?? 'percentage',
    percent: d?.kind === 'percentage' ? String(d.value) : '',
    amount: d?.kind === 'fixed_amount' ? minorToInput(d.value, currency) : '',
    target: targetOf(d?.appliesTo?.productIds, d?.appliesTo?.collectionIds),
    buyQuantity: String(d?.buyXGetY?.buyQuantity ?? 1),
    buy: targetOf(d?.buyXGetY?.buyProductIds, d?.buyXGetY?.buyCollectionIds),
    getQuantity: String(d?.buyXGetY?.getQuantity ?? 1),
    get: targetOf(d?.buyXGetY?.getProductIds, d?.buyXGetY?.getCollectionIds),
    getPercent: String(d?.buyXGetY?.getPercent ?? 100),
    minSubtotal: d?.minSubtotal ? minorToInput(d.minSubtotal, currency) : '',
    usageLimit: d?.usageLimit ? String(d.usageLimit) : '',
    oncePerCustomer: d?.oncePerCustomer ?? false,
    startsAt: copy ? '' : toLocalInput(d?.startsAt ?? null),
    endsAt: copy ? '' : toLocalInput(d?.endsAt ?? null),
    combines: {
      order: d?.combinesWith.orderDiscounts ?? false,
      product: d?.combinesWith.productDiscounts ?? false,
      shipping: d?.combinesWith.shippingDiscounts ?? false,
    },
  };
}

const int = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : null);

/** The API body for a draft; what the merchant typed that is not a number yet is left out (the server says what is missing). */
function toInput(d: Draft, currency: string): DiscountInput {
  const ids = (tg: Target) => ({
    productIds: tg.mode === 'products' ? tg.productIds : undefined,
    collectionIds: tg.mode === 'collections' ? tg.collectionIds : undefined,
  });
  const value = d.kind === 'percentage' ? int(d.percent) : d.kind === 'fixed_amount' ? parseMoney(d.amount, currency) : 0;
  const main = ids(d.target);
  const buy = ids(d.buy);
  const get = ids(d.get);
  return {
    title: d.title.trim(),
    automatic: d.automatic,
    code: d.automatic ? null : d.code.trim() || null,
    kind: d.kind,
    ...(value !== null ? { value } : {}),
    appliesTo: (d.kind === 'percentage' || d.kind === 'fixed_amount') && d.target.mode !== 'all' ? main : null,
    buyXGetY:
      d.kind === 'buy_x_get_y'
        ? {
            buyQuantity: int(d.buyQuantity) ?? 0,
            buyProductIds: buy.productIds,
            buyCollectionIds: buy.collectionIds,
            getQuantity: int(d.getQuantity) ?? 0,
            getProductIds: get.productIds,
            getCollectionIds: get.collectionIds,
            getPercent: int(d.getPercent) ?? 0,
          }
        : null,
    minSubtotal: d.minSubtotal.trim() ? (parseMoney(d.minSubtotal, currency) ?? -1) : null,
    usageLimit: d.usageLimit.trim() ? (int(d.usageLimit) ?? -1) : null,
    oncePerCustomer: d.oncePerCustomer,
    startsAt: fromLocalInput(d.startsAt),
    endsAt: fromLocalInput(d.endsAt),
    combinesWith: { orderDiscounts: d.combines.order, productDiscounts: d.combines.product, shippingDiscounts: d.combines.shipping },
  };
}

/** All products, some products (picked by search), or some collections (checkboxes). */
function TargetPicker(props: {
  id: string;
  legend: string;
  allLabel: string;
  value: Target;
  onChange: (next: Target) => void;
  collections: { id: string; title: string }[];
  titles: Record<string, string>;
  onTitle: (id: string, title: string) => void;
  disabled: boolean;
}) {
  const set = (patch: Partial<Target>) => props.onChange({ ...props.value, ...patch });
  return (
    <fieldset class="checkbox-list" disabled={props.disabled}>
      <legend>{props.legend}</legend>
      <For each={['all', 'products', 'collections'] as const}>
        {(mode) => (
          <label class="checkbox">
            <input type="radio" name={`${props.id}-mode`} value={mode} checked={props.value.mode === mode} onChange={() => set({ mode })} />
            {mode === 'all' ? props.allLabel : t(`discounts.target.${mode}`)}
          </label>
        )}
      </For>
      <Show when={props.value.mode === 'products'}>
        <div class="target-box">
          <ProductPicker
            id={`${props.id}-product`}
            label={t('discounts.addProduct')}
            onPick={(p) => {
              props.onTitle(p.id, p.title);
              if (!props.value.productIds.includes(p.id)) set({ productIds: [...props.value.productIds, p.id] });
            }}
          />
          <ul class="target-list">
            <For each={props.value.productIds}>
              {(id) => (
                <li>
                  <span>{props.titles[id] ?? '…'}</span>
                  <button
                    type="button"
                    class="icon-button"
                    aria-label={t('discounts.remove', { name: props.titles[id] ?? id })}
                    onClick={() => set({ productIds: props.value.productIds.filter((x) => x !== id) })}
                  >
                    ×
                  </button>
                </li>
              )}
            </For>
          </ul>
        </div>
      </Show>
      <Show when={props.value.mode === 'collections'}>
        <div class="target-box">
          <Show when={props.collections.length > 0} fallback={<p class="muted small">{t('discounts.noCollections')}</p>}>
            <For each={props.collections}>
              {(c) => (
                <label class="checkbox">
                  <input
                    type="checkbox"
                    checked={props.value.collectionIds.includes(c.id)}
                    onChange={(e) =>
                      set({
                        collectionIds: e.currentTarget.checked ? [...props.value.collectionIds, c.id] : props.value.collectionIds.filter((x) => x !== c.id),
                      })
                    }
                  />
                  {c.title}
                </label>
              )}
            </For>
          </Show>
        </div>
      </Show>
    </fieldset>
  );
}

/** Create, edit, duplicate (`/discounts/new?from=<id>`), deactivate and delete a discount, with a live summary and its usage. */
export default function DiscountEditorPage() {
  const s = useStore();
  const params = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const isNew = () => !params.discountId;
  const sourceId = () => (isNew() ? (typeof search.from === 'string' ? search.from : undefined) : params.discountId);
  const [discount, { mutate }] = createResource(
    () => (sourceId() ? { storeId: s.storeId(), id: sourceId() as string } : false),
    (q) => api.GET('/stores/{storeId}/discounts/{discountId}', { params: { path: { storeId: q.storeId, discountId: q.id } } }),
  );
  const [collections] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/collections', { params: { path: { storeId: id }, query: { limit: 250 } } }),
  );
  const [draft, setDraft] = createStore<Draft>(toDraft(undefined, s.currency()));
  const [titles, setTitles] = createStore<Record<string, string>>({});
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const form = createFormState();
  const readOnly = () => !s.can('discounts:manage');

  createEffect(
    on(
      () => discount(),
      (d) => {
        if (!d) return;
        setDraft(toDraft(d, s.currency(), isNew()));
        // Names for the products the discount targets (the API keeps ids).
        const ids = [...new Set([...(d.appliesTo?.productIds ?? []), ...(d.buyXGetY?.buyProductIds ?? []), ...(d.buyXGetY?.getProductIds ?? [])])].slice(0, 50);
        for (const id of ids)
          void api
            .GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId: s.storeId(), productId: id } } })
            .then((p) => setTitles(id, p.title))
            .catch(() => setTitles(id, id.slice(0, 8)));
      },
    ),
  );

  const input = createMemo(() => toInput(draft, s.currency()));
  const summary = createMemo(() => discountSummary(input(), s.currency(), locale(), t));
  const money = (n: number) => formatMoney(n, s.currency(), locale());
  const err = (k: string) => form.errors()[k];

  const save = async (e: Event) => {
    e.preventDefault();
    if ((draft.kind === 'percentage' && int(draft.percent) === null) || (draft.kind === 'fixed_amount' && parseMoney(draft.amount, s.currency()) === null)) {
      form.setErrors({ value: t('discounts.valueRequired') });
      return;
    }
    await form.submit(async () => {
      if (isNew()) {
        const created = await api.POST('/stores/{storeId}/discounts', { params: { path: { storeId: s.storeId() } }, body: input() });
        toast.success(t('discounts.created'));
        navigate(s.path(`/discounts/${created.id}`), { replace: true });
      } else {
        const saved = await api.PATCH('/stores/{storeId}/discounts/{discountId}', {
          params: { path: { storeId: s.storeId(), discountId: params.discountId as string } },
          body: input(),
        });
        mutate(saved);
        toast.success(t('discounts.saved'));
      }
    });
  };

  const setActive = async (active: boolean) => {
    await form.submit(async () => {
      const saved = await api.PATCH('/stores/{storeId}/discounts/{discountId}', {
        params: { path: { storeId: s.storeId(), discountId: params.discountId as string } },
        body: { active },
      });
      mutate(saved);
      toast.success(active ? t('discounts.activated') : t('discounts.deactivated'));
    });
  };

  const remove = async () => {
    setConfirmDelete(false);
    await form.submit(async () => {
      await api.DELETE('/stores/{storeId}/discounts/{discountId}', { params: { path: { storeId: s.storeId(), discountId: params.discountId as string } } });
      toast.success(t('discounts.deleted'));
      navigate(s.path('/discounts'));
    });
  };

  const collectionList = () => (collections()?.data ?? []).map((c) => ({ id: c.id, title: c.title }));
  const existing = () => (!isNew() ? discount() : undefined);

  return (
    <div class="page">
      <PageHeader
        title={isNew() ? t('discounts.new') : (discount()?.title ?? t('discounts.title'))}
        back={{ href: s.path('/discounts'), label: t('discounts.back') }}
        actions={
          <Show when={existing() && !readOnly()}>
            <button type="button" class="button" onClick={() => navigate(s.path(`/discounts/new?from=${params.discountId}`))}>
              {t('discounts.duplicate')}
            </button>
            <button type="button" class="button" disabled={form.busy()} onClick={() => setActive(!existing()?.active)}>
              {existing()?.active ? t('discounts.deactivate') : t('discounts.activate')}
            </button>
          </Show>
        }
      />
      <Show when={!discount.error} fallback={<Banner tone="critical">{(discount.error as Error)?.message}</Banner>}>
        <Show when={!sourceId() || discount()} fallback={<SkeletonRows rows={8} />}>
          <form class="editor" onSubmit={save} novalidate>
            <div class="editor-main">
              <Show when={readOnly()}>
                <Banner tone="info">{t('discounts.readOnly')}</Banner>
              </Show>
              <Show when={form.formError()}>
                <Banner tone="critical">{form.formError()}</Banner>
              </Show>
              <fieldset disabled={readOnly()}>
                <Card title={t('discounts.method')}>
                  <div class="checkbox-list" role="radiogroup" aria-label={t('discounts.method')}>
                    <label class="checkbox">
                      <input type="radio" name="method" checked={!draft.automatic} onChange={() => setDraft('automatic', false)} />
                      {t('discounts.methodCode')}
                    </label>
                    <label class="checkbox">
                      <input type="radio" name="method" checked={draft.automatic} onChange={() => setDraft('automatic', true)} />
                      {t('discounts.methodAutomatic')}
                    </label>
                  </div>
                  <Field id="discount-title" label={t('discounts.titleLabel')} error={err('title')} hint={t('discounts.titleHint')}>
                    <input
                      id="discount-title"
                      value={draft.title}
                      maxLength={200}
                      required
                      onInput={(e) => setDraft('title', e.currentTarget.value)}
                      {...describedBy('discount-title', err('title'), t('discounts.titleHint'))}
                    />
                  </Field>
                  <Show when={!draft.automatic}>
                    <Field id="discount-code" label={t('discounts.code')} error={err('code')} hint={t('discounts.codeHint')}>
                      <div class="input-group">
                        <input
                          id="discount-code"
                          value={draft.code}
                          maxLength={64}
                          autocomplete="off"
                          spellcheck={false}
                          onInput={(e) => setDraft('code', e.currentTarget.value.toUpperCase())}
                          {...describedBy('discount-code', err('code'), t('discounts.codeHint'))}
                        />
                        <span class="input-suffix">
                          <button type="button" class="button small" onClick={() => setDraft('code', randomCode())}>
                            {t('discounts.generate')}
                          </button>
                        </span>
                      </div>
                    </Field>
                  </Show>
                </Card>
                <Card title={t('discounts.kind')}>
                  <Field id="discount-kind" label={t('discounts.kind')} error={err('kind')}>
                    <select id="discount-kind" value={draft.kind} onChange={(e) => setDraft('kind', e.currentTarget.value as Kind)}>
                      <For each={KINDS}>{(k) => <option value={k}>{t(`discounts.kind.${k}`)}</option>}</For>
                    </select>
                  </Field>
                  <Show when={draft.kind === 'percentage'}>
                    <Field id="discount-value" label={t('discounts.percent')} error={err('value')}>
                      <div class="input-group">
                        <input
                          id="discount-value"
                          inputmode="numeric"
                          value={draft.percent}
                          onInput={(e) => setDraft('percent', e.currentTarget.value)}
                          {...describedBy('discount-value', err('value'))}
                        />
                        <span class="input-suffix muted">%</span>
                      </div>
                    </Field>
                  </Show>
                  <Show when={draft.kind === 'fixed_amount'}>
                    <Field id="discount-value" label={`${t('discounts.amount')} (${s.currency()})`} error={err('value')}>
                      <input
                        id="discount-value"
                        inputmode="decimal"
                        value={draft.amount}
                        onInput={(e) => setDraft('amount', e.currentTarget.value)}
                        {...describedBy('discount-value', err('value'))}
                      />
                    </Field>
                  </Show>
                  <Show when={draft.kind === 'percentage' || draft.kind === 'fixed_amount'}>
                    <TargetPicker
                      id="applies"
                      legend={t('discounts.appliesTo')}
                      allLabel={t('discounts.target.all')}
                      value={draft.target}
                      onChange={(v) => setDraft('target', v)}
                      collections={collectionList()}
                      titles={titles}
                      onTitle={(id, title) => setTitles(id, title)}
                      disabled={readOnly()}
                    />
                  </Show>
                  <Show when={draft.kind === 'buy_x_get_y'}>
                    <div class="grid-2">
                      <div>
                        <Field id="bxgy-buy-qty" label={`${t('discounts.buy')}: ${t('discounts.quantity')}`} error={err('buyXGetY.buyQuantity')}>
                          <input
                            id="bxgy-buy-qty"
                            inputmode="numeric"
                            value={draft.buyQuantity}
                            onInput={(e) => setDraft('buyQuantity', e.currentTarget.value)}
                            {...describedBy('bxgy-buy-qty', err('buyXGetY.buyQuantity'))}
                          />
                        </Field>
                        <TargetPicker
                          id="buy"
                          legend={t('discounts.buy')}
                          allLabel={t('discounts.s.anyProduct')}
                          value={draft.buy}
                          onChange={(v) => setDraft('buy', v)}
                          collections={collectionList()}
                          titles={titles}
                          onTitle={(id, title) => setTitles(id, title)}
                          disabled={readOnly()}
                        />
                      </div>
                      <div>
                        <Field id="bxgy-get-qty" label={`${t('discounts.get')}: ${t('discounts.quantity')}`} error={err('buyXGetY.getQuantity')}>
                          <input
                            id="bxgy-get-qty"
                            inputmode="numeric"
                            value={draft.getQuantity}
                            onInput={(e) => setDraft('getQuantity', e.currentTarget.value)}
                            {...describedBy('bxgy-get-qty', err('buyXGetY.getQuantity'))}
                          />
                        </Field>
                        <TargetPicker
                          id="get"
                          legend={t('discounts.get')}
                          allLabel={t('discounts.s.anyProduct')}
                          value={draft.get}
                          onChange={(v) => setDraft('get', v)}
                          collections={collectionList()}
                          titles={titles}
                          onTitle={(id, title) => setTitles(id, title)}
                          disabled={readOnly()}
                        />
                        <Field id="bxgy-percent" label={t('discounts.getPercent')} error={err('buyXGetY.getPercent')}>
                          <input
                            id="bxgy-percent"
                            inputmode="numeric"
                            value={draft.getPercent}
                            onInput={(e) => setDraft('getPercent', e.currentTarget.value)}
                            {...describedBy('bxgy-percent', err('buyXGetY.getPercent'))}
                          />
                        </Field>
                      </div>
                    </div>
                  </Show>
                </Card>
                <Card title={t('discounts.requirements')}>
                  <div class="grid-2">
                    <Field
                      id="discount-min"
                      label={`${t('discounts.minSubtotal')} (${s.currency()})`}
                      error={err('minSubtotal')}
                      hint={t('discounts.minSubtotalHint')}
                    >
                      <input
                        id="discount-min"
                        inputmode="decimal"
                        value={draft.minSubtotal}
                        onInput={(e) => setDraft('minSubtotal', e.currentTarget.value)}
                        {...describedBy('discount-min', err('minSubtotal'), t('discounts.minSubtotalHint'))}
                      />
                    </Field>
                    <Field id="discount-limit" label={t('discounts.usageLimit')} error={err('usageLimit')} hint={t('discounts.usageLimitHint')}>
                      <input
                        id="discount-limit"
                        inputmode="numeric"
                        value={draft.usageLimit}
                        onInput={(e) => setDraft('usageLimit', e.currentTarget.value)}
                        {...describedBy('discount-limit', err('usageLimit'), t('discounts.usageLimitHint'))}
                      />
                    </Field>
                  </div>
                  <label class="checkbox">
                    <input type="checkbox" checked={draft.oncePerCustomer} onChange={(e) => setDraft('oncePerCustomer', e.currentTarget.checked)} />
                    {t('discounts.oncePerCustomer')}
                  </label>
                </Card>
                <Card title={t('discounts.schedule')}>
                  <div class="grid-2">
                    <Field id="discount-starts" label={t('discounts.startsAt')} error={err('startsAt')}>
                      <input
                        id="discount-starts"
                        type="datetime-local"
                        value={draft.startsAt}
                        onInput={(e) => setDraft('startsAt', e.currentTarget.value)}
                        {...describedBy('discount-starts', err('startsAt'))}
                      />
                    </Field>
                    <Field id="discount-ends" label={t('discounts.endsAt')} error={err('endsAt')} hint={t('discounts.endsHint')}>
                      <input
                        id="discount-ends"
                        type="datetime-local"
                        value={draft.endsAt}
                        onInput={(e) => setDraft('endsAt', e.currentTarget.value)}
                        {...describedBy('discount-ends', err('endsAt'), t('discounts.endsHint'))}
                      />
                    </Field>
                  </div>
                </Card>
                <Card title={t('discounts.combines')}>
                  <fieldset class="checkbox-list">
                    <legend class="visually-hidden">{t('discounts.combines')}</legend>
                    <label class="checkbox">
                      <input type="checkbox" checked={draft.combines.order} onChange={(e) => setDraft('combines', 'order', e.currentTarget.checked)} />
                      {t('discounts.combines.order')}
                    </label>
                    <label class="checkbox">
                      <input type="checkbox" checked={draft.combines.product} onChange={(e) => setDraft('combines', 'product', e.currentTarget.checked)} />
                      {t('discounts.combines.product')}
                    </label>
                    <label class="checkbox">
                      <input type="checkbox" checked={draft.combines.shipping} onChange={(e) => setDraft('combines', 'shipping', e.currentTarget.checked)} />
                      {t('discounts.combines.shipping')}
                    </label>
                  </fieldset>
                </Card>
              </fieldset>
              <Show when={!readOnly()}>
                <div class="form-actions">
                  <Show when={existing()}>
                    <button type="button" class="button danger" onClick={() => setConfirmDelete(true)}>
                      {t('discounts.delete')}
                    </button>
                  </Show>
                  <button type="submit" class="button primary" disabled={form.busy()}>
                    {form.busy() ? t('common.saving') : t('discounts.save')}
                  </button>
                </div>
              </Show>
            </div>
            <aside class="editor-side">
              <Card title={t('discounts.summary')}>
                <Show when={existing()}>{(d) => <Badge value={d().status} />}</Show>
                <p class="summary-title">{draft.title || t('discounts.new')}</p>
                <ul class="summary-list" data-testid="discount-summary" aria-live="polite">
                  <For each={summary()}>{(line) => <li>{line}</li>}</For>
                </ul>
              </Card>
              <Show when={existing()}>
                {(d) => (
                  <Card title={t('discounts.performance')}>
                    <dl class="status-list" data-testid="discount-performance">
                      <div>
                        <dt>{t('discounts.uses')}</dt>
                        <dd>
                          {d().usageLimit
                            ? t('discounts.usesOf', { used: formatNumber(d().usedCount, locale()), limit: formatNumber(d().usageLimit as number, locale()) })
                            : formatNumber(d().usedCount, locale())}
                        </dd>
                      </div>
                      <div>
                        <dt>{t('discounts.orders')}</dt>
                        <dd>{formatNumber(d().orders, locale())}</dd>
                      </div>
                      <div>
                        <dt>{t('discounts.revenue')}</dt>
                        <dd>{money(d().revenue)}</dd>
                      </div>
                      <div>
                        <dt>{t('discounts.discounted')}</dt>
                        <dd>{money(d().discountedAmount)}</dd>
                      </div>
                    </dl>
                  </Card>
                )}
              </Show>
            </aside>
          </form>
        </Show>
      </Show>
      <ConfirmModal
        open={confirmDelete()}
        title={t('discounts.delete')}
        confirmLabel={t('discounts.delete')}
        onConfirm={remove}
        onClose={() => setConfirmDelete(false)}
      >
        <p>{t('discounts.deleteConfirm', { title: discount()?.title ?? '' })}</p>
      </ConfirmModal>
    </div>
  );
}
