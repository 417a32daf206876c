/** Settings → Data: store exports (progress, downloads) and "clone this store". Owner/admin; cloning is the owner's. */
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, describedBy, Field, ProgressBar } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, idempotencyKey, type Schemas, type Store } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

export type StoreExport = Schemas['StoreExport'];

const size = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

export function DataSection() {
  const s = useStore();
  const [exports, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/exports', { params: { path: { storeId: id } } }));
  const [starting, setStarting] = createSignal(false);
  const timer = setInterval(() => {
    if (exports()?.data.some((e) => e.state === 'waiting' || e.state === 'active')) refetch();
  }, 1500);
  onCleanup(() => clearInterval(timer));
  const start = async () => {
    setStarting(true);
    try {
      await api.POST('/stores/{storeId}/exports', { params: { path: { storeId: s.storeId() } }, headers: { 'Idempotency-Key': idempotencyKey() } });
      toast.success(t('data.exportStarted'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setStarting(false);
    }
  };

  const form = createFormState();
  const [name, setName] = createSignal('');
  const [slug, setSlug] = createSignal('');
  const [cloned, setCloned] = createSignal<Store | null>(null);
  const latestDone = () => exports()?.data.find((e) => e.state === 'completed');
  const clone = async (e: Event) => {
    e.preventDefault();
    const exp = latestDone();
    if (!exp) return;
    const res = await form.submit(() =>
      api.POST('/stores/{storeId}/clone', {
        params: { path: { storeId: s.storeId() } },
        body: { exportId: exp.id, name: name(), slug: slug() },
        headers: { 'Idempotency-Key': idempotencyKey() },
      }),
    );
    if (res) {
      setCloned(res.store);
      toast.success(t('data.cloneStarted'));
    }
  };

  return (
    <Card
      title={t('data.title')}
      id="data"
      actions={
        <button type="button" class="button small" disabled={starting()} onClick={start} data-testid="start-export">
          {t('data.export')}
        </button>
      }
    >
      <p class="muted">{t('data.exportHint')}</p>
      <Show when={!exports.error} fallback={<Banner tone="critical">{(exports.error as Error)?.message}</Banner>}>
        <Show when={(exports.latest?.data.length ?? 0) > 0} fallback={<p class="muted small">{t('data.noExports')}</p>}>
          <ul class="token-list" data-testid="exports">
            <For each={exports.latest?.data ?? []}>
              {(x) => (
                <li>
                  <div class="grow">
                    <strong>{formatDateTime(x.createdAt, locale())}</strong>
                    <Show when={x.rows}>
                      {(rows) => (
                        <span class="muted small block">
                          {t('data.counts', { products: rows().products ?? 0, customers: rows().customers ?? 0, orders: rows().orders ?? 0 })}
                        </span>
                      )}
                    </Show>
                    <Show when={x.error}>
                      <span class="field-error block">{x.error}</span>
                    </Show>
                    <Show when={x.state === 'active' || x.state === 'waiting'}>
                      <ProgressBar value={x.progress / 100} label={t('data.progress')} />
                    </Show>
                  </div>
                  <div>
                    <Show when={x.downloadUrl} fallback={<Badge value={x.state === 'waiting' ? 'queued' : x.state === 'active' ? 'running' : x.state} />}>
                      {(url) => (
                        <a class="button small" href={url()} download="" data-testid="download-export">
                          {t('data.download')} {x.bytes ? `(${size(x.bytes)})` : ''}
                        </a>
                      )}
                    </Show>
                  </div>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
      <Show when={s.can('store:delete')}>
        <h3 class="section-title">{t('data.cloneTitle')}</h3>
        <p class="muted">{t('data.cloneHint')}</p>
        <Show when={latestDone()} fallback={<p class="muted small">{t('data.cloneNeedsExport')}</p>}>
          <form class="form" onSubmit={clone} novalidate>
            <Show when={form.formError()}>
              <Banner tone="critical">{form.formError()}</Banner>
            </Show>
            <Field id="clone-name" label={t('data.cloneName')} error={form.errors().name}>
              <input id="clone-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} {...describedBy('clone-name', form.errors().name)} />
            </Field>
            <Field id="clone-slug" label={t('data.cloneSlug')} error={form.errors().slug}>
              <input
                id="clone-slug"
                value={slug()}
                onInput={(e) => setSlug(e.currentTarget.value.toLowerCase())}
                {...describedBy('clone-slug', form.errors().slug)}
              />
            </Field>
            <div class="form-actions">
              <button type="submit" class="button primary" disabled={form.busy() || !name() || !slug()}>
                {t('data.clone')}
              </button>
            </div>
          </form>
          <Show when={cloned()}>
            {(st) => (
              <Banner tone="success">
                {t('data.cloneQueued', { name: st().name })} <a href={`/stores/${st().id}/settings`}>{t('data.openClone')}</a>
              </Banner>
            )}
          </Show>
        </Show>
      </Show>
    </Card>
  );
}

type DeletedStore = Schemas['DeletedStore'];

/** Account page: the caller's deleted stores that can still be restored. */
export function DeletedStoresCard() {
  const [stores, { refetch }] = createResource(() => api.GET('/stores/deleted'));
  const restore = async (st: DeletedStore) => {
    try {
      await api.POST('/stores/{storeId}/restore', { params: { path: { storeId: st.id } } });
      toast.success(t('data.restored', { name: st.name }));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <Card title={t('data.deletedTitle')} id="deleted-stores">
      <Show when={(stores.latest?.data.length ?? 0) > 0} fallback={<p class="muted small">{t('data.noDeleted')}</p>}>
        <ul class="token-list" data-testid="deleted-stores">
          <For each={stores.latest?.data ?? []}>
            {(st) => (
              <li>
                <div class="grow">
                  <strong>{st.name}</strong> <span class="muted">{st.slug}</span>
                  <span class="muted small block">
                    {t('data.deletedOn', { date: formatDateTime(st.deletedAt, locale()), until: formatDateTime(st.restorableUntil, locale()) })}
                  </span>
                </div>
                <div>
                  <button type="button" class="button small" onClick={() => restore(st)}>
                    {t('data.restore')}
                  </button>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Card>
  );
}
