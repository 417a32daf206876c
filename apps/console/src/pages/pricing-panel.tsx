/** The product editor's "Dynamic pricing" panel: this product's pricing status, with a link to the pricing page. */
import { A } from '@solidjs/router';
import { createResource, Show } from 'solid-js';
import { Badge, Card } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type PriceChange, type PricingSettings } from '../lib/api.ts';
import { formatMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

export function DynamicPricingPanel(props: { productId: string; collectionIds: string[] }) {
  const s = useStore();
  const [data] = createResource(
    () => ({ id: s.storeId(), p: props.productId }),
    async (q) => {
      const [settings, waiting] = await Promise.all([
        api.GET('/stores/{storeId}/pricing/settings', { params: { path: { storeId: q.id } } }),
        api.GET('/stores/{storeId}/pricing/changes', { params: { path: { storeId: q.id }, query: { status: 'suggested', productId: q.p } } }),
      ]);
      return { settings: settings.data, waiting: waiting.data };
    },
  );
  // Product settings win over a collection's (as in the pricing run).
  const own = () => data()?.settings.find((x) => x.productId === props.productId);
  const viaCollection = () => data()?.settings.find((x) => x.collectionId && props.collectionIds.includes(x.collectionId));
  const active = () => own() ?? viaCollection();
  return (
    <Card title={t('pricing.panelTitle')} id="dynamic-pricing">
      <Show when={data()} fallback={<p class="muted small">{t('common.loading')}</p>}>
        <Show when={active()} fallback={<p class="muted small">{t('pricing.panelOff')}</p>}>
          {(x) => (
            <div class="stack">
              <div>
                <Show when={x().paused} fallback={<Badge value={x().enabled ? 'active' : 'draft'} label={x().enabled ? t('pricing.on') : t('pricing.off')} />}>
                  <Badge value="failed" label={t('pricing.paused')} />
                </Show>{' '}
                <span class="muted small">{x().mode === 'auto' ? t('pricing.modeAutoShort') : t('pricing.modeSuggestShort')}</span>
              </div>
              <Show when={x().paused}>
                <p class="small text-critical">{x().pausedReason}</p>
              </Show>
              <p class="small">
                {t('pricing.range', { floor: formatMoney(x().floor, s.currency(), locale()), ceiling: formatMoney(x().ceiling, s.currency(), locale()) })}
              </p>
              <Show when={!own()}>
                <p class="muted small">{t('pricing.panelViaCollection')}</p>
              </Show>
              <Show when={(data()?.waiting.length ?? 0) > 0}>
                <p class="small">
                  <strong>{t('pricing.panelWaiting', { count: data()?.waiting.length ?? 0 })}</strong>
                </p>
              </Show>
            </div>
          )}
        </Show>
        <A class="button block" href={s.path(`/pricing?product=${props.productId}`)}>
          {active() ? t('pricing.panelOpen') : s.can('planning:manage') ? t('pricing.panelSetUp') : t('pricing.panelOpen')}
        </A>
      </Show>
    </Card>
  );
}
