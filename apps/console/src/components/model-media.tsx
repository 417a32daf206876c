/**
 * A product's 3D models in the product editor (issue 20): upload a `.glb` (with alt text, a poster and an optional
 * `.usdz`), see it turn in `<model-viewer>` and read the Khronos validator's report. model-viewer (three.js inside,
 * ~1 MB) is the same pre-built bundle the storefront serves, imported only once a model is on screen.
 */
import '../online-store.css';
import { createEffect, createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { locale, t } from '../i18n/index.ts';
import { ApiError, api, idempotencyKey, type Schemas, upload } from '../lib/api.ts';
import { formatDate } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';
import { toast } from './toast.tsx';
import { Banner, Card, Field } from './ui.tsx';

type Media = Schemas['ProductMedia'];
type ValidatorMessage = Media['report']['messages'][number];

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements {
      'model-viewer': JSX.HTMLAttributes<HTMLElement> & {
        'attr:src': string;
        'attr:alt'?: string;
        'attr:poster'?: string | undefined;
        'attr:camera-controls'?: string;
        'attr:touch-action'?: string;
        'attr:tabindex'?: string;
        'attr:loading'?: string;
      };
    }
  }
}

let viewerLoaded: Promise<unknown> | undefined;
/** Loads the model-viewer custom element once, on first use. */
export const loadModelViewer = () => {
  viewerLoaded ??= import('@google/model-viewer/dist/model-viewer.min.js');
  return viewerLoaded;
};

