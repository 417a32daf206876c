/**
 * Merchant webhooks (issue 21, Settings → Webhooks): the store's endpoints, create/edit with the events as grouped
 * checkboxes, the signing secret shown once (create, rotate) with a copy button, delete, a test ping, the delivery log
 * of an endpoint (status, response code, time; each attempt's request and response, truncated by the API) with
 * redeliver, and an endpoint disabled after sustained failure turned back on. docs/design/webhooks.md.
 */
import { useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, EmptyState, Field, FormModal, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { api, type BodyOf, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Webhook = Schemas['Webhook'];
type Delivery = Schemas['WebhookDelivery'];
type EventType = BodyOf<'/stores/{storeId}/webhooks', 'post'>['events'][number];
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

/** The events an endpoint can subscribe to, grouped by resource (docs/design/webhooks.md, Events). */
const EVENT_GROUPS: { label: MessageKey; events: EventType[] }[] = [
  { label: 'webhooks.group.orders', events: ['order.created', 'order.paid', 'order.fulfilled', 'order.refunded', 'order.cancelled', 'order.edited'] },
  { label: 'webhooks.group.drafts', events: ['draft_order.created', 'draft_order.updated', 'draft_order.completed'] },
  {
    label: 'webhooks.group.returns',
    events: ['return.requested', 'return.approved', 'return.declined', 'return.received', 'return.refunded', 'return.closed'],
  },
  { label: 'webhooks.group.products', events: ['product.created', 'product.updated', 'product.deleted'] },
  { label: 'webhooks.group.inventory', events: ['inventory.low_stock'] },
  { label: 'webhooks.group.customers', events: ['customer.created'] },
];

function SecretModal(props: { secret: string | null; onClose: () => void }) {
  return (
    <Modal
      open={props.secret !== null}
      title={t('webhooks.secretTitle')}
      onClose={props.onClose}
      footer={
        <button type="button" class="button primary" onClick={props.onClose}>
          {t('common.done')}
        </button>
      }
    >
      <Banner tone="warning">{t('webhooks.secretOnce')}</Banner>
      <div class="secret">
        <code data-testid="webhook-secret">{props.secret}</code>
        <button
          type="button"
          class="button small"
          onClick={() => void navigator.clipboard?.writeText(props.secret ?? '').then(() => toast.success(t('common.copied')))}
        >
          {t('common.copy')}
        </button>
      </div>
      <p class="hint">{t('webhooks.secretUse')}</p>
    </Modal>
  );
}

function EndpointForm(props: { open: boolean; endpoint: Webhook | null; onClose: () => void; onSaved: (w: Webhook, secret: string | null) => void }) {
  const s = useStore();
  const [url, setUrl] = createSignal('');
  const [description, setDescription] = createSignal('');
  const [events, setEvents] = createSignal<string[]>([]);
  const form = createFormState();
  // Filled each time the dialog opens (a new endpoint starts with the order events).
  const reset = () => {
    setUrl(props.endpoint?.url ?? '');
    setDescription(props.endpoint?.description ?? '');
    setEvents(props.endpoint?.events ?? ['order.created', 'order.paid']);
    form.setErrors({});
    form.setFormError(null);
  };
  let wasOpen = false;
  const opened = () => {
    if (props.open && !wasOpen) reset();
    wasOpen = props.open;
    return props.open;
  };
  const toggle = (e: string, on: boolean) => setEvents(on ? [...events().filter((x) => x !== e), e] : events().filter((x) => x !== e));
  const submit = async (ev: SubmitEvent) => {
    ev.preventDefault();
    if (!url().trim()) {
      form.setErrors({ url: t('webhooks.urlRequired') });
      return;
    }
    if (!events().length) {
      form.setErrors({ events: t('webhooks.eventsRequired') });
      return;
    }
    const body = { url: url().trim(), events: events() as EventType[], description: description().trim() || null };
    const current = props.endpoint;
    const r = await form.submit(async () =>
      current
        ? {
            hook: await api.PATCH('/stores/{storeId}/webhooks/{webhookId}', { params: { path: { storeId: s.storeId(), webhookId: current.id } }, body }),
            secret: null,
          }
        : await api
            .POST('/stores/{storeId}/webhooks', { params: { path: { storeId: s.storeId() } }, body })
            .then((w) => ({ hook: w as Webhook, secret: w.secret })),
    );
    if (r) props.onSaved(r.hook, r.secret);
  };
  return (
    <FormModal
      open={opened()}
      wide
      title={props.endpoint ? t('webhooks.editTitle') : t('webhooks.addTitle')}
      onClose={props.onClose}
      formId="webhook-form"
      formClass="form"
      onSubmit={(e) => void submit(e)}
      submitLabel={props.endpoint ? t('common.save') : t('webhooks.add')}
      busy={form.busy()}
      error={form.formError()}
    >
      <Field id="webhook-url" label={t('webhooks.url')} error={form.errors().url} hint={t('webhooks.urlHint')}>
        <input
          id="webhook-url"
          type="url"
          inputmode="url"
          autocomplete="off"
          placeholder="https://app.example.com/hooks/storeloom"
          value={url()}
          onInput={(e) => setUrl(e.currentTarget.value)}
          {...describedBy('webhook-url', form.errors().url, 'x')}
        />
      </Field>
      <Field id="webhook-description" label={t('webhooks.description')} error={form.errors().description}>
        <input id="webhook-description" value={description()} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <div class="webhook-events">
        <For each={EVENT_GROUPS}>
          {(g) => (
            <fieldset class="checkbox-list">
              <legend>{t(g.label)}</legend>
              <For each={g.events}>
                {(e) => (
                  <label class="checkbox">
                    <input type="checkbox" checked={events().includes(e)} onChange={(x) => toggle(e, x.currentTarget.checked)} />
                    <code>{e}</code>
                  </label>
                )}
              </For>
            </fieldset>
          )}
        </For>
      </div>
      <Show when={form.errors().events}>
        <p class="field-error" role="alert">
          {form.errors().events}
        </p>
      </Show>
    </FormModal>
  );
}

function DeliveryDetail(props: { webhookId: string; delivery: Delivery; onClose: () => void; onRedelivered: () => void }) {
  const s = useStore();
  const path = () => ({ storeId: s.storeId(), webhookId: props.webhookId, deliveryId: props.delivery.id });
  const [detail, { mutate }] = createResource(
    () => props.delivery.id,
    () => api.GET('/stores/{storeId}/webhooks/{webhookId}/deliveries/{deliveryId}', { params: { path: path() } }),
  );
  const form = createFormState();
  const redeliver = async () => {
    const r = await form.submit(() => api.POST('/stores/{storeId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', { params: { path: path() } }));
    if (r) {
      mutate(r);
      toast.success(t('webhooks.redelivered'));
      props.onRedelivered();
    }
  };
  return (
    <Modal
      open
      wide
      title={t('webhooks.deliveryTitle', { type: props.delivery.type })}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" class="button" onClick={props.onClose}>
            {t('common.close')}
          </button>
          <button type="button" class="button primary" disabled={form.busy()} onClick={() => void redeliver()}>
            {t('webhooks.redeliver')}
          </button>
        </>
      }
    >
      <Show when={form.formError()}>
        <Banner tone="critical">{form.formError()}</Banner>
      </Show>
      <Show when={detail()} fallback={<SkeletonRows rows={3} />}>
        {(d) => (
          <div class="stack" data-testid="delivery-detail">
            <p class="muted small">
              {t('webhooks.eventId')}: <code>{d().eventId}</code> · <Badge value={d().status} />
            </p>
            <Show when={d().log.length} fallback={<p class="muted">{t('webhooks.noAttempts')}</p>}>
              <For each={[...d().log].reverse()}>
                {(a) => (
                  <section class="delivery-attempt">
                    <h3 class="subheading">{t('webhooks.attempt', { number: a.attempt, date: formatDateTime(a.at, locale()), ms: a.durationMs })}</h3>
                    <p>
                      {t('webhooks.response')}: <strong>{a.response.status ?? '—'}</strong>
                      <Show when={a.error}> · {a.error}</Show>
                    </p>
                    <h4 class="small">{t('webhooks.request')}</h4>
                    <pre class="code-block" tabindex="0">
                      {Object.entries(a.request.headers)
                        .map(([k, v]) => `${k}: ${v}`)
                        .join('\n')}
                      {'\n\n'}
                      {a.request.body}
                    </pre>
                    <h4 class="small">{t('webhooks.responseBody')}</h4>
                    <pre class="code-block" tabindex="0">
                      {a.response.body ?? '—'}
                    </pre>
                  </section>
                )}
              </For>
            </Show>
          </div>
        )}
      </Show>
    </Modal>
  );
}

function DeliveryLog(props: { hook: Webhook; onClose: () => void }) {
  const s = useStore();
  const [status, setStatus] = createSignal<'' | 'pending' | 'succeeded' | 'failed'>('');
  const [open, setOpen] = createSignal<Delivery | null>(null);
  const [page, { refetch }] = createResource(
    () => ({ id: props.hook.id, status: status() }),
    (q) =>
      api.GET('/stores/{storeId}/webhooks/{webhookId}/deliveries', {
        params: { path: { storeId: s.storeId(), webhookId: q.id }, query: { limit: 50, ...(q.status ? { status: q.status } : {}) } },
      }),
  );
  return (
    <>
      <Modal
        open={!open()}
        wide
        title={t('webhooks.logTitle', { url: props.hook.url })}
        onClose={props.onClose}
        footer={
          <>
            <button type="button" class="button" onClick={() => void refetch()}>
              {t('webhooks.refresh')}
            </button>
            <button type="button" class="button primary" onClick={props.onClose}>
              {t('common.close')}
            </button>
          </>
        }
      >
        <div class="toolbar">
          <label for="delivery-status">{t('webhooks.statusFilter')}</label>
          <select id="delivery-status" value={status()} onChange={(e) => setStatus(e.currentTarget.value as '' | 'pending' | 'succeeded' | 'failed')}>
            <option value="">{t('webhooks.allDeliveries')}</option>
            <option value="succeeded">{t('status.succeeded')}</option>
            <option value="pending">{t('status.pending')}</option>
            <option value="failed">{t('status.failed')}</option>
          </select>
        </div>
        <Show when={page.latest} fallback={<SkeletonRows rows={3} />}>
          {(p) => (
            <Show when={p().items.length} fallback={<p class="muted">{t('webhooks.noDeliveries')}</p>}>
              <div class="table-wrap">
                <table class="table" data-testid="deliveries-table">
                  <thead>
                    <tr>
                      <th>{t('webhooks.event')}</th>
                      <th>{t('webhooks.deliveryStatus')}</th>
                      <th class="num">{t('webhooks.code')}</th>
                      <th class="hide-phone">{t('webhooks.time')}</th>
                      <th class="num hide-phone">{t('webhooks.attempts')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={p().items}>
                      {(d) => (
                        <tr>
                          <td>
                            <button type="button" class="link-button" onClick={() => setOpen(d)}>
                              {d.type}
                            </button>
                          </td>
                          <td>
                            <Badge value={d.status} />
                          </td>
                          <td class="num">{d.lastStatus ?? '—'}</td>
                          <td class="hide-phone">{formatDateTime(d.lastAttemptAt ?? d.createdAt, locale())}</td>
                          <td class="num hide-phone">{d.attempts}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          )}
        </Show>
      </Modal>
      <Show when={open()}>
        {(d) => <DeliveryDetail webhookId={props.hook.id} delivery={d()} onClose={() => setOpen(null)} onRedelivered={() => void refetch()} />}
      </Show>
    </>
  );
}

export default function WebhooksPage() {
  const s = useStore();
  const [params, setParams] = useSearchParams();
  const [hooks, { refetch, mutate }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/webhooks', { params: { path: { storeId: id } } }),
  );
  const [formOpen, setFormOpen] = createSignal(false);
  const [editing, setEditing] = createSignal<Webhook | null>(null);
  const [secret, setSecret] = createSignal<string | null>(null);
  const [deleting, setDeleting] = createSignal<Webhook | null>(null);
  const action = createFormState();
  const path = (id: string) => ({ storeId: s.storeId(), webhookId: id });
  const replace = (w: Webhook) => mutate((prev) => (prev ? { items: prev.items.map((x) => (x.id === w.id ? w : x)) } : prev));
  const logOf = () => hooks.latest?.items.find((h) => h.id === one(params.endpoint));

  const reenable = async (w: Webhook) => {
    const r = await action.submit(() => api.PATCH('/stores/{storeId}/webhooks/{webhookId}', { params: { path: path(w.id) }, body: { enabled: true } }));
    if (r) {
      replace(r);
      toast.success(t('webhooks.reenabled'));
    }
  };
  const disable = async (w: Webhook) => {
    const r = await action.submit(() => api.PATCH('/stores/{storeId}/webhooks/{webhookId}', { params: { path: path(w.id) }, body: { enabled: false } }));
    if (r) replace(r);
  };
  const test = async (w: Webhook) => {
    const r = await action.submit(() => api.POST('/stores/{storeId}/webhooks/{webhookId}/test', { params: { path: path(w.id) } }));
    if (!r) return;
    if (r.ok) toast.success(t('webhooks.testOk', { status: r.status ?? '' }));
    else toast.error(t('webhooks.testFailed', { reason: r.error ?? String(r.status ?? '') }));
  };
  const rotate = async (w: Webhook) => {
    const r = await action.submit(() => api.POST('/stores/{storeId}/webhooks/{webhookId}/rotate-secret', { params: { path: path(w.id) } }));
    if (r) setSecret(r.secret);
  };
  const remove = async () => {
    const w = deleting();
    setDeleting(null);
    if (!w) return;
    const ok = await action.submit(() => api.DELETE('/stores/{storeId}/webhooks/{webhookId}', { params: { path: path(w.id) } }).then(() => true));
    if (ok) {
      toast.success(t('webhooks.deleted'));
      void refetch();
    }
  };

  return (
    <div class="page page-narrow">
      <PageHeader
        title={t('webhooks.title')}
        subtitle={t('webhooks.subtitle')}
        back={{ href: s.path('/settings'), label: t('settings.title') }}
        actions={
          <Show when={s.can('store:update')}>
            <button
              type="button"
              class="button primary"
              onClick={() => {
                setEditing(null);
                setFormOpen(true);
              }}
            >
              {t('webhooks.add')}
            </button>
          </Show>
        }
      />
      <Show when={action.formError()}>
        <Banner tone="critical">{action.formError()}</Banner>
      </Show>
      <Card>
        <Show when={!hooks.error} fallback={<Banner tone="critical">{(hooks.error as Error)?.message}</Banner>}>
          <Show when={hooks.latest} fallback={<SkeletonRows rows={3} />}>
            {(h) => (
              <Show when={h().items.length} fallback={<EmptyState icon="external" title={t('webhooks.emptyTitle')} body={t('webhooks.emptyBody')} />}>
                <ul class="plain-list" data-testid="webhooks-list">
                  <For each={h().items}>
                    {(w) => (
                      <li class="plain-list-row webhook-row">
                        <div class="grow">
                          <p class="break-word">
                            <strong>{w.url}</strong>{' '}
                            <Show
                              when={w.enabled}
                              fallback={<Badge value={w.disabledReason === 'failing' ? 'failed' : 'archived'} label={t('webhooks.disabled')} />}
                            >
                              <Badge value="active" label={t('webhooks.enabled')} />
                            </Show>
                          </p>
                          <Show when={w.description}>
                            <p class="muted small">{w.description}</p>
                          </Show>
                          <p class="muted small">{w.events.join(', ')}</p>
                          <p class="muted small">
                            {w.lastSuccessAt ? t('webhooks.lastSuccess', { date: formatDateTime(w.lastSuccessAt, locale()) }) : t('webhooks.noSuccess')}
                            <Show when={w.lastFailureAt}> · {t('webhooks.lastFailure', { date: formatDateTime(w.lastFailureAt ?? '', locale()) })}</Show>
                          </p>
                          <Show when={!w.enabled && w.disabledReason === 'failing'}>
                            <Banner tone="warning">{t('webhooks.disabledFailing', { count: w.consecutiveFailures })}</Banner>
                          </Show>
                        </div>
                        <div class="card-actions">
                          <button type="button" class="button small" onClick={() => setParams({ endpoint: w.id })}>
                            {t('webhooks.deliveries')}
                          </button>
                          <Show when={s.can('store:update')}>
                            <Show
                              when={w.enabled}
                              fallback={
                                <button type="button" class="button small primary" disabled={action.busy()} onClick={() => void reenable(w)}>
                                  {t('webhooks.reenable')}
                                </button>
                              }
                            >
                              <button type="button" class="button small" disabled={action.busy()} onClick={() => void test(w)}>
                                {t('webhooks.test')}
                              </button>
                              <button type="button" class="button small" disabled={action.busy()} onClick={() => void disable(w)}>
                                {t('webhooks.disable')}
                              </button>
                            </Show>
                            <button
                              type="button"
                              class="button small"
                              onClick={() => {
                                setEditing(w);
                                setFormOpen(true);
                              }}
                            >
                              {t('webhooks.edit')}
                            </button>
                            <button type="button" class="button small" disabled={action.busy()} onClick={() => void rotate(w)}>
                              {t('webhooks.rotate')}
                            </button>
                            <button type="button" class="button small danger" onClick={() => setDeleting(w)}>
                              {t('webhooks.delete')}
                            </button>
                          </Show>
                        </div>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Show>
        </Show>
      </Card>
      <Card title={t('webhooks.verifyTitle')} id="verify">
        <p>{t('webhooks.verifyBody')}</p>
        <pre class="code-block" tabindex="0">
          {'Storeloom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">'}
        </pre>
        <ul class="plain-list small">
          <li>{t('webhooks.verifyRaw')}</li>
          <li>{t('webhooks.verifyTime')}</li>
          <li>{t('webhooks.verifyDedupe')}</li>
        </ul>
        <p class="muted small">{t('webhooks.verifyDocs')}</p>
        <a class="button small" href="/api/v1/docs">
          {t('webhooks.apiReference')}
        </a>
      </Card>
      <EndpointForm
        open={formOpen()}
        endpoint={editing()}
        onClose={() => setFormOpen(false)}
        onSaved={(w, newSecret) => {
          setFormOpen(false);
          if (newSecret) {
            void refetch();
            setSecret(newSecret);
          } else {
            replace(w);
            toast.success(t('webhooks.saved'));
          }
        }}
      />
      <SecretModal secret={secret()} onClose={() => setSecret(null)} />
      <ConfirmModal
        open={!!deleting()}
        title={t('webhooks.delete')}
        confirmLabel={t('webhooks.delete')}
        onConfirm={() => void remove()}
        onClose={() => setDeleting(null)}
      >
        <p>{t('webhooks.deleteConfirm', { url: deleting()?.url ?? '' })}</p>
      </ConfirmModal>
      <Show when={logOf()}>{(w) => <DeliveryLog hook={w()} onClose={() => setParams({ endpoint: undefined })} />}</Show>
    </div>
  );
}
