import { createResource, createSignal, For, Show } from 'solid-js';
import { downloadText, RunNow, Sparkline } from '../components/planning.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, EmptyState, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import {
  type AlertWebhook,
  ApiError,
  api,
  idempotencyKey,
  type InventoryPolicy,
  type LowStockAlert,
  type SuggestedPurchaseOrder,
  type Supplier,
} from '../lib/api.ts';
import { formatDate, formatDateTime, formatNumber, formatPercent } from '../lib/format.ts';
import { isDefaultVariant, toCsv } from '../lib/planning.ts';
import { useStore } from '../lib/store-context.ts';

const n1 = (v: number) => formatNumber(Math.round(v * 10) / 10, locale());
const variantName = (p: { productTitle: string; variantTitle: string }) =>
  isDefaultVariant(p.variantTitle) ? p.productTitle : `${p.productTitle} · ${p.variantTitle}`;
const fieldErrors = (e: unknown) => (e instanceof ApiError ? e.fieldErrors : {});

function SupplierForm(props: { supplier: Supplier | null; onSaved: () => void; onCancel?: () => void }) {
  const s = useStore();
  const [name, setName] = createSignal(props.supplier?.name ?? '');
  const [email, setEmail] = createSignal(props.supplier?.email ?? '');
  const [lead, setLead] = createSignal(String(props.supplier?.leadTimeDays ?? 7));
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const idp = props.supplier ? `supplier-${props.supplier.id}` : 'supplier-new';
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const leadTimeDays = Number(lead());
    if (!name().trim()) return setErrors({ name: t('common.required') });
    if (!Number.isInteger(leadTimeDays) || leadTimeDays < 0 || leadTimeDays > 365) return setErrors({ leadTimeDays: t('planning.badLeadTime') });
    setErrors({});
    setBusy(true);
    const body = { name: name().trim(), email: email().trim() || null, leadTimeDays };
    try {
      if (props.supplier)
        await api.PATCH('/stores/{storeId}/inventory-planning/suppliers/{supplierId}', {
          params: { path: { storeId: s.storeId(), supplierId: props.supplier.id } },
          body: body,
        });
      else {
        await api.POST('/stores/{storeId}/inventory-planning/suppliers', {
          params: { path: { storeId: s.storeId() } },
          body: body,
          headers: { 'idempotency-key': idempotencyKey() },
        });
        setName('');
        setEmail('');
        setLead('7');
      }
      toast.success(t('planning.supplierSaved'));
      props.onSaved();
    } catch (ex) {
      const fe = fieldErrors(ex);
      setErrors(fe);
      if (!Object.keys(fe).length) toast.error((ex as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) => errors()[k];
  return (
    <form class="inline-form" onSubmit={submit} novalidate>
      <Field id={`${idp}-name`} label={t('planning.supplierName')} error={err('name')} class="grow">
        <input id={`${idp}-name`} value={name()} onInput={(e) => setName(e.currentTarget.value)} {...describedBy(`${idp}-name`, err('name'))} />
      </Field>
      <Field id={`${idp}-email`} label={t('planning.supplierEmail')} error={err('email')} class="grow">
        <input
          id={`${idp}-email`}
          type="email"
          value={email()}
          onInput={(e) => setEmail(e.currentTarget.value)}
          {...describedBy(`${idp}-email`, err('email'))}
        />
      </Field>
      <Field id={`${idp}-lead`} label={t('planning.leadTime')} error={err('leadTimeDays')}>
        <input
          id={`${idp}-lead`}
          type="number"
          min="0"
          max="365"
          class="qty-input"
          value={lead()}
          onInput={(e) => setLead(e.currentTarget.value)}
          {...describedBy(`${idp}-lead`, err('leadTimeDays'))}
        />
      </Field>
      <button type="submit" class="button primary" disabled={busy()}>
        {props.supplier ? t('common.save') : t('planning.addSupplier')}
      </button>
      <Show when={props.onCancel}>
        <button type="button" class="button" onClick={() => props.onCancel?.()}>
          {t('common.cancel')}
        </button>
      </Show>
    </form>
  );
}

function PolicyModal(props: { policy: InventoryPolicy | null; suppliers: Supplier[]; canManage: boolean; onClose: () => void; onSaved: () => void }) {
  const s = useStore();
  const [supplierId, setSupplierId] = createSignal('');
  const [lead, setLead] = createSignal('');
  const [service, setService] = createSignal('95');
  const [enabled, setEnabled] = createSignal(true);
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  let shown: string | null = null;
  const sync = () => {
    const p = props.policy;
    if (p && shown !== p.variantId) {
      shown = p.variantId;
      setSupplierId(p.supplierId ?? '');
      setLead(p.leadTimeDays?.toString() ?? '');
      setService(String(Math.round(p.serviceLevel * 1000) / 10));
      setEnabled(p.enabled);
      setErrors({});
    }
    if (!p) shown = null;
    return p;
  };
  const err = (k: string) => errors()[k];
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const p = props.policy;
    if (!p) return;
    const leadTimeDays = lead().trim() === '' ? null : Number(lead());
    const sl = Number(service()) / 100;
    const local: Record<string, string> = {};
    if (leadTimeDays !== null && (!Number.isInteger(leadTimeDays) || leadTimeDays < 0 || leadTimeDays > 365)) local.leadTimeDays = t('planning.badLeadTime');
    if (!(sl > 0 && sl < 1)) local.serviceLevel = t('planning.badServiceLevel');
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await api.PUT('/stores/{storeId}/inventory-planning/policies/{variantId}', {
        params: { path: { storeId: s.storeId(), variantId: p.variantId } },
        body: {
          supplierId: supplierId() || null,
          leadTimeDays,
          serviceLevel: sl,
          reviewPeriodDays: p.reviewPeriodDays,
          enabled: enabled(),
        },
      });
      toast.success(t('planning.policySaved'));
      props.onSaved();
    } catch (ex) {
      const fe = fieldErrors(ex);
      setErrors(fe);
      if (!Object.keys(fe).length) toast.error((ex as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={!!sync()}
      wide
      title={props.policy ? variantName(props.policy) : ''}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" class="button" onClick={props.onClose}>
            {props.canManage ? t('common.cancel') : t('common.close')}
          </button>
          <Show when={props.canManage}>
            <button type="submit" form="policy-form" class="button primary" disabled={busy()}>
              {busy() ? t('common.saving') : t('common.save')}
            </button>
          </Show>
        </>
      }
    >
      <Show when={props.policy}>
        {(p) => (
          <>
            <Show when={p().plan} fallback={<p class="muted">{t('planning.noPlan')}</p>}>
              {(plan) => (
                <>
                  <div class="stats">
                    <div>
                      <span class="muted small">{t('planning.onHand')}</span>
                      <span class="stat-value">{formatNumber(p().onHand, locale())}</span>
                    </div>
                    <div>
                      <span class="muted small">{t('planning.reorderPoint')}</span>
                      <span class="stat-value">{n1(plan().reorderPoint)}</span>
                    </div>
                    <div>
                      <span class="muted small">{t('planning.orderUpTo')}</span>
                      <span class="stat-value">{n1(plan().orderUpTo)}</span>
                    </div>
                    <div>
                      <span class="muted small">{t('planning.suggestedQty')}</span>
                      <span class="stat-value">{formatNumber(plan().suggestedQuantity, locale())}</span>
                    </div>
                  </div>
                  <figure class="forecast-figure">
                    <span class="muted small">{t('planning.axisMax', { units: n1(Math.max(0, ...plan().forecast.map((d) => d.upper))) })}</span>
                    <Sparkline
                      days={plan().forecast}
                      width={600}
                      height={110}
                      label={t('planning.forecastOf', { name: variantName(p()), days: plan().forecast.length })}
                    />
                    <figcaption class="forecast-axis muted small">
                      <span>{plan().forecast[0] ? formatDate(`${plan().forecast[0]?.date}T00:00:00Z`, locale()) : ''}</span>
                      <span>{t('planning.legend')}</span>
                      <span>{plan().forecast.length ? formatDate(`${plan().forecast[plan().forecast.length - 1]?.date}T00:00:00Z`, locale()) : ''}</span>
                    </figcaption>
                  </figure>
                  <p class="muted small">
                    {t('planning.planMeta', {
                      method: plan().method,
                      days: plan().leadTimeDays,
                      service: formatPercent(plan().serviceLevel, locale()),
                      at: formatDateTime(plan().computedAt, locale()),
                    })}
                  </p>
                  <details>
                    <summary class="small">{t('planning.forecastTable')}</summary>
                    <div class="table-wrap">
                      <table class="table compact">
                        <thead>
                          <tr>
                            <th>{t('planning.day')}</th>
                            <th class="num">{t('planning.mean')}</th>
                            <th class="num">{t('planning.interval')}</th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={plan().forecast}>
                            {(d) => (
                              <tr>
                                <td>{formatDate(`${d.date}T00:00:00Z`, locale())}</td>
                                <td class="num">{n1(d.mean)}</td>
                                <td class="num">
                                  {n1(d.lower)} – {n1(d.upper)}
                                </td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </details>
                </>
              )}
            </Show>
            <h3 class="section-title">{t('planning.policy')}</h3>
            <form id="policy-form" class="form" onSubmit={save} novalidate>
              <fieldset disabled={!props.canManage} class="plain-fieldset">
                <div class="grid-2">
                  <Field id="policy-supplier" label={t('planning.supplier')} error={err('supplierId')}>
                    <select id="policy-supplier" value={supplierId()} onChange={(e) => setSupplierId(e.currentTarget.value)}>
                      <option value="">{t('planning.noSupplier')}</option>
                      <For each={props.suppliers}>{(x) => <option value={x.id}>{x.name}</option>}</For>
                    </select>
                  </Field>
                  <Field id="policy-lead" label={t('planning.leadOverride')} error={err('leadTimeDays')} hint={t('planning.leadOverrideHint')}>
                    <input
                      id="policy-lead"
                      type="number"
                      min="0"
                      max="365"
                      value={lead()}
                      placeholder={String(p().effectiveLeadTimeDays)}
                      onInput={(e) => setLead(e.currentTarget.value)}
                      {...describedBy('policy-lead', err('leadTimeDays'), t('planning.leadOverrideHint'))}
                    />
                  </Field>
                  <Field id="policy-service" label={t('planning.serviceLevel')} error={err('serviceLevel')} hint={t('planning.serviceLevelHint')}>
                    <input
                      id="policy-service"
                      type="number"
                      min="50"
                      max="99.9"
                      step="0.1"
                      value={service()}
                      onInput={(e) => setService(e.currentTarget.value)}
                      {...describedBy('policy-service', err('serviceLevel'), t('planning.serviceLevelHint'))}
                    />
                  </Field>
                </div>
                <label class="checkbox">
                  <input type="checkbox" checked={enabled()} onChange={(e) => setEnabled(e.currentTarget.checked)} />
                  {t('planning.policyEnabled')}
                </label>
              </fieldset>
            </form>
          </>
        )}
      </Show>
    </Modal>
  );
}

function WebhookCard() {
  const s = useStore();
  const [hook, { refetch, mutate }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/inventory-planning/webhook', { params: { path: { storeId: id } } }).then((r) => r.webhook),
  );
  const [url, setUrl] = createSignal<string | null>(null);
  const [reveal, setReveal] = createSignal(false);
  const [freshSecret, setFreshSecret] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [test, setTest] = createSignal<{ ok: boolean; status: number | null; error: string | null } | null>(null);
  const current = () => url() ?? hook()?.url ?? '';
  const save = async (rotateSecret = false) => {
    setBusy(true);
    setError(null);
    try {
      const before = hook();
      const r = await api.PUT('/stores/{storeId}/inventory-planning/webhook', {
        params: { path: { storeId: s.storeId() } },
        body: {
          url: current().trim(),
          enabled: before?.enabled ?? true,
          rotateSecret,
        },
      });
      mutate(r.webhook);
      setUrl(null);
      // A new secret is shown once, right after it is made.
      if (!before || rotateSecret) setFreshSecret(r.webhook?.secret ?? null);
      toast.success(t('planning.webhookSaved'));
    } catch (ex) {
      setError(fieldErrors(ex).url ?? (ex as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const toggle = async (enabled: boolean) => {
    const h = hook();
    if (!h) return;
    try {
      mutate(
        (await api.PUT('/stores/{storeId}/inventory-planning/webhook', { params: { path: { storeId: s.storeId() } }, body: { url: h.url, enabled } })).webhook,
      );
    } catch (ex) {
      toast.error((ex as Error).message);
    }
  };
  const sendTest = async () => {
    setBusy(true);
    setTest(null);
    try {
      setTest(await api.POST('/stores/{storeId}/inventory-planning/webhook/test', { params: { path: { storeId: s.storeId() } } }));
    } catch (ex) {
      setTest({ ok: false, status: null, error: (ex as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    try {
      await api.DELETE('/stores/{storeId}/inventory-planning/webhook', { params: { path: { storeId: s.storeId() } } });
      setFreshSecret(null);
      setTest(null);
      refetch();
      toast.success(t('planning.webhookRemoved'));
    } catch (ex) {
      toast.error((ex as Error).message);
    }
  };
  return (
    <Card title={t('planning.alertSettings')} id="planning-webhook">
      <p class="muted small">{t('planning.alertSettingsBody')}</p>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        novalidate
      >
        <Field id="webhook-url" label={t('planning.webhookUrl')} error={error() ?? undefined} class="grow">
          <input
            id="webhook-url"
            type="url"
            placeholder="https://example.com/hooks/storeloom"
            value={current()}
            onInput={(e) => setUrl(e.currentTarget.value)}
            {...describedBy('webhook-url', error() ?? undefined)}
          />
        </Field>
        <button type="submit" class="button primary" disabled={busy() || !current().trim()}>
          {t('common.save')}
        </button>
      </form>
      <Show when={hook()}>
        {(h) => (
          <>
            <label class="checkbox">
              <input type="checkbox" checked={h().enabled} onChange={(e) => void toggle(e.currentTarget.checked)} />
              {t('planning.webhookEnabled')}
            </label>
            <Show when={freshSecret()}>
              <Banner tone="info" title={t('planning.secretOnce')}>
                <div class="secret">
                  <code>{freshSecret()}</code>
                  <button
                    type="button"
                    class="button small"
                    onClick={() => navigator.clipboard?.writeText(freshSecret() ?? '').then(() => toast.success(t('common.copied')))}
                  >
                    {t('common.copy')}
                  </button>
                </div>
              </Banner>
            </Show>
            <div class="field">
              <span class="field-label">{t('planning.secret')}</span>
              <div class="secret">
                <code>{reveal() ? h().secret : '••••••••••••••••••••'}</code>
                <button type="button" class="button small" onClick={() => setReveal(!reveal())}>
                  {reveal() ? t('planning.hide') : t('planning.reveal')}
                </button>
              </div>
              <p class="hint">{t('planning.signatureHint')}</p>
            </div>
            <div class="form-actions wrap">
              <button type="button" class="button" disabled={busy()} onClick={sendTest}>
                {t('planning.sendTest')}
              </button>
              <button type="button" class="button" disabled={busy()} onClick={() => void save(true)}>
                {t('planning.rotate')}
              </button>
              <button type="button" class="button danger" onClick={remove}>
                {t('planning.removeWebhook')}
              </button>
            </div>
            <Show when={test()}>
              {(r) => (
                <Banner tone={r().ok ? 'success' : 'critical'}>
                  {r().ok ? t('planning.testOk', { status: r().status ?? '' }) : t('planning.testFailed', { error: r().error ?? String(r().status ?? '') })}
                </Banner>
              )}
            </Show>
          </>
        )}
      </Show>
    </Card>
  );
}

export default function PlanningPage() {
  const s = useStore();
  const canManage = () => s.can('planning:manage');
  const base = () => `/stores/${s.storeId()}/inventory-planning`;
  const [orders, { refetch: refetchOrders }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/inventory-planning/purchase-orders', { params: { path: { storeId: id } } }).then((r) => r.data),
  );
  const [alerts, { refetch: refetchAlerts }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/inventory-planning/alerts', { params: { path: { storeId: id }, query: { limit: 50 } } }).then((r) => r.data),
  );
  const [policies, { refetch: refetchPolicies }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/inventory-planning/policies', { params: { path: { storeId: id } } }).then((r) => r.data),
  );
  const [suppliers, { refetch: refetchSuppliers }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/inventory-planning/suppliers', { params: { path: { storeId: id } } }).then((r) => r.data),
  );
  const [editingSupplier, setEditingSupplier] = createSignal<string | null>(null);
  const [deleting, setDeleting] = createSignal<Supplier | null>(null);
  const [policyOf, setPolicyOf] = createSignal<string | null>(null);
  const refreshAll = () => {
    refetchOrders();
    refetchAlerts();
    refetchPolicies();
  };
  const supplierName = (id: string | null) => (id ? (suppliers()?.find((x) => x.id === id)?.name ?? '—') : t('planning.noSupplier'));

  const csv = (groups: SuggestedPurchaseOrder[]) =>
    toCsv([
      ['supplier', 'supplier_email', 'product', 'variant', 'sku', 'on_hand', 'reorder_point', 'order_up_to', 'quantity', 'lead_time_days'],
      ...groups.flatMap((g) =>
        g.lines.map((l) => [
          g.supplierName ?? '',
          g.supplierEmail ?? '',
          l.productTitle,
          l.variantTitle,
          l.sku ?? '',
          l.onHand,
          Math.round(l.reorderPoint * 10) / 10,
          Math.round(l.orderUpTo * 10) / 10,
          l.quantity,
          l.leadTimeDays,
        ]),
      ),
    ]);
  const download = (groups: SuggestedPurchaseOrder[], name: string) => downloadText(`purchase-orders-${name}.csv`, csv(groups));
  const deleteSupplier = async (x: Supplier) => {
    try {
      await api.DELETE('/stores/{storeId}/inventory-planning/suppliers/{supplierId}', { params: { path: { storeId: s.storeId(), supplierId: x.id } } });
      toast.success(t('planning.supplierDeleted'));
      setDeleting(null);
      refetchSuppliers();
      refetchPolicies();
    } catch (ex) {
      toast.error((ex as Error).message);
    }
  };

  return (
    <div class="page">
      <PageHeader
        title={t('planning.title')}
        subtitle={t('planning.subtitle')}
        actions={
          <Show when={canManage()}>
            <RunNow
              start={() => api.POST('/stores/{storeId}/inventory-planning/runs', { params: { path: { storeId: s.storeId() } } })}
              status={(inventoryRunId) =>
                api.GET('/stores/{storeId}/inventory-planning/runs/{inventoryRunId}', { params: { path: { storeId: s.storeId(), inventoryRunId } } })
              }
              label={t('planning.runNow')}
              onDone={refreshAll}
            />
          </Show>
        }
      />

      <Card
        title={t('planning.purchaseOrders')}
        id="planning-pos"
        class="print-area"
        actions={
          <Show when={(orders()?.length ?? 0) > 0}>
            <div class="row-actions no-print">
              <button type="button" class="button small" onClick={() => download(orders() ?? [], 'all')}>
                {t('planning.downloadCsv')}
              </button>
              <button type="button" class="button small" onClick={() => window.print()}>
                {t('planning.print')}
              </button>
            </div>
          </Show>
        }
      >
        <Show when={orders.latest} fallback={<SkeletonRows rows={3} cols={4} />}>
          <Show when={(orders.latest?.length ?? 0) > 0} fallback={<p class="muted">{t('planning.noOrders')}</p>}>
            <For each={orders.latest}>
              {(g) => (
                <section class="po-group" aria-label={g.supplierName ?? t('planning.noSupplier')}>
                  <div class="po-head">
                    <div>
                      <h3>{g.supplierName ?? t('planning.noSupplier')}</h3>
                      <Show when={g.supplierEmail}>
                        <a class="muted small" href={`mailto:${g.supplierEmail}`}>
                          {g.supplierEmail}
                        </a>
                      </Show>
                    </div>
                    <div class="po-total">
                      <span class="muted small">{t('planning.totalUnits')}</span>
                      <strong>{formatNumber(g.totalUnits, locale())}</strong>
                    </div>
                  </div>
                  <div class="table-wrap">
                    <table class="table compact">
                      <thead>
                        <tr>
                          <th>{t('planning.item')}</th>
                          <th class="hide-phone">{t('inventory.sku')}</th>
                          <th class="num">{t('planning.onHand')}</th>
                          <th class="num hide-phone">{t('planning.reorderPoint')}</th>
                          <th class="num hide-phone">{t('planning.orderUpTo')}</th>
                          <th class="num">{t('planning.quantity')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={g.lines}>
                          {(l) => (
                            <tr>
                              <td>{variantName(l)}</td>
                              <td class="hide-phone">{l.sku ?? '—'}</td>
                              <td class="num">{formatNumber(l.onHand, locale())}</td>
                              <td class="num hide-phone">{n1(l.reorderPoint)}</td>
                              <td class="num hide-phone">{n1(l.orderUpTo)}</td>
                              <td class="num">
                                <strong>{formatNumber(l.quantity, locale())}</strong>
                              </td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </div>
                  <div class="no-print po-actions">
                    <button type="button" class="button small" onClick={() => download([g], (g.supplierName ?? 'no-supplier').replace(/[^\w-]+/g, '-'))}>
                      {t('planning.downloadSupplierCsv')}
                    </button>
                  </div>
                </section>
              )}
            </For>
          </Show>
        </Show>
      </Card>

      <Card title={t('planning.alerts')} id="planning-alerts" class="table-card no-print">
        <Show when={alerts.latest} fallback={<SkeletonRows rows={2} cols={4} />}>
          <Show when={(alerts.latest?.length ?? 0) > 0} fallback={<p class="muted card-pad">{t('planning.noAlerts')}</p>}>
            <div class="table-wrap">
              <table class="table compact">
                <thead>
                  <tr>
                    <th>{t('planning.item')}</th>
                    <th class="num">{t('planning.onHand')}</th>
                    <th class="num hide-phone">{t('planning.reorderPoint')}</th>
                    <th class="hide-phone">{t('planning.webhook')}</th>
                    <th>{t('planning.raised')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={alerts.latest}>
                    {(a) => (
                      <tr>
                        <td>{variantName(a)}</td>
                        <td class="num">{formatNumber(a.onHand, locale())}</td>
                        <td class="num hide-phone">{n1(a.reorderPoint)}</td>
                        <td class="hide-phone">
                          <Badge
                            value={a.webhookStatus === 'delivered' ? 'completed' : a.webhookStatus}
                            label={t(`planning.hook.${a.webhookStatus}` as const)}
                          />
                          <Show when={a.webhookLastError}>
                            <span class="muted small block">{a.webhookLastError}</span>
                          </Show>
                        </td>
                        <td class="small">{formatDateTime(a.createdAt, locale())}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </Card>

      <Card title={t('planning.variants')} id="planning-variants" class="table-card no-print">
        <Show when={!policies.error} fallback={<Banner tone="critical">{(policies.error as Error)?.message}</Banner>}>
          <Show when={policies.latest} fallback={<SkeletonRows rows={4} cols={5} />}>
            <Show when={(policies.latest?.length ?? 0) > 0} fallback={<EmptyState icon="inventory" title={t('planning.noVariants')} />}>
              <div class="table-wrap">
                <table class="table compact">
                  <thead>
                    <tr>
                      <th>{t('planning.item')}</th>
                      <th class="hide-phone">{t('planning.supplier')}</th>
                      <th class="hide-phone">{t('planning.forecast')}</th>
                      <th class="num">{t('planning.onHand')}</th>
                      <th class="num hide-phone">{t('planning.reorderPoint')}</th>
                      <th class="num hide-phone">{t('planning.orderUpTo')}</th>
                      <th class="num">{t('planning.suggestedQty')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={policies.latest}>
                      {(p) => {
                        const mean = () => {
                          const f = p.plan?.forecast ?? [];
                          return f.length ? f.reduce((a, b) => a + b.mean, 0) / f.length : 0;
                        };
                        return (
                          <tr>
                            <td>
                              <button
                                type="button"
                                class="link-button"
                                aria-label={t('planning.detailsOf', { name: variantName(p) })}
                                onClick={() => setPolicyOf(p.variantId)}
                              >
                                {variantName(p)}
                              </button>
                              <span class="muted small block">
                                {t('planning.leadDays', { days: p.effectiveLeadTimeDays })} · {formatPercent(p.serviceLevel, locale())}
                                <Show when={!p.enabled}> · {t('planning.off')}</Show>
                              </span>
                              <Show when={p.plan}>
                                {(plan) => (
                                  <span class="spark-cell show-phone">
                                    <Sparkline days={plan().forecast} label={t('planning.forecastShort', { mean: n1(mean()) })} />
                                    <span class="muted small">{t('planning.perDay', { mean: n1(mean()) })}</span>
                                  </span>
                                )}
                              </Show>
                            </td>
                            <td class="hide-phone">{supplierName(p.supplierId)}</td>
                            <td class="hide-phone">
                              <Show when={p.plan} fallback={<span class="muted small">{t('planning.notRun')}</span>}>
                                {(plan) => (
                                  <span class="spark-cell">
                                    <Sparkline days={plan().forecast} label={t('planning.forecastShort', { mean: n1(mean()) })} />
                                    <span class="muted small">{t('planning.perDay', { mean: n1(mean()) })}</span>
                                  </span>
                                )}
                              </Show>
                            </td>
                            <td class="num">
                              {formatNumber(p.onHand, locale())}
                              <Show when={p.plan?.low}>
                                <span class="block">
                                  <Badge value="low" />
                                </span>
                              </Show>
                            </td>
                            <td class="num hide-phone">{p.plan ? n1(p.plan.reorderPoint) : '—'}</td>
                            <td class="num hide-phone">{p.plan ? n1(p.plan.orderUpTo) : '—'}</td>
                            <td class="num">{p.plan ? formatNumber(p.plan.suggestedQuantity, locale()) : '—'}</td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </Show>
        </Show>
      </Card>

      <Card title={t('planning.suppliers')} id="planning-suppliers" class="no-print">
        <Show when={suppliers.latest} fallback={<SkeletonRows rows={2} cols={3} />}>
          <Show when={(suppliers.latest?.length ?? 0) > 0} fallback={<p class="muted">{t('planning.noSuppliers')}</p>}>
            <ul class="member-list">
              <For each={suppliers.latest}>
                {(x) => (
                  <li>
                    <Show
                      when={editingSupplier() === x.id}
                      fallback={
                        <div class="supplier-row">
                          <div class="grow">
                            <strong>{x.name}</strong>
                            <span class="muted small block">
                              {x.email ?? '—'} · {t('planning.leadDays', { days: x.leadTimeDays })}
                            </span>
                          </div>
                          <Show when={canManage()}>
                            <div class="row-actions">
                              <button
                                type="button"
                                class="button small"
                                aria-label={t('planning.editOf', { name: x.name })}
                                onClick={() => setEditingSupplier(x.id)}
                              >
                                {t('pricing.edit')}
                              </button>
                              <button
                                type="button"
                                class="button small danger"
                                aria-label={t('planning.deleteOf', { name: x.name })}
                                onClick={() => setDeleting(x)}
                              >
                                {t('pricing.delete')}
                              </button>
                            </div>
                          </Show>
                        </div>
                      }
                    >
                      <SupplierForm
                        supplier={x}
                        onCancel={() => setEditingSupplier(null)}
                        onSaved={() => {
                          setEditingSupplier(null);
                          refetchSuppliers();
                          refetchPolicies();
                        }}
                      />
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
        <Show when={canManage()}>
          <h3 class="section-title">{t('planning.addSupplier')}</h3>
          <SupplierForm supplier={null} onSaved={() => refetchSuppliers()} />
        </Show>
      </Card>

      <Show when={canManage()}>
        <div class="no-print">
          <WebhookCard />
        </div>
      </Show>

      <PolicyModal
        policy={policies()?.find((p) => p.variantId === policyOf()) ?? null}
        suppliers={suppliers() ?? []}
        canManage={canManage()}
        onClose={() => setPolicyOf(null)}
        onSaved={() => {
          setPolicyOf(null);
          refetchPolicies();
        }}
      />
      <ConfirmModal
        open={!!deleting()}
        title={t('planning.deleteSupplierTitle')}
        confirmLabel={t('pricing.delete')}
        onConfirm={() => deleting() && deleteSupplier(deleting() as Supplier)}
        onClose={() => setDeleting(null)}
      >
        <p>{t('planning.deleteSupplierBody', { name: deleting()?.name ?? '' })}</p>
      </ConfirmModal>
    </div>
  );
}