function Report(props: { report: Media['report'] | { messages: ValidatorMessage[] }; title: string }) {
  const r = props.report as Partial<Media['report']> & { messages: ValidatorMessage[] };
  return (
    <div class="model-report" data-testid="model-report">
      <h3 class="small">{props.title}</h3>
      <Show when={r.numErrors !== undefined}>
        <ul class="model-report-facts small">
          <li>{t('models.errors', { number: r.numErrors ?? 0 })}</li>
          <li>{t('models.warnings', { number: r.numWarnings ?? 0 })}</li>
          <Show when={r.triangles !== null && r.triangles !== undefined}>
            <li>{t('models.triangles', { number: (r.triangles ?? 0).toLocaleString(locale()) })}</li>
          </Show>
          <Show when={r.generator}>
            <li>{t('models.generator', { name: r.generator ?? '' })}</li>
          </Show>
          <Show when={r.validatorVersion}>
            <li>{t('models.validator', { version: r.validatorVersion ?? '' })}</li>
          </Show>
        </ul>
      </Show>
      <Show when={r.messages.length > 0} fallback={<p class="small muted">{t('models.noMessages')}</p>}>
        <ul class="model-messages small">
          <For each={r.messages}>
            {(m) => (
              <li class={`severity-${m.severity}`}>
                <strong>{m.severity}</strong> <code>{m.code}</code> {m.message}
                <Show when={m.pointer}>
                  {' '}
                  <code class="muted">{m.pointer}</code>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

function ModelPreview(props: { media: Media; onDelete: () => void }): JSX.Element {
  const [ready, setReady] = createSignal(false);
  createEffect(() => {
    void loadModelViewer().then(
      () => setReady(true),
      () => setReady(false),
    );
  });
  return (
    <li class="model-tile" data-testid="model-tile">
      <div class="model-stage">
        <Show when={ready()} fallback={<Show when={props.media.posterUrl}>{(p) => <img src={p()} alt={props.media.alt ?? ''} />}</Show>}>
          {/* attr: sets attributes, as the storefront's server-rendered markup does (not properties on a not-yet-upgraded element). */}
          <model-viewer
            attr:src={props.media.url}
            attr:alt={props.media.alt ?? t('models.defaultAlt')}
            attr:poster={props.media.posterUrl ?? undefined}
            attr:camera-controls=""
            attr:touch-action="pan-y"
            attr:tabindex="0"
            attr:loading="eager"
            style={{ width: '100%', height: '100%', display: 'block' }}
          />
        </Show>
      </div>
      <p class="small">
        <strong>{props.media.alt || t('models.noAlt')}</strong>
        <br />
        <span class="muted">
          {t('models.size', { kb: Math.round(props.media.bytes / 1024).toLocaleString(locale()) })} · {formatDate(props.media.createdAt, locale())}
          {props.media.usdzUrl ? ` · ${t('models.hasUsdz')}` : ''}
        </span>
      </p>
      <Report report={props.media.report} title={t('models.report')} />
      <button type="button" class="button small danger" onClick={props.onDelete}>
        {t('models.delete')}
      </button>
    </li>
  );
}

export function ModelMedia(props: { productId: string }) {
  const s = useStore();
  const [list, { refetch }] = createResource(
    () => ({ storeId: s.storeId(), productId: props.productId }),
    async (q) => (await api.GET('/stores/{storeId}/products/{productId}/media', { params: { path: q } })).data,
  );
  const [busy, setBusy] = createSignal(false);
  const [refused, setRefused] = createSignal<{ message: string; messages: ValidatorMessage[] } | null>(null);
  // Not a <form>: this card sits inside the product editor's form, and forms do not nest.
  let box: HTMLDivElement | undefined;
  const submit = async () => {
    if (!box) return;
    const data = new FormData();
    for (const input of box.querySelectorAll<HTMLInputElement>('input[name]')) {
      if (input.type === 'file') {
        const f = input.files?.[0];
        if (f) data.set(input.name, f);
      } else data.set(input.name, input.value);
    }
    const file = data.get('file');
    if (!(file instanceof File) || !file.size) {
      toast.error(t('models.chooseFile'));
      return;
    }
    if (!String(data.get('alt') ?? '').trim()) data.delete('alt');
    setBusy(true);
    setRefused(null);
    try {
      await upload(
        '/stores/{storeId}/products/{productId}/media',
        { params: { path: { storeId: s.storeId(), productId: props.productId } }, headers: { 'idempotency-key': idempotencyKey() } },
        data,
      );
      for (const input of box.querySelectorAll<HTMLInputElement>('input[name]')) input.value = '';
      toast.success(t('models.uploaded'));
      await refetch();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'model_invalid') {
        const d = err.details as { messages?: ValidatorMessage[] } | undefined;
        setRefused({ message: err.message, messages: d?.messages ?? [] });
      } else toast.error((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (m: Media) => {
    try {
      await api.DELETE('/stores/{storeId}/products/{productId}/media/{mediaId}', {
        params: { path: { storeId: s.storeId(), productId: props.productId, mediaId: m.id } },
      });
      toast.success(t('models.deleted'));
      await refetch();
    } catch (err) {
      toast.error((err as Error).message);
    }
  };
  return (
    <Card title={t('models.title')} id="models">
      <p class="muted small">{t('models.hint')}</p>
      <Show when={(list()?.length ?? 0) > 0}>
        <ul class="model-grid">
          <For each={list() ?? []}>{(m) => <ModelPreview media={m} onDelete={() => void remove(m)} />}</For>
        </ul>
      </Show>
      <Show when={refused()}>
        {(r) => (
          <Banner tone="critical" title={t('models.refused')}>
            <p>{r().message}</p>
            <Report report={{ messages: r().messages }} title={t('models.report')} />
          </Banner>
        )}
      </Show>
      <div ref={box} class="model-upload">
        <Field id="model-file" label={t('models.file')}>
          <input id="model-file" name="file" type="file" accept=".glb,model/gltf-binary" data-testid="model-upload" />
        </Field>
        <Field id="model-alt" label={t('models.alt')}>
          <input id="model-alt" name="alt" maxLength={255} />
        </Field>
        <Field id="model-poster" label={t('models.poster')}>
          <input id="model-poster" name="poster" type="file" accept="image/png,image/jpeg,image/webp" />
        </Field>
        <Field id="model-usdz" label={t('models.usdz')}>
          <input id="model-usdz" name="usdz" type="file" accept=".usdz,model/vnd.usdz+zip" />
        </Field>
        <button type="button" class="button" disabled={busy()} onClick={() => void submit()}>
          {busy() ? t('editor.uploading') : t('models.upload')}
        </button>
      </div>
    </Card>
  );
}
