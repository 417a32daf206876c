import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { Badge, Banner, Card, createCursorPager, CursorPager, EmptyState, PageHeader, SearchInput, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type QueryOf } from '../lib/api.ts';
import { formatMoney, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
type Status = NonNullable<QueryOf<'/stores/{storeId}/discounts', 'get'>['status']>;
const STATUSES: Status[] = ['active', 'scheduled', 'expired', 'used_up', 'inactive'];

/** Discounts: status (scheduled / active / expired / used up / inactive), uses against the limit, orders, revenue. */
export default function DiscountsPage() {
  const s = useStore();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const pager = createCursorPager();
  const [page] = createResource(
    () => ({ id: s.storeId(), q: one(params.q), status: one(params.status), cursor: pager.cursor() }),
    (q) =>
      api.GET('/stores/{storeId}/discounts', {
        params: {
          path: { storeId: q.id },
          query: { q: q.q || undefined, status: (q.status || undefined) as Status | undefined, cursor: q.cursor, limit: 25 },
        },
      }),
  );
  const filtered = () => !!(one(params.q) || one(params.status));
  const money = (n: number) => formatMoney(n, s.currency(), locale());
  return (
    <div class="page">
      <PageHeader
        title={t('discounts.title')}
        subtitle={t('discounts.subtitle')}
        actions={
          <Show when={s.can('discounts:manage')}>
            <A class="button primary" href={s.path('/discounts/new')}>
              <Icon name="plus" size={16} /> {t('discounts.create')}
            </A>
          </Show>
        }
      />
      <Card class="table-card">
        <div class="toolbar">
          <SearchInput
            id="discount-search"
            label={t('discounts.search')}
            value={one(params.q)}
            onSearch={(q) => {
              pager.reset();
              setParams({ q: q || undefined }, { replace: true });
            }}
          />
          <label class="visually-hidden" for="discount-status">
            {t('discounts.status')}
          </label>
          <select
            id="discount-status"
            value={one(params.status)}
            onChange={(e) => {
              pager.reset();
              setParams({ status: e.currentTarget.value || undefined });
            }}
          >
            <option value="">{t('discounts.allStatuses')}</option>
            <For each={STATUSES}>{(v) => <option value={v}>{t(`status.${v}`)}</option>}</For>
          </select>
        </div>
        <Show when={!page.error} fallback={<Banner tone="critical">{(page.error as Error)?.message}</Banner>}>
          <Show when={page.latest || !page.loading} fallback={<SkeletonRows rows={6} cols={6} />}>
            <Show
              when={(page.latest?.items.length ?? 0) > 0}
              fallback={
                <EmptyState
                  icon="pricing"
                  title={filtered() ? t('discounts.noMatch') : t('discounts.emptyTitle')}
                  body={filtered() ? undefined : t('discounts.emptyBody')}
                >
                  <Show when={!filtered() && s.can('discounts:manage')}>
                    <A class="button primary" href={s.path('/discounts/new')}>
                      {t('discounts.create')}
                    </A>
                  </Show>
                </EmptyState>
              }
            >
              <div class="table-wrap">
                <table class="table" data-testid="discount-table">
                  <thead>
                    <tr>
                      <th>{t('discounts.discount')}</th>
                      <th>{t('discounts.status')}</th>
                      <th class="num">{t('discounts.uses')}</th>
                      <th class="num hide-phone">{t('discounts.orders')}</th>
                      <th class="num hide-phone">{t('discounts.revenue')}</th>
                      <th class="num hide-phone">{t('discounts.discounted')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={page.latest?.items ?? []}>
                      {(d) => (
                        <tr class="clickable" onClick={(e) => (e.target as HTMLElement).closest('a') || navigate(s.path(`/discounts/${d.id}`))}>
                          <td>
                            <A class="row-link" href={s.path(`/discounts/${d.id}`)}>
                              {d.title}
                            </A>
                            <span class="muted small block">{d.automatic ? t('discounts.automatic') : d.code}</span>
                          </td>
                          <td>
                            <Badge value={d.status} />
                          </td>
                          <td class="num">
                            {d.usageLimit
                              ? t('discounts.usesOf', { used: formatNumber(d.usedCount, locale()), limit: formatNumber(d.usageLimit, locale()) })
                              : formatNumber(d.usedCount, locale())}
                          </td>
                          <td class="num hide-phone">{formatNumber(d.orders, locale())}</td>
                          <td class="num hide-phone">{money(d.revenue)}</td>
                          <td class="num hide-phone">{money(d.discountedAmount)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <CursorPager pager={pager} nextCursor={page.latest?.nextCursor} />
            </Show>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
