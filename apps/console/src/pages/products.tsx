import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createResource, createSignal, For, on, Show } from 'solid-js';
import { CollectionPicker } from '../components/collection-picker.tsx';
import { Icon } from '../components/icons.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Card, createCursorPager, CursorPager, EmptyState, Modal, PageHeader, SearchInput, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type BulkResult, type Collection, type Product, type ProductStatus, type QueryOf } from '../lib/api.ts';

type ProductsQuery = QueryOf<'/stores/{storeId}/products', 'get'>;
import { formatMoney, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

const SORTS = ['-createdAt', 'createdAt', '-updatedAt', 'title', '-title'] as const;
const PAGE_SIZE = 25;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

export function priceRange(p: Product, currency: string, loc: string): string {
  const prices = p.variants.map((v) => v.price);
  if (!prices.length) return '—';
  const min = Math.min(...prices);
  const max = Math.max(...prices);
  return min === max ? formatMoney(min, currency, loc) : `${formatMoney(min, currency, loc)} – ${formatMoney(max, currency, loc)}`;
}

export default function ProductsPage() {
  const s = useStore();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const pager = createCursorPager();
  const [selected, setSelected] = createSignal<Set<string>>(new Set());
  const [bulkStatus, setBulkStatus] = createSignal<ProductStatus | null>(null);
  const [bulkBusy, setBulkBusy] = createSignal(false);

  const filters = createMemo(() => ({
    q: one(params.q),
    status: one(params.status),
    collectionId: one(params.collection),
    tag: one(params.tag),
    sort: one(params.sort) || '-createdAt',
  }));
  createEffect(
    on(filters, () => {
      pager.reset();
      setSelected(new Set<string>());
    }),
  );

  const [page, { refetch }] = createResource(
    () => ({ storeId: s.storeId(), ...filters(), cursor: pager.cursor() }),
    (q) =>
      api.GET('/stores/{storeId}/products', {
        params: {
          path: { storeId: q.storeId },
          query: {
            q: q.q,
            status: q.status as ProductsQuery['status'],
            collectionId: q.collectionId,
            tag: q.tag,
            sort: q.sort as ProductsQuery['sort'],
            cursor: q.cursor,
            limit: PAGE_SIZE,
          },
        },
      }),
  );
  // The collection filter's chosen collection, resolved from its id in the URL (so a reload shows its title).
  const [filterCollection] = createResource(
    () => (filters().collectionId ? { storeId: s.storeId(), collectionId: filters().collectionId } : false),
    async (q) => {
      const c = await api.GET('/stores/{storeId}/collections/{collectionId}', { params: { path: q } });
      return { id: c.id, title: c.title };
    },
  );

  const filtered = () => !!(filters().q || filters().status || filters().collectionId || filters().tag);
  const rows = () => page.latest?.data ?? [];
  const allSelected = () => rows().length > 0 && rows().every((p) => selected().has(p.id));
  const toggle = (id: string) => {
    const next = new Set(selected());
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleAll = () => setSelected(allSelected() ? new Set<string>() : new Set(rows().map((p) => p.id)));

  // One request for the whole selection; the server answers per id, so a product that failed is named, not hidden.
  const applyBulk = async (status: ProductStatus) => {
    setBulkBusy(true);
    const ids = [...selected()];
    try {
      const { results } = await api.POST('/stores/{storeId}/products/bulk', {
        params: { path: { storeId: s.storeId() } },
        body: status === 'archived' ? { action: 'archive', ids } : { action: 'set-status', status, ids },
      });
      const done = results.filter((r) => r.ok).length;
      for (const r of results) {
        if (r.ok) continue;
        const title = rows().find((p) => p.id === r.id)?.title ?? r.id;
        toast.error(`${title}: ${r.error?.code === 'version_conflict' ? t('products.changedMeanwhile') : (r.error?.message ?? r.error?.code ?? '')}`);
      }
      if (done) toast.success(t('products.bulkDone', { count: done }));
      setSelected(new Set<string>());
    } catch (err) {
      toast.error((err as Error).message);
    } finally {
      setBulkBusy(false);
      setBulkStatus(null);
      refetch();
    }
  };

  return (
    <div class="page">
      <PageHeader
        title={t('products.title')}
        actions={
          <>
            <a class="button" href={`/api/v1/stores/${s.storeId()}/products/export.csv`} download="" title={t('products.exportHint')}>
              {t('products.export')}
            </a>
            <Show when={s.can('catalog:import')}>
              <A class="button" href={s.path('/import')}>
                {t('products.import')}
              </A>
            </Show>
            <Show when={s.can('catalog:write')}>
              <A class="button primary" href={s.path('/products/new')}>
                <Icon name="plus" size={16} /> {t('products.add')}
              </A>
            </Show>
          </>
        }
      />
      <Card class="table-card">
        <div class="toolbar">
          <SearchInput
            id="product-search"
            label={t('products.search')}
            placeholder={t('products.searchPlaceholder')}
            value={one(params.q)}
            onSearch={(q) => setParams({ q: q || undefined }, { replace: true })}
          />
          <label class="visually-hidden" for="filter-status">
            {t('products.status')}
          </label>
          <select id="filter-status" value={filters().status} onChange={(e) => setParams({ status: e.currentTarget.value || undefined })}>
            <option value="">{t('products.allStatuses')}</option>
            <option value="active">{t('status.active')}</option>
            <option value="draft">{t('status.draft')}</option>
            <option value="archived">{t('status.archived')}</option>
          </select>
          <CollectionPicker
            id="filter-collection"
            label={t('products.collection')}
            selected={filters().collectionId ? (filterCollection.latest ?? null) : null}
            onPick={(c) => setParams({ collection: c.id })}
            onClear={() => setParams({ collection: undefined })}
          />
          <label class="visually-hidden" for="filter-tag">
            {t('products.tag')}
          </label>
          <input
            id="filter-tag"
            class="tag-filter"
            placeholder={t('products.tagPlaceholder')}
            value={filters().tag}
            onChange={(e) => setParams({ tag: e.currentTarget.value.trim() || undefined })}
          />
          <label class="visually-hidden" for="sort">
            {t('products.sort')}
          </label>
          <select id="sort" value={filters().sort} onChange={(e) => setParams({ sort: e.currentTarget.value })}>
            <For each={[...SORTS]}>{(o) => <option value={o}>{t(`products.sort.${o}` as const)}</option>}</For>
          </select>
        </div>
        <Show when={selected().size > 0 && s.can('catalog:write')}>
          <section class="bulk-bar" aria-label={t('products.bulkActions')}>
            <span>{t('products.selected', { count: selected().size })}</span>
            <button type="button" class="button small" onClick={() => setBulkStatus('active')}>
              {t('products.setActive')}
            </button>
            <button type="button" class="button small" onClick={() => setBulkStatus('draft')}>
              {t('products.setDraft')}
            </button>
            <button type="button" class="button small danger" onClick={() => setBulkStatus('archived')}>
              {t('products.archive')}
            </button>
          </section>
        </Show>
        <Show when={!page.loading || page.latest} fallback={<SkeletonRows rows={8} cols={5} />}>
          <Show
            when={rows().length > 0}
            fallback={
              <Show
                when={filtered()}
                fallback={
                  <EmptyState icon="products" title={t('products.emptyTitle')} body={t('products.emptyBody')}>
                    <Show when={s.can('catalog:write')}>
                      <A class="button primary" href={s.path('/products/new')}>
                        {t('products.add')}
                      </A>
                    </Show>
                    <Show when={s.can('catalog:import')}>
                      <A class="button" href={s.path('/import')}>
                        {t('products.import')}
                      </A>
                    </Show>
                  </EmptyState>
                }
              >
                <EmptyState icon="search" title={t('products.noMatchTitle')} body={t('products.noMatchBody')}>
                  <button type="button" class="button" onClick={() => setParams({ q: undefined, status: undefined, collection: undefined, tag: undefined })}>
                    {t('products.clearFilters')}
                  </button>
                </EmptyState>
              </Show>
            }
          >
            <div class="table-wrap" classList={{ 'is-refreshing': page.loading }}>
              <table class="table">
                <thead>
                  <tr>
                    <th class="col-check">
                      <input type="checkbox" aria-label={t('products.selectAll')} checked={allSelected()} onChange={toggleAll} />
                    </th>
                    <th>{t('products.product')}</th>
                    <th>{t('products.status')}</th>
                    <th class="hide-phone num">{t('products.inventory')}</th>
                    <th class="hide-phone">{t('products.type')}</th>
                    <th class="num">{t('products.price')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={rows()}>
                    {(p) => {
                      const stock = () => p.variants.reduce((n, v) => n + v.inventoryQuantity, 0);
                      return (
                        <tr class="clickable" onClick={(e) => (e.target as HTMLElement).closest('input,a') || navigate(s.path(`/products/${p.id}`))}>
                          <td class="col-check">
                            <input
                              type="checkbox"
                              aria-label={t('products.selectOne', { title: p.title })}
                              checked={selected().has(p.id)}
                              onChange={() => toggle(p.id)}
                            />
                          </td>
                          <td>
                            <div class="product-cell">
                              <Show
                                when={p.images[0]}
                                fallback={
                                  <span class="thumb thumb-empty" aria-hidden="true">
                                    <Icon name="box" size={16} />
                                  </span>
                                }
                              >
                                {(img) => <img class="thumb" src={img().url} alt="" loading="lazy" />}
                              </Show>
                              <span>
                                <A href={s.path(`/products/${p.id}`)} class="row-link">
                                  {p.title}
                                </A>
                                <span class="muted small block">{t('products.variantCount', { count: p.variants.length })}</span>
                              </span>
                            </div>
                          </td>
                          <td>
                            <Badge value={p.status} />
                          </td>
                          <td class="hide-phone num">
                            <span classList={{ 'text-critical': stock() === 0 }}>{t('products.inStock', { count: stock() })}</span>
                          </td>
                          <td class="hide-phone">{p.productType ?? '—'}</td>
                          <td class="num">{priceRange(p, s.currency(), locale())}</td>
                        </tr>
                      );
                    }}
                  </For>
                </tbody>
              </table>
            </div>
            <CursorPager pager={pager} nextCursor={page.latest?.nextCursor} />
          </Show>
        </Show>
      </Card>
      <Modal
        open={bulkStatus() !== null}
        title={t('products.bulkConfirmTitle')}
        onClose={() => setBulkStatus(null)}
        footer={
          <>
            <button type="button" class="button" onClick={() => setBulkStatus(null)}>
              {t('common.cancel')}
            </button>
            <button type="button" class="button primary" disabled={bulkBusy()} onClick={() => applyBulk(bulkStatus() as ProductStatus)}>
              {t('common.confirm')}
            </button>
          </>
        }
      >
        <p>{t('products.bulkConfirmBody', { count: selected().size, status: t(`status.${bulkStatus() ?? 'draft'}` as const) })}</p>
      </Modal>
    </div>
  );
}
