import { A } from '@solidjs/router';
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Card, EmptyState, PageHeader, SearchInput, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { ApiError, api, idempotencyKey, type StockRow } from '../lib/api.ts';
import { formatNumber } from '../lib/format.ts';
import { stockLevel } from '../lib/stock.ts';
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
      const r = await api.POST('/stores/{storeId}/variants/{variantId}/inventory-adjustments', {
        params: { path: { storeId: s.storeId(), variantId: props.row.variantId } },
        body: { delta, reason: delta > 0 ? 'received' : 'correction' },
        headers: { 'idempotency-key': idempotencyKey() },
      });
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

/** Blank = no alert for this variant; saved on blur or Enter when the value changed. */
function ThresholdCell(props: { row: Row; onSaved: (row: StockRow) => void; disabled: boolean }) {
  const s = useStore();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  // Enter saves and then the input loses focus (disabled while saving, or replaced by the refreshed row): the
  // local copy of the saved value and the busy flag keep that blur from saving a second time.
  let current = props.row.threshold;
  const save = async (input: HTMLInputElement) => {
    if (busy()) return;
    const raw = input.value.trim();
    const next = raw === '' ? null : Number(raw);
    if (next === current) return;
    if (next !== null && (!Number.isInteger(next) || next < 0)) {
      setError(t('inventory.thresholdInvalid'));
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const r = await api.PUT('/stores/{storeId}/variants/{variantId}/low-stock-threshold', {
        params: { path: { storeId: s.storeId(), variantId: props.row.variantId } },
        body: { lowStockThreshold: next },
      });
      current = r.lowStockThreshold;
      props.onSaved(r);
      toast.success(t('inventory.thresholdSaved'));
    } catch (e) {
      setError(e instanceof ApiError ? (e.fieldErrors.lowStockThreshold ?? e.message) : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const id = () => `threshold-${props.row.variantId}`;
  return (
    <div class="threshold">
      <input
        id={id()}
        type="number"
        min="0"
        step="1"
        inputmode="numeric"
        class="qty-input"
        placeholder={t('inventory.thresholdNone')}
        aria-label={t('inventory.thresholdOf', { title: `${props.row.productTitle} ${props.row.variantTitle}` })}
        aria-invalid={error() ? 'true' : undefined}
        aria-describedby={error() ? `${id()}-error` : undefined}
        value={props.row.threshold ?? ''}
        disabled={busy() || props.disabled}
        onBlur={(e) => void save(e.currentTarget)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void save(e.currentTarget);
          }
        }}
      />
      <Show when={error()}>
        <span id={`${id()}-error`} class="field-error small block" role="alert">
          {error()}
        </span>
      </Show>
    </div>
  );
}

export default function InventoryPage() {
  const s = useStore();
  const [query, setQuery] = createSignal('');
  const [lowOnly, setLowOnly] = createSignal(false);
  const [cursor, setCursor] = createSignal<string | undefined>(undefined);
  const [overrides, setOverrides] = createSignal<Record<string, { quantity?: number; threshold?: number | null }>>({});
  const [page] = createResource(
    () => ({ id: s.storeId(), q: query(), cursor: cursor(), lowStock: lowOnly() }),
    (q) =>
      api.GET('/stores/{storeId}/inventory', {
        params: { path: { storeId: q.id }, query: { q: q.q, cursor: q.cursor, limit: 50, lowStock: q.lowStock ? 'true' : undefined } },
      }),
  );
  const rows = createMemo<Row[]>(() =>
    (page.latest?.data ?? []).map((v) => {
      const o = overrides()[v.variantId] ?? {};
      return {
        productId: v.productId,
        productTitle: v.productTitle,
        variantId: v.variantId,
        variantTitle: v.variantTitle,
        sku: v.sku,
        quantity: o.quantity ?? v.inventoryQuantity,
        threshold: o.threshold !== undefined ? o.threshold : v.lowStockThreshold,
      };
    }),
  );
  const patch = (variantId: string, p: { quantity?: number; threshold?: number | null }) =>
    setOverrides({ ...overrides(), [variantId]: { ...overrides()[variantId], ...p } });
  const visible = rows;

  return (
    <div class="page">
      <PageHeader title={t('inventory.title')} subtitle={t('inventory.subtitle')} />
      <Card class="table-card">
        <div class="toolbar">
          <SearchInput
            id="inventory-search"
            label={t('inventory.search')}
            onSearch={(q) => {
              setCursor(undefined);
              setQuery(q);
            }}
          />
          <label class="checkbox">
            <input
              type="checkbox"
              checked={lowOnly()}
              onChange={(e) => {
                setCursor(undefined);
                setLowOnly(e.currentTarget.checked);
              }}
            />
            {t('inventory.lowOnly')}
          </label>
        </div>
        <Show when={page.latest || !page.loading} fallback={<SkeletonRows rows={8} cols={5} />}>
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
                    <th>{t('inventory.lowThreshold')}</th>
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
                          <ThresholdCell
                            row={r}
                            disabled={!s.can('inventory:adjust')}
                            onSaved={(saved) => patch(r.variantId, { threshold: saved.lowStockThreshold, quantity: saved.inventoryQuantity })}
                          />
                        </td>
                        <td>
                          <AdjustCell row={r} disabled={!s.can('inventory:adjust')} onDone={(q) => patch(r.variantId, { quantity: q })} />
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
