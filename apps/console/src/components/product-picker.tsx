import { t } from '../i18n/index.ts';
import { api, type Product } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { type PickerOption, SearchPicker } from './search-picker.tsx';

/** A product search box: type, pick one from the list (products API `q` = title, handle or SKU contains). */
export function ProductPicker(props: {
  id: string;
  label: string;
  onPick: (p: Product) => void;
  error?: string | undefined;
  selected?: Pick<Product, 'id' | 'title'> | null | undefined;
  onClear?: (() => void) | undefined;
}) {
  const s = useStore();
  const search = async (q: string): Promise<PickerOption<Product>[]> => {
    const r = await api.GET('/stores/{storeId}/products', { params: { path: { storeId: s.storeId() }, query: { q: q || undefined, limit: 8 } } });
    return r.data.map((p) => ({ id: p.id, label: p.title, detail: p.variants[0]?.sku ?? undefined, image: p.images[0]?.url ?? null, value: p }));
  };
  return (
    <SearchPicker
      id={props.id}
      label={props.label}
      class="grow"
      search={search}
      onPick={(o) => props.onPick(o.value)}
      clearable
      onClear={props.onClear}
      selected={props.selected ? { id: props.selected.id, label: props.selected.title } : null}
      placeholder={t('search.picker.placeholder')}
      emptyText={t('search.picker.none')}
      error={props.error}
    />
  );
}
