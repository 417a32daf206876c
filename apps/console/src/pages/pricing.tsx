import { A, useSearchParams } from '@solidjs/router';
import { createMemo, createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { PriceChart, RunNow } from '../components/planning.tsx';
import { CollectionPicker } from '../components/collection-picker.tsx';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, EmptyState, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import {
  ApiError,
  api,
  type Collection,
  type ExpectedRevenue,
  idempotencyKey,
  type PriceChange,
  type PriceHistory,
  type PricingMode,
  type PricingSettings,
  type Product,
} from '../lib/api.ts';
import { formatDate, formatDateTime, formatMoney, formatNumber, formatPercent, minorToInput, parseMoney } from '../lib/format.ts';
import { isDefaultVariant, splitPoints } from '../lib/planning.ts';
import { useStore } from '../lib/store-context.ts';

interface Draft {
  target: 'product' | 'collection';
  productId: string;
  /** The chosen product's and collection's titles, shown in their pickers. */
  productTitle: string;
  collectionId: string;
  collectionTitle: string;
  mode: PricingMode;
  enabled: boolean;
  floor: string;
  ceiling: string;
  pricePoints: string;
  step: string;
  maxChangePerDay: string;
  targetUnits: string;
  targetDate: string;
}

const emptyDraft = (product?: { id: string; title: string } | null): Draft => ({
  target: 'product',
  productId: product?.id ?? '',
  productTitle: product?.title ?? '',
  collectionId: '',
  collectionTitle: '',
  mode: 'suggest',
  enabled: true,
  floor: '',
  ceiling: '',
  pricePoints: '',
  step: '',
  maxChangePerDay: '',
  targetUnits: '',
  targetDate: '',
});

/** The API's field path (`pricePoints.2`, `floor`) → the form field it belongs to. */
const fieldOf = (path: string) => path.split('.')[0] ?? path;

/** What the policy saw for one change: per candidate price the days, units, learned demand and plan share; stock and horizon. */
function Inputs(props: { change: PriceChange; currency: string }) {
  const x = () => props.change.inputs as Record<string, unknown>;
  const arr = (k: string) => (Array.isArray(x()[k]) ? (x()[k] as unknown[]) : []);
  const num = (v: unknown, digits = 0) => (typeof v === 'number' ? formatNumber(digits ? Math.round(v * 10 ** digits) / 10 ** digits : v, locale()) : '—');
  const candidates = () => arr('candidates').filter((p): p is number => typeof p === 'number');
  return (
    <details class="inputs">
      <summary>{t('pricing.inputs')}</summary>
      <Show when={candidates().length} fallback={<pre class="inputs-raw">{JSON.stringify(x(), null, 2)}</pre>}>
        <div class="table-wrap">
          <table class="table compact">
            <thead>
              <tr>
                <th>{t('pricing.price')}</th>
                <th class="num">{t('pricing.daysObserved')}</th>
                <th class="num">{t('pricing.unitsSold')}</th>
                <th class="num">{t('pricing.unitsPerDay')}</th>
                <th class="num">{t('pricing.planShare')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={candidates()}>
                {(p, k) => (
                  <tr classList={{ 'row-highlight': p === props.change.newPrice }}>
                    <td>{formatMoney(p, props.currency, locale())}</td>
                    <td class="num">{num(arr('offersDays')[k()])}</td>
                    <td class="num">{num(arr('unitsSold')[k()])}</td>
                    <td class="num">{num(arr('meanUnitsPerDay')[k()], 2)}</td>
                    <td class="num">{typeof arr('planMix')[k()] === 'number' ? formatPercent(arr('planMix')[k()] as number, locale()) : '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <p class="muted small">
          {t('pricing.inStock', { units: num(x().remainingInventory), days: num(x().remainingPeriods) })}
          <Show when={x().clamped === true}> · {t('pricing.inClamped')}</Show>
        </p>
        <Show when={arr('warnings').length}>
          <p class="small text-critical">{arr('warnings').join('; ')}</p>
        </Show>
        <details>
          <summary class="small">{t('pricing.inputsRaw')}</summary>
          <pre class="inputs-raw">{JSON.stringify(x(), null, 2)}</pre>
        </details>
      </Show>
    </details>
  );
}

function SettingsForm(props: {
  open: boolean;
  editing: PricingSettings | null;
  /** The product the page is showing (`?product=`): a new setting starts on it. */
  initialProduct: Product | null | undefined;
  products: Product[];
  collections: Collection[];
  currency: string;
  onClose: () => void;
  onSaved: (s: PricingSettings) => void;
}) {
  const toInput = (n: number | null) => minorToInput(n, props.currency);
  const fromSettings = (s: PricingSettings): Draft => ({
    target: s.collectionId ? 'collection' : 'product',
    productId: s.productId ?? '',
    productTitle: '',
    collectionId: s.collectionId ?? '',
    collectionTitle: '',
    mode: s.mode,
    enabled: s.enabled,
    floor: toInput(s.floor),
    ceiling: toInput(s.ceiling),
    pricePoints: (s.pricePoints ?? []).map(toInput).join(', '),
    step: toInput(s.step),
    maxChangePerDay: toInput(s.maxChangePerDay),
    targetUnits: s.targetUnits?.toString() ?? '',
    targetDate: s.targetDate ?? '',
  });
  const [draft, setDraft] = createSignal<Draft>(emptyDraft());
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [formError, setFormError] = createSignal<string | null>(null);
  const [conflict, setConflict] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [version, setVersion] = createSignal(0);
  let lastOpen = false;
  // Fresh form each time the dialog opens.
  createMemo(() => {
    if (props.open && !lastOpen) {
      setDraft(props.editing ? fromSettings(props.editing) : emptyDraft(props.initialProduct));
      setVersion(props.editing?.version ?? 0);
      setErrors({});
      setFormError(null);
      setConflict(false);
    }
    lastOpen = props.open;
  });
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft({ ...draft(), [k]: v });
  const err = (k: string) => errors()[k];

  const reload = async () => {
    if (!props.editing) return;
    const s = await api.GET('/stores/{storeId}/pricing/settings/{settingsId}', { params: { path: { storeId: useStoreId(), settingsId: props.editing.id } } });
    setDraft(fromSettings(s));
    setVersion(s.version);
    setConflict(false);
  };
  const storeCtx = useStore();
  const useStoreId = () => storeCtx.storeId();

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const d = draft();
    const local: Record<string, string> = {};
    const money = (k: 'floor' | 'ceiling' | 'step' | 'maxChangePerDay', required: boolean) => {
      const raw = d[k].trim();
      if (!raw) {
        if (required) local[k] = t('common.required');
        return null;
      }
      const v = parseMoney(raw, props.currency);
      if (v === null) local[k] = t('pricing.badAmount');
      return v;
    };
    const floor = money('floor', true);
    const ceiling = money('ceiling', true);
    const step = money('step', false);
    const maxChangePerDay = money('maxChangePerDay', false);
    const points = splitPoints(d.pricePoints).map((x) => parseMoney(x, props.currency));
    if (points.some((p) => p === null)) local.pricePoints = t('pricing.badPoints');
    const targetUnits = d.targetUnits.trim() ? Number(d.targetUnits) : null;
    if (targetUnits !== null && (!Number.isInteger(targetUnits) || targetUnits < 1)) local.targetUnits = t('pricing.badUnits');
    if (!props.editing && d.target === 'product' && !d.productId) local.productId = t('common.required');
    if (!props.editing && d.target === 'collection' && !d.collectionId) local.collectionId = t('common.required');
    setErrors(local);
    setFormError(null);
    // Every problem was named above; the checks on floor and ceiling only tell the compiler.
    if (Object.keys(local).length || floor === null || ceiling === null) return;
    const prices = points.filter((p): p is number => p !== null);
    const body = {
      mode: d.mode,
      enabled: d.enabled,
      floor,
      ceiling,
      pricePoints: prices.length ? prices : null,
      step,
      maxChangePerDay,
      targetUnits,
      targetDate: d.targetDate || null,
    };
    setBusy(true);
    try {
      const saved = props.editing
        ? await api.PUT('/stores/{storeId}/pricing/settings/{settingsId}', {
            params: { path: { storeId: useStoreId(), settingsId: props.editing.id } },
            body: { ...body, version: version() },
          })
        : await api.POST('/stores/{storeId}/pricing/settings', {
            params: { path: { storeId: useStoreId() } },
            body: { ...body, ...(d.target === 'product' ? { productId: d.productId } : { collectionId: d.collectionId }) },
            headers: { 'idempotency-key': idempotencyKey() },
          });
      toast.success(t('pricing.saved'));
      props.onSaved(saved);
    } catch (ex) {
      if (ex instanceof ApiError) {
        if (ex.code === 'version_conflict') setConflict(true);
        const fe: Record<string, string> = {};
        for (const [k, v] of Object.entries(ex.fieldErrors)) fe[fieldOf(k)] = v;
        setErrors(fe);
        if (!Object.keys(fe).length && ex.code !== 'version_conflict') setFormError(ex.message);
      } else setFormError((ex as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const moneyField = (k: 'floor' | 'ceiling' | 'step' | 'maxChangePerDay', label: string, hint?: string): JSX.Element => (
    <Field id={`pricing-${k}`} label={label} error={err(k)} hint={hint}>
      <input
        id={`pricing-${k}`}
        inputmode="decimal"
        value={draft()[k]}
        onInput={(e) => set(k, e.currentTarget.value)}
        {...describedBy(`pricing-${k}`, err(k), hint)}
      />
    </Field>
  );

  return (
    <Modal
      open={props.open}
      wide
      title={props.editing ? t('pricing.editTitle') : t('pricing.addTitle')}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" class="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form="pricing-form" class="button primary" disabled={busy()}>
            {busy() ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id="pricing-form" class="form" onSubmit={submit} novalidate>
        <Show when={conflict()}>
          <Banner tone="warning" title={t('pricing.conflictTitle')}>
            <p>{t('pricing.conflictBody')}</p>
            <button type="button" class="button small" onClick={() => void reload()}>
              {t('pricing.conflictReload')}
            </button>
          </Banner>
        </Show>
        <Show when={formError()}>
          <Banner tone="critical">{formError()}</Banner>
        </Show>
        <Show
          when={!props.editing}
          fallback={<p class="muted">{t('pricing.editingFor', { name: targetName(props.editing, props.products, props.collections) })}</p>}
        >
          <fieldset class="radio-group">
            <legend>{t('pricing.appliesTo')}</legend>
            <label class="checkbox">
              <input type="radio" name="pricing-target" checked={draft().target === 'product'} onChange={() => set('target', 'product')} />
              {t('pricing.aProduct')}
            </label>
            <label class="checkbox">
              <input type="radio" name="pricing-target" checked={draft().target === 'collection'} onChange={() => set('target', 'collection')} />
              {t('pricing.aCollection')}
            </label>
          </fieldset>
          <Show
            when={draft().target === 'product'}
            fallback={
              <CollectionPicker
                id="pricing-collection"
                label={t('pricing.collection')}
                error={err('collectionId')}
                selected={draft().collectionId ? { id: draft().collectionId, title: draft().collectionTitle } : null}
                onPick={(c) => setDraft({ ...draft(), collectionId: c.id, collectionTitle: c.title })}
                onClear={() => setDraft({ ...draft(), collectionId: '', collectionTitle: '' })}
              />
            }
          >
            <ProductPicker
              id="pricing-product"
              label={t('pricing.product')}
              error={err('productId')}
              selected={draft().productId ? { id: draft().productId, title: draft().productTitle } : null}
              onPick={(p) => setDraft({ ...draft(), productId: p.id, productTitle: p.title })}
              onClear={() => setDraft({ ...draft(), productId: '', productTitle: '' })}
            />
          </Show>
        </Show>
        <fieldset class="radio-group">
          <legend>{t('pricing.mode')}</legend>
          <label class="checkbox">
            <input type="radio" name="pricing-mode" checked={draft().mode === 'suggest'} onChange={() => set('mode', 'suggest')} />
            {t('pricing.modeSuggest')}
          </label>
          <label class="checkbox">
            <input type="radio" name="pricing-mode" checked={draft().mode === 'auto'} onChange={() => set('mode', 'auto')} />
            {t('pricing.modeAuto')}
          </label>
        </fieldset>
        <div class="grid-2">
          {moneyField('floor', t('pricing.floor'))}
          {moneyField('ceiling', t('pricing.ceiling'))}
        </div>
        <Field id="pricing-pricePoints" label={t('pricing.pricePoints')} error={err('pricePoints')} hint={t('pricing.pricePointsHint')}>
          <input
            id="pricing-pricePoints"
            value={draft().pricePoints}
            placeholder="29.00, 34.00, 39.00"
            onInput={(e) => set('pricePoints', e.currentTarget.value)}
            {...describedBy('pricing-pricePoints', err('pricePoints'), t('pricing.pricePointsHint'))}
          />
        </Field>
        <div class="grid-2">
          {moneyField('step', t('pricing.step'), t('pricing.stepHint'))}
          {moneyField('maxChangePerDay', t('pricing.maxChange'), t('pricing.maxChangeHint'))}
        </div>
        <div class="grid-2">
          <Field id="pricing-targetUnits" label={t('pricing.targetUnits')} error={err('targetUnits')} hint={t('pricing.targetHint')}>
            <input
              id="pricing-targetUnits"
              type="number"
              min="1"
              step="1"
              inputmode="numeric"
              value={draft().targetUnits}
              onInput={(e) => set('targetUnits', e.currentTarget.value)}
              {...describedBy('pricing-targetUnits', err('targetUnits'), t('pricing.targetHint'))}
            />
          </Field>
          <Field id="pricing-targetDate" label={t('pricing.targetDate')} error={err('targetDate')}>
            <input
              id="pricing-targetDate"
              type="date"
              value={draft().targetDate}
              onInput={(e) => set('targetDate', e.currentTarget.value)}
              {...describedBy('pricing-targetDate', err('targetDate'))}
            />
          </Field>
        </div>
        <label class="checkbox">
          <input type="checkbox" checked={draft().enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
          {t('pricing.enabled')}
        </label>
      </form>
    </Modal>
  );
}

function targetName(s: PricingSettings | null, products: Product[], collections: Collection[]): string {
  if (!s) return '';
  if (s.productId) return products.find((p) => p.id === s.productId)?.title ?? t('pricing.unknownProduct');
  return t('pricing.collectionName', { name: collections.find((c) => c.id === s.collectionId)?.title ?? '?' });
}

export default function PricingPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const canManage = () => s.can('planning:manage');
  const money = (n: number | null | undefined) => (n === null || n === undefined ? '—' : formatMoney(n, s.currency(), locale()));

  const [settings, { refetch: refetchSettings }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/pricing/settings', { params: { path: { storeId: id } } }).then((r) => r.data),
  );
  const [suggestions, { refetch: refetchSuggestions }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/pricing/changes', { params: { path: { storeId: id }, query: { status: 'suggested' } } }).then((r) => r.data),
  );
  const [products] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/products', { params: { path: { storeId: id }, query: { limit: 250 } } }).then((r) => r.data),
  );
  const [collections] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/collections', { params: { path: { storeId: id }, query: { limit: 250 } } }).then((r) => r.data),
  );
  const productTitle = (id: string) => products()?.find((p) => p.id === id)?.title ?? t('pricing.unknownProduct');
  const variantTitle = (productId: string, variantId: string) => {
    const v = products()
      ?.find((p) => p.id === productId)
      ?.variants.find((x) => x.id === variantId);
    return v && !isDefaultVariant(v.title) ? v.title : '';
  };

  // The product whose history, expected revenue and audit log are shown.
  const selected = createMemo(
    () => (typeof params.product === 'string' && params.product) || settings()?.find((x) => x.productId)?.productId || suggestions()?.[0]?.productId || '',
  );
  // The chosen product itself (shown in the picker), also when it is beyond the first page of the products list.
  const [selectedProduct] = createResource(
    () => (selected() ? { id: s.storeId(), p: selected() } : false),
    async (q) =>
      products()?.find((x) => x.id === q.p) ??
      (await api.GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId: q.id, productId: q.p } } }).catch(() => null)),
  );
  const [history, { refetch: refetchHistory }] = createResource(
    () => (selected() ? { id: s.storeId(), p: selected() } : false),
    (q) => api.GET('/stores/{storeId}/pricing/products/{productId}/history', { params: { path: { storeId: q.id, productId: q.p }, query: { days: 90 } } }),
  );
  const [expected, { refetch: refetchExpected }] = createResource(
    () => (selected() ? { id: s.storeId(), p: selected() } : false),
    (q) => api.GET('/stores/{storeId}/pricing/products/{productId}/expected-revenue', { params: { path: { storeId: q.id, productId: q.p } } }),
  );
  const audit = createMemo(() =>
    (history()?.variants ?? []).flatMap((v) => v.changes.map((c) => ({ ...c, variantTitle: v.title }))).sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
  );

  const refreshAll = () => {
    refetchSettings();
    refetchSuggestions();
    if (selected()) {
      refetchHistory();
      refetchExpected();
    }
  };

  const [formOpen, setFormOpen] = createSignal(false);
  const [editing, setEditing] = createSignal<PricingSettings | null>(null);
  const [confirmDelete, setConfirmDelete] = createSignal<PricingSettings | null>(null);
  const [busyId, setBusyId] = createSignal<string | null>(null);

  const act = async (id: string, f: () => Promise<unknown>, ok: string) => {
    setBusyId(id);
    try {
      await f();
      toast.success(ok);
    } catch (e) {
      toast.error(e instanceof ApiError && e.status === 409 ? t('pricing.changedMeanwhile', { message: e.message }) : (e as Error).message);
    } finally {
      setBusyId(null);
      refreshAll();
    }
  };
  const decide = (c: PriceChange, action: 'approve' | 'reject' | 'rollback') =>
    act(
      c.id,
      () => api.POST(`/stores/{storeId}/pricing/changes/{changeId}/${action}`, { params: { path: { storeId: s.storeId(), changeId: c.id } } }),
      t(action === 'approve' ? 'pricing.approved' : action === 'reject' ? 'pricing.rejected' : 'pricing.rolledBack'),
    );
  const resume = (x: PricingSettings) =>
    act(
      x.id,
      () =>
        api.PUT('/stores/{storeId}/pricing/settings/{settingsId}', {
          params: { path: { storeId: s.storeId(), settingsId: x.id } },
          body: {
            version: x.version,
            resume: true,
            enabled: x.enabled,
            mode: x.mode,
            floor: x.floor,
            ceiling: x.ceiling,
            pricePoints: x.pricePoints,
            step: x.step,
            maxChangePerDay: x.maxChangePerDay,
            targetUnits: x.targetUnits,
            targetDate: x.targetDate,
          },
        }),
      t('pricing.resumed'),
    );
  const remove = (x: PricingSettings) =>
    act(
      x.id,
      async () => {
        await api.DELETE('/stores/{storeId}/pricing/settings/{settingsId}', { params: { path: { storeId: s.storeId(), settingsId: x.id } } });
        setConfirmDelete(null);
      },
      t('pricing.deleted'),
    );

  const guardrails = (x: PricingSettings) => {
    const parts = [t('pricing.range', { floor: money(x.floor), ceiling: money(x.ceiling) })];
    if (x.pricePoints?.length) parts.push(t('pricing.points', { points: x.pricePoints.map((p) => money(p)).join(', ') }));
    else if (x.step) parts.push(t('pricing.stepOf', { step: money(x.step) }));
    if (x.maxChangePerDay) parts.push(t('pricing.maxPerDay', { amount: money(x.maxChangePerDay) }));
    if (x.targetUnits && x.targetDate) parts.push(t('pricing.target', { units: x.targetUnits, date: formatDate(`${x.targetDate}T00:00:00Z`, locale()) }));
    return parts;
  };

  return (
    <div class="page">
      <PageHeader
        title={t('pricing.title')}
        subtitle={t('pricing.subtitle')}
        actions={
          <Show when={canManage()}>
            <button
              type="button"
              class="button"
              onClick={() => {
                setEditing(null);
                setFormOpen(true);
              }}
            >
              {t('pricing.add')}
            </button>
            <RunNow
              start={() => api.POST('/stores/{storeId}/pricing/runs', { params: { path: { storeId: s.storeId() } } })}
              status={(runId) => api.GET('/stores/{storeId}/pricing/runs/{runId}', { params: { path: { storeId: s.storeId(), runId } } })}
              label={t('pricing.runNow')}
              onDone={refreshAll}
            />
          </Show>
        }
      />

      <Card title={t('pricing.waiting')} id="pricing-waiting">
        <Show when={suggestions.latest} fallback={<SkeletonRows rows={2} cols={4} />}>
          <Show when={(suggestions.latest?.length ?? 0) > 0} fallback={<p class="muted">{t('pricing.noSuggestions')}</p>}>
            <ul class="suggestion-list">
              <For each={suggestions.latest}>
                {(c) => (
                  <li class="suggestion">
                    <div class="suggestion-head">
                      <div>
                        <A href={`?product=${c.productId}`} class="row-link" onClick={() => setParams({ product: c.productId })}>
                          {productTitle(c.productId)}
                        </A>
                        <Show when={variantTitle(c.productId, c.variantId)}>
                          <span class="muted small"> · {variantTitle(c.productId, c.variantId)}</span>
                        </Show>
                        <div class="price-move">
                          <span class="old-price">{money(c.oldPrice)}</span> → <strong>{money(c.newPrice)}</strong>
                          <Show when={c.expectedRevenuePerDay !== null}>
                            <span class="muted small"> · {t('pricing.expectedPerDay', { amount: money(c.expectedRevenuePerDay) })}</span>
                          </Show>
                        </div>
                      </div>
                      <Show when={canManage()}>
                        <div class="row-actions">
                          <button type="button" class="button small primary" disabled={busyId() === c.id} onClick={() => decide(c, 'approve')}>
                            {t('pricing.approve')}
                          </button>
                          <button type="button" class="button small" disabled={busyId() === c.id} onClick={() => decide(c, 'reject')}>
                            {t('pricing.reject')}
                          </button>
                        </div>
                      </Show>
                    </div>
                    <p class="reason">{c.reason}</p>
                    <Inputs change={c} currency={s.currency()} />
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Card>

      <Card class="table-card" title={t('pricing.settings')} id="pricing-settings">
        <Show when={!settings.error} fallback={<Banner tone="critical">{(settings.error as Error)?.message}</Banner>}>
          <Show when={settings.latest} fallback={<SkeletonRows rows={3} cols={4} />}>
            <Show
              when={(settings.latest?.length ?? 0) > 0}
              fallback={
                <EmptyState icon="billing" title={t('pricing.emptyTitle')} body={t('pricing.emptyBody')}>
                  <Show when={canManage()}>
                    <button
                      type="button"
                      class="button primary"
                      onClick={() => {
                        setEditing(null);
                        setFormOpen(true);
                      }}
                    >
                      {t('pricing.add')}
                    </button>
                  </Show>
                </EmptyState>
              }
            >
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>{t('pricing.appliesTo')}</th>
                      <th>{t('pricing.status')}</th>
                      <th class="hide-phone">{t('pricing.guardrails')}</th>
                      <th>
                        <span class="visually-hidden">{t('pricing.actions')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={settings.latest}>
                      {(x) => (
                        <tr>
                          <td>
                            <Show when={x.productId} fallback={<strong>{targetName(x, products() ?? [], collections() ?? [])}</strong>}>
                              <A href={`?product=${x.productId}`} class="row-link" onClick={() => setParams({ product: x.productId })}>
                                {targetName(x, products() ?? [], collections() ?? [])}
                              </A>
                            </Show>
                            <span class="muted small block">{x.mode === 'auto' ? t('pricing.modeAutoShort') : t('pricing.modeSuggestShort')}</span>
                            <span class="muted small block show-phone">{guardrails(x).join(' · ')}</span>
                          </td>
                          <td>
                            <Show
                              when={x.paused}
                              fallback={<Badge value={x.enabled ? 'active' : 'draft'} label={x.enabled ? t('pricing.on') : t('pricing.off')} />}
                            >
                              <Badge value="failed" label={t('pricing.paused')} />
                              <span class="small block text-critical">{x.pausedReason}</span>
                            </Show>
                          </td>
                          <td class="hide-phone">
                            <span class="small">{guardrails(x).join(' · ')}</span>
                          </td>
                          <td class="num">
                            <Show when={canManage()}>
                              <div class="row-actions">
                                <Show when={x.paused}>
                                  <button type="button" class="button small primary" disabled={busyId() === x.id} onClick={() => resume(x)}>
                                    {t('pricing.resume')}
                                  </button>
                                </Show>
                                <button
                                  type="button"
                                  class="button small"
                                  aria-label={t('pricing.editOf', { name: targetName(x, products() ?? [], collections() ?? []) })}
                                  onClick={() => {
                                    setEditing(x);
                                    setFormOpen(true);
                                  }}
                                >
                                  {t('pricing.edit')}
                                </button>
                                <button
                                  type="button"
                                  class="button small danger"
                                  aria-label={t('pricing.deleteOf', { name: targetName(x, products() ?? [], collections() ?? []) })}
                                  onClick={() => setConfirmDelete(x)}
                                >
                                  {t('pricing.delete')}
                                </button>
                              </div>
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

      <Card title={t('pricing.productTitle')} id="pricing-product-card">
        <div class="inline-form">
          <ProductPicker
            id="pricing-history-product"
            label={t('pricing.product')}
            onPick={(p) => setParams({ product: p.id })}
            onClear={() => setParams({ product: undefined })}
            selected={selectedProduct.latest ?? null}
          />
        </div>
        <Show when={selected()} fallback={<p class="muted">{t('pricing.chooseProduct')}</p>}>
          <Show when={history.latest} fallback={<SkeletonRows rows={3} cols={3} />}>
            <For each={history.latest?.variants ?? []}>
              {(v) => {
                const e = () => expected.latest?.variants.find((x) => x.variantId === v.variantId);
                return (
                  <section class="variant-pricing">
                    <h3>
                      {isDefaultVariant(v.title) ? productTitle(selected()) : v.title} · <span class="muted">{money(v.currentPrice)}</span>
                    </h3>
                    <PriceChart variant={v} currency={s.currency()} />
                    <div class="stats">
                      <div>
                        <span class="muted small">{t('pricing.atCurrent')}</span>
                        <span class="stat-value">{e()?.learned ? money(e()?.atCurrentPrice) : '—'}</span>
                      </div>
                      <Show when={e()?.suggestedPrice !== null && e()?.suggestedPrice !== undefined}>
                        <div>
                          <span class="muted small">{t('pricing.atSuggested', { price: money(e()?.suggestedPrice) })}</span>
                          <span class="stat-value">{money(e()?.atSuggestedPrice)}</span>
                        </div>
                      </Show>
                      <div>
                        <span class="muted small">{t('pricing.underPlan')}</span>
                        <span class="stat-value">{e()?.learned ? money(e()?.planPerDay) : '—'}</span>
                      </div>
                    </div>
                    <Show when={e() && !e()?.learned}>
                      <p class="muted small">{t('pricing.notLearned')}</p>
                    </Show>
                    <Show when={e()?.learned && e()?.atCurrentPrice === null}>
                      <p class="muted small">{t('pricing.notCandidate')}</p>
                    </Show>
                    <Show when={e()?.learned}>
                      <details>
                        <summary class="small">{t('pricing.perPrice')}</summary>
                        <div class="table-wrap">
                          <table class="table compact">
                            <thead>
                              <tr>
                                <th>{t('pricing.price')}</th>
                                <th class="num">{t('pricing.daysObserved')}</th>
                                <th class="num">{t('pricing.unitsSold')}</th>
                                <th class="num">{t('pricing.unitsPerDay')}</th>
                                <th class="num">{t('pricing.revenuePerDay')}</th>
                              </tr>
                            </thead>
                            <tbody>
                              <For each={e()?.prices ?? []}>
                                {(p) => (
                                  <tr>
                                    <td>{money(p.price)}</td>
                                    <td class="num">{formatNumber(p.daysObserved, locale())}</td>
                                    <td class="num">{formatNumber(p.unitsSold, locale())}</td>
                                    <td class="num">{formatNumber(p.expectedUnitsPerDay, locale())}</td>
                                    <td class="num">{money(p.expectedRevenuePerDay)}</td>
                                  </tr>
                                )}
                              </For>
                            </tbody>
                          </table>
                        </div>
                      </details>
                    </Show>
                  </section>
                );
              }}
            </For>
            <h3 class="section-title">{t('pricing.audit')}</h3>
            <Show when={audit().length > 0} fallback={<p class="muted">{t('pricing.noAudit')}</p>}>
              <ul class="audit-list">
                <For each={audit()}>
                  {(c) => (
                    <li class="audit-item">
                      <div class="suggestion-head">
                        <div>
                          <div class="price-move">
                            <span class="old-price">{money(c.oldPrice)}</span> → <strong>{money(c.newPrice)}</strong> <Badge value={c.status} />
                            <Show when={!isDefaultVariant(c.variantTitle)}>
                              <span class="muted small"> · {c.variantTitle}</span>
                            </Show>
                          </div>
                          <span class="muted small">
                            {formatDateTime(c.appliedAt ?? c.createdAt, locale())} ·{' '}
                            {c.source === 'rollback' ? t('pricing.sourceRollback') : t('pricing.sourcePolicy')}
                          </span>
                        </div>
                        <Show when={canManage() && c.status === 'applied' && c.source === 'policy'}>
                          <button type="button" class="button small" disabled={busyId() === c.id} onClick={() => decide(c, 'rollback')}>
                            {t('pricing.rollback')}
                          </button>
                        </Show>
                      </div>
                      <p class="reason">{c.reason}</p>
                      <Show when={c.source === 'policy'}>
                        <Inputs change={c} currency={s.currency()} />
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Show>
        </Show>
      </Card>

      <SettingsForm
        open={formOpen()}
        editing={editing()}
        initialProduct={typeof params.product === 'string' && params.product ? selectedProduct() : null}
        products={products() ?? []}
        collections={collections() ?? []}
        currency={s.currency()}
        onClose={() => setFormOpen(false)}
        onSaved={() => {
          setFormOpen(false);
          refreshAll();
        }}
      />
      <ConfirmModal
        open={!!confirmDelete()}
        title={t('pricing.deleteTitle')}
        confirmLabel={t('pricing.delete')}
        onConfirm={() => confirmDelete() && remove(confirmDelete() as PricingSettings)}
        onClose={() => setConfirmDelete(null)}
      >
        <p>{t('pricing.deleteBody', { name: targetName(confirmDelete(), products() ?? [], collections() ?? []) })}</p>
      </ConfirmModal>
    </div>
  );
}
