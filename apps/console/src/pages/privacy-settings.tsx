/** Settings → Data retention: how long the store keeps each kind of shopper data (applied by the nightly retention job). */
import { createEffect, createResource, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { toast } from '../components/toast.tsx';
import { Banner, Card, describedBy, Field, SkeletonRows } from '../components/ui.tsx';
import { type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { useStore } from '../lib/store-context.ts';

type Retention = Schemas['RetentionSettings'];
type RetentionKey = keyof Retention;

/** Each period with its upper bound (the API's). */
const FIELDS: { key: RetentionKey; max: number }[] = [
  { key: 'abandonedCartsDays', max: 3650 },
  { key: 'eventsDays', max: 3650 },
  { key: 'searchLogsDays', max: 3650 },
  { key: 'sessionsDays', max: 365 },
  { key: 'mailBodiesDays', max: 3650 },
  { key: 'exportArchivesDays', max: 3650 },
  { key: 'privacyExportsDays', max: 90 },
];

export function RetentionSection() {
  const s = useStore();
  const form = createFormState();
  const [loaded] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/privacy-settings', { params: { path: { storeId: id } } }));
  const [values, setValues] = createStore<Record<RetentionKey, string>>({} as Record<RetentionKey, string>);
  createEffect(() => {
    const r = loaded()?.retention;
    if (r) for (const f of FIELDS) setValues(f.key, String(r[f.key]));
  });
  const save = async (e: Event) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    const body = {} as Retention;
    for (const f of FIELDS) {
      const n = Number(values[f.key]);
      if (!Number.isInteger(n) || n < 1 || n > f.max) errors[`retention.${f.key}`] = t('retention.invalidDays', { max: f.max });
      else body[f.key] = n;
    }
    form.setErrors(errors);
    if (Object.keys(errors).length) return;
    const r = await form.submit(() =>
      api.PATCH('/stores/{storeId}/privacy-settings', { params: { path: { storeId: s.storeId() } }, body: { retention: body } }),
    );
    if (r !== undefined) toast.success(t('settings.saved'));
  };
  const err = (k: RetentionKey) => form.errors()[`retention.${k}`];
  return (
    <Card title={t('retention.title')} id="retention">
      <p class="muted small">{t('retention.intro')}</p>
      <Show when={!loaded.error} fallback={<Banner tone="critical">{(loaded.error as Error)?.message}</Banner>}>
        <Show when={loaded()} fallback={<SkeletonRows rows={4} cols={2} />}>
          <form class="form" onSubmit={save} novalidate>
            <Show when={form.formError()}>
              <Banner tone="critical">{form.formError()}</Banner>
            </Show>
            <div class="grid-2">
              <For each={FIELDS}>
                {(f) => (
                  <Field
                    id={`retention-${f.key}`}
                    label={t(`retention.${f.key}` as MessageKey)}
                    error={err(f.key)}
                    hint={t(`retention.${f.key}Hint` as MessageKey)}
                  >
                    <input
                      id={`retention-${f.key}`}
                      name={f.key}
                      type="number"
                      inputmode="numeric"
                      min="1"
                      max={f.max}
                      value={values[f.key] ?? ''}
                      disabled={!s.can('privacy:manage')}
                      onInput={(e) => setValues(f.key, e.currentTarget.value)}
                      {...describedBy(`retention-${f.key}`, err(f.key), 'hint')}
                    />
                  </Field>
                )}
              </For>
            </div>
            <Show when={s.can('privacy:manage')}>
              <div class="form-actions">
                <button type="submit" class="button primary" disabled={form.busy()}>
                  {t('common.save')}
                </button>
              </div>
            </Show>
          </form>
        </Show>
      </Show>
    </Card>
  );
}

/** Settings → Optional tracking: the store's optional consent purposes (asked in the storefront's banner). */
export function TrackingSection() {
  const s = useStore();
  const form = createFormState();
  const [loaded, { mutate }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/privacy-settings', { params: { path: { storeId: id } } }));
  const toggle = async (key: 'recommendationTracking' | 'analytics', value: boolean) => {
    const r = await form.submit(() => api.PATCH('/stores/{storeId}/privacy-settings', { params: { path: { storeId: s.storeId() } }, body: { [key]: value } }));
    if (r !== undefined) {
      mutate(r);
      toast.success(t('settings.saved'));
    }
  };
  return (
    <Card title={t('tracking.title')} id="tracking">
      <p class="muted small">{t('tracking.intro')}</p>
      <Show when={form.formError()}>
        <Banner tone="critical">{form.formError()}</Banner>
      </Show>
      <Show when={loaded()} fallback={<SkeletonRows rows={2} cols={1} />}>
        {(settings) => (
          <div class="form">
            <For each={['recommendationTracking', 'analytics'] as const}>
              {(key) => (
                <label class="checkbox-row">
                  <input
                    type="checkbox"
                    name={key}
                    checked={settings()[key]}
                    disabled={!s.can('privacy:manage') || form.busy()}
                    onChange={(e) => toggle(key, e.currentTarget.checked)}
                    aria-describedby={`tracking-${key}-hint`}
                  />
                  <span>
                    <strong>{t(`tracking.${key}`)}</strong>
                    <span class="muted small block" id={`tracking-${key}-hint`}>
                      {t(`tracking.${key}Hint`)}
                    </span>
                  </span>
                </label>
              )}
            </For>
          </div>
        )}
      </Show>
    </Card>
  );
}
