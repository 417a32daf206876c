import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { Badge, Banner, Card, createCursorPager, CursorPager, EmptyState, PageHeader, SearchInput, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { ApiError, api, type OrderSummary, type QueryOf } from '../lib/api.ts';
import { formatDateTime, formatMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

type OrdersQuery = QueryOf<'/stores/{storeId}/orders', 'get'>;

export default function OrdersPage() {
  const s = useStore();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const pager = createCursorPager();
  const [orders] = createResource(
    () => ({ id: s.storeId(), q: one(params.q), paymentStatus: one(params.payment), fulfillmentStatus: one(params.fulfillment), cursor: pager.cursor() }),
    async (q) => {
      try {
        return await api.GET('/stores/{storeId}/orders', {
          params: {
            path: { storeId: q.id },
            query: {
              q: q.q,
              paymentStatus: q.paymentStatus as OrdersQuery['paymentStatus'],
              fulfillmentStatus: q.fulfillmentStatus as OrdersQuery['fulfillmentStatus'],
              cursor: q.cursor,
              limit: 25,
            },
          },
        });
      } catch (e) {
        // A platform without the orders module yet has no orders to show.
        if (e instanceof ApiError && e.status === 404 && e.code === 'not_found') return { items: [], nextCursor: null };
        throw e;
      }
    },
  );
  const filtered = () => !!(one(params.q) || one(params.payment) || one(params.fulfillment));
  return (
    <div class="page">
      <PageHeader title={t('orders.title')} />
      <Card class="table-card">
        <div class="toolbar">
          <SearchInput
            id="order-search"
            label={t('orders.search')}
            value={one(params.q)}
            onSearch={(q) => setParams({ q: q || undefined }, { replace: true })}
          />
          <label class="visually-hidden" for="payment-filter">
            {t('orders.payment')}
          </label>
          <select id="payment-filter" value={one(params.payment)} onChange={(e) => setParams({ payment: e.currentTarget.value || undefined })}>
            <option value="">{t('orders.allPayments')}</option>
            <For each={['pending', 'paid', 'failed', 'expired', 'partially_refunded', 'refunded'] as const}>
              {(v) => <option value={v}>{t(`status.${v}`)}</option>}
            </For>
          </select>
          <label class="visually-hidden" for="fulfillment-filter">
            {t('orders.fulfillment')}
          </label>
          <select id="fulfillment-filter" value={one(params.fulfillment)} onChange={(e) => setParams({ fulfillment: e.currentTarget.value || undefined })}>
            <option value="">{t('orders.allFulfillments')}</option>
            <option value="unfulfilled">{t('status.unfulfilled')}</option>
            <option value="fulfilled">{t('status.fulfilled')}</option>
          </select>
        </div>
        <Show when={!orders.error} fallback={<Banner tone="critical">{(orders.error as Error)?.message}</Banner>}>
          <Show when={orders.latest || !orders.loading} fallback={<SkeletonRows rows={6} cols={5} />}>
            <Show
              when={(orders.latest?.items.length ?? 0) > 0}
              fallback={
                <EmptyState
                  icon="orders"
                  title={filtered() ? t('orders.noMatchTitle') : t('orders.emptyTitle')}
                  body={filtered() ? t('orders.noMatchBody') : t('orders.emptyBody')}
                >
                  <Show when={!filtered() && s.store()}>
                    <a class="button" href={s.store()?.url} target="_blank" rel="noopener">
                      {t('shell.viewStore')}
                    </a>
                  </Show>
                </EmptyState>
              }
            >
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>{t('orders.order')}</th>
                      <th class="hide-phone">{t('orders.date')}</th>
                      <th>{t('orders.customer')}</th>
                      <th>{t('orders.payment')}</th>
                      <th class="hide-phone">{t('orders.fulfillment')}</th>
                      <th class="num">{t('orders.total')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={orders.latest?.items ?? []}>
                      {(o) => (
                        <tr class="clickable" onClick={(e) => (e.target as HTMLElement).closest('a') || navigate(s.path(`/orders/${o.id}`))}>
                          <td>
                            <A class="row-link" href={s.path(`/orders/${o.id}`)}>
                              #{o.number}
                            </A>
                          </td>
                          <td class="hide-phone">{formatDateTime(o.createdAt, locale())}</td>
                          <td>
                            {o.customerName ?? o.email}
                            <span class="muted small block hide-phone">{o.customerName ? o.email : ''}</span>
                          </td>
                          <td>
                            <Badge value={o.paymentStatus} />
                          </td>
                          <td class="hide-phone">
                            <Badge value={o.fulfillmentStatus} />
                          </td>
                          <td class="num">{formatMoney(o.total, o.currency, locale())}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <CursorPager pager={pager} nextCursor={orders.latest?.nextCursor} />
            </Show>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
