import { t } from '../i18n/index.ts';
import { api, type Collection } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { type PickerOption, SearchPicker } from './search-picker.tsx';

/** A collection search box on the generic SearchPicker (collections API `query` = title or handle contains). */
export function CollectionPicker(props: {
  id: string;
  label: string;
  onPick: (c: Collection) => void;
  selected?: { id: string; title: string } | null | undefined;
  onClear?: (() => void) | undefined;
  error?: string | undefined;
  hint?: string | undefined;
}) {
  const s = useStore();
  const search = async (q: string): Promise<PickerOption<Collection>[]> => {
    const r = await api.GET('/stores/{storeId}/collections', { params: { path: { storeId: s.storeId() }, query: { query: q || undefined, limit: 8 } } });
    return r.data.map((c) => ({ id: c.id, label: c.title, detail: t('collections.picker.count', { count: c.productCount }), value: c }));
  };
  return (
    <SearchPicker
      id={props.id}
      label={props.label}
      hint={props.hint}
      class="grow"
      search={search}
      onPick={(o) => props.onPick(o.value)}
      clearable
      onClear={props.onClear}
      selected={props.selected ? { id: props.selected.id, label: props.selected.title } : null}
      placeholder={t('collections.picker.placeholder')}
      emptyText={t('collections.picker.none')}
      error={props.error}
    />
  );
}
