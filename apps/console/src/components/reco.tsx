/** Recommendation lists shared by the recommendations page and the product editor's panel. */
import { A } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { type MessageKey, t } from '../i18n/index.ts';
import { api, type RecoEntry, type RecoProductPreview } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { Badge, Card, SkeletonRows } from './ui.tsx';

const SOURCE_TONE: Record<string, string> = { cf: 'completed', content: 'info', history: 'queued', popular: 'neutral' };

export function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}` as MessageKey;
  const text = t(key);
  return text === key ? value : text;
}

export function sourceLabel(source: string) {
  return label('reco.source', source);
}

/** A ranked list of recommended products with image, title, score and where the score came from. */
export function RecoList(props: { items: RecoEntry[]; empty: string; testId?: string }) {
  const s = useStore();
  return (
    <Show when={props.items.length > 0} fallback={<p class="muted">{props.empty}</p>}>
      <ol class="result-list" data-testid={props.testId}>
        <For each={props.items}>
          {(it, i) => (
            <li class="result-item">
              <Show when={it.image} fallback={<span class="thumb thumb-empty" aria-hidden="true" />}>
                <img class="thumb" src={it.image as string} alt="" loading="lazy" />
              </Show>
              <div class="result-body">
                <div class="result-title">
                  <span class="muted small">{i() + 1}.</span>
                  <Show when={it.title} fallback={<span class="muted">{t('reco.deletedProduct')}</span>}>
                    <A href={s.path(`/products/${it.productId}`)}>{it.title}</A>
                  </Show>
                  <Show when={it.status && it.status !== 'active'}>
                    <Badge value={it.status as string} />
                  </Show>
                </div>
                <div class="muted small">
                  <Badge value={SOURCE_TONE[it.source] ?? 'neutral'} label={sourceLabel(it.source)} /> {t('reco.score', { score: it.score.toFixed(3) })}
                </div>
              </div>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

/** The product editor's panel: this product's "customers also bought" preview, with a link to the page. */
export function ProductRecoPanel(props: { productId: string }) {
  const s = useStore();
  const [preview] = createResource(
    () => ({ id: s.storeId(), pid: props.productId }),
    (k) =>
      api
        .GET('/stores/{storeId}/recommendations/products/{productId}', { params: { path: { storeId: k.id, productId: k.pid }, query: { limit: 5 } } })
        .catch(() => null),
  );
  return (
    <Card title={t('reco.panel.title')} id="product-reco">
      <Show when={preview.state === 'ready' || preview.latest !== undefined} fallback={<SkeletonRows rows={2} cols={1} />}>
        <Show when={preview.latest} fallback={<p class="muted small">{t('reco.panel.unavailable')}</p>}>
          {(p) => (
            <Show when={p().modelVersion !== null} fallback={<p class="muted small">{t('reco.panel.noModel')}</p>}>
              <RecoList items={p().items} empty={t('reco.preview.empty')} testId="product-reco-list" />
            </Show>
          )}
        </Show>
      </Show>
      <A href={s.path('/recommendations')} class="small">
        {t('reco.panel.link')}
      </A>
    </Card>
  );
}
