import { A } from '@solidjs/router';
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Card, EmptyState, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, idempotencyKey, type Page, type Product } from '../lib/api.ts';
import { formatNumber } from '../lib/format.ts';
import { DEFAULT_LOW_STOCK, stockLevel } from '../lib/stock.ts';
import { useStore } from '../lib/store-context.ts';

interface Row {
  productId: string;
  productTitle: string;
  variantId: string;
  variantTitle: string;
  sku: string | null;
  quantity: number;
  threshold: number | null;
}

function AdjustCell(props: { row: Row; onDone: (quantity: number) => void; disabled: boolean }) {
  const [value, setValue] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const s = useStore();
  const apply = async (delta: number) => {
    if (!delta || !Number.isInteger(delta)) return;
    setBusy(true);
    try {
      const r = await api.post<{ inventoryQuantity: number }>(
        `/stores/${s.storeId()}/variants/${props.row.variantId}/inventory-adjustments`,
        { delta, reason: delta > 0 ? 'received' : 'correction' },
        { headers: { 'idempotency-key': idempotencyKey() } },
      );
      props.onDone(r.inventoryQuantity);
      setValue('');
      toast.success(t('inventory.adjusted', { title: props.row.productTitle, quantity: r.inventoryQuantity }));
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="adjust"
      onSubmit={(e) => {
        e.preventDefault();
        void apply(Number(value()));
      }}
    >
      <button
        type="button"
        class="icon-button small"
        aria-label={t('inventory.decrease', { title: props.row.variantTitle })}
        disabled={busy() || props.disabled || props.row.quantity <= 0}
        onClick={() => apply(-1)}
      >
        −
      </button>
      <input
        type="number"
        step="1"
        class="qty-input"
        placeholder="±0"
        aria-label={t('inventory.adjustBy', { title: `${props.row.productTitle} ${props.row.variantTitle}` })}
        value={value()}
        disabled={props.disabled}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button
        type="button"
        class="icon-button small"
        aria-label={t('inventory.increase', { title: props.row.variantTitle })}
        disabled={busy() || props.disabled}
        onClick={() => apply(1)}
      >
        +
      </button>
      <button type="submit" class="button small" disabled={busy() || props.disabled || !value()}>
        {t('inventory.apply')}
      </button>
    </form>
  );
}

export default function InventoryPage() {
  const s = useStore();
  const [query, setQuery] = createSignal('');
  const [lowOnly, setLowOnly] = createSignal(false);
  const [cursor, setCursor] = createSignal<string | undefined>(undefined);
  const [overrides, setOverrides] = createSignal<Record<string, number>>({});
  const [page] = createResource(
    () => ({ id: s.storeId(), q: query(), cursor: cursor() }),
    (q) => api.get<Page<Product>>(`/stores/${q.id}/products`, { query: { q: q.q, cursor: q.cursor, limit: 50, sort: 'title' } }),
  );
  const rows = createMemo<Row[]>(() =>
    (page.latest?.data ?? []).flatMap((p) =>
      p.variants.map((v) => ({
        productId: p.id,
        productTitle: p.title,
        variantId: v.id,
        variantTitle: v.title,
        sku: v.sku,
        quantity: overrides()[v.id] ?? v.inventoryQuantity,
        threshold: v.lowStockThreshold ?? null,
      })),
    ),
  );
  const visible = () => (lowOnly() ? rows().filter((r) => stockLevel(r.quantity, r.threshold) !== 'ok') : rows());
  let timer: ReturnType<typeof setTimeout> | undefined;

  return (
    <div class="page">
      <PageHeader title={t('inventory.title')} subtitle={t('inventory.subtitle', { count: DEFAULT_LOW_STOCK })} />
      <Card class="table-card">
        <div class="toolbar">
          <div class="search-input">
            <Icon name="search" size={16} />
            <label class="visually-hidden" for="inventory-search">
              {t('inventory.search')}
            </label>
            <input
              id="inventory-search"
              type="search"
              placeholder={t('inventory.search')}
              onInput={(e) => {
                const v = e.currentTarget.value;
                clearTimeout(timer);
                timer = setTimeout(() => {
                  setCursor(undefined);
                  setQuery(v);
                }, 250);
              }}
            />
          </div>
          <label class="checkbox">
            <input type="checkbox" checked={lowOnly()} onChange={(e) => setLowOnly(e.currentTarget.checked)} />
            {t('inventory.lowOnly')}
          </label>
        </div>
        <Show when={page.latest || !page.loading} fallback={<SkeletonRows rows={8} cols={4} />}>
          <Show
            when={visible().length > 0}
            fallback={
              <EmptyState
                icon="inventory"
                title={lowOnly() ? t('inventory.noLowTitle') : t('inventory.emptyTitle')}
                body={lowOnly() ? t('inventory.noLowBody') : t('inventory.emptyBody')}
              >
                <Show when={!lowOnly()}>
                  <A class="button primary" href={s.path('/products/new')}>
                    {t('products.add')}
                  </A>
                </Show>
              </EmptyState>
            }
          >
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th>{t('inventory.product')}</th>
                    <th class="hide-phone">{t('inventory.sku')}</th>
                    <th class="num">{t('inventory.available')}</th>
                    <th>{t('inventory.adjust')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={visible()}>
                    {(r) => (
                      <tr>
                        <td>
                          <A href={s.path(`/products/${r.productId}`)} class="row-link">
                            {r.productTitle}
                          </A>
                          <Show when={r.variantTitle && r.variantTitle !== 'Default'}>
                            <span class="muted small block">{r.variantTitle}</span>
                          </Show>
                        </td>
                        <td class="hide-phone">{r.sku ?? '—'}</td>
                        <td class="num">
                          <span class="stock">
                            {formatNumber(r.quantity, locale())}
                            <Show when={stockLevel(r.quantity, r.threshold) !== 'ok'}>
                              <Badge value={stockLevel(r.quantity, r.threshold)} />
                            </Show>
                          </span>
                        </td>
                        <td>
                          <AdjustCell row={r} disabled={!s.can('inventory:adjust')} onDone={(q) => setOverrides({ ...overrides(), [r.variantId]: q })} />
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <nav class="pagination" aria-label={t('common.pagination')}>
              <button type="button" class="button small" disabled={!cursor()} onClick={() => setCursor(undefined)}>
                {t('common.first')}
              </button>
              <button type="button" class="button small" disabled={!page.latest?.nextCursor} onClick={() => setCursor(page.latest?.nextCursor ?? undefined)}>
                {t('common.next')} →
              </button>
            </nav>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
