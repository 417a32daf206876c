import { t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { type PickerOption, SearchPicker } from './search-picker.tsx';

export type StoreImage = Schemas['StoreImage'];

/**
 * A product-image search box on the generic SearchPicker (images API `query` = alt text or product title contains):
 * each option shows a thumbnail, the product title and the alt text. `selected` is the chosen URL.
 */
export function ImagePicker(props: {
  id: string;
  label: string;
  selected: string | null;
  /** What the input says for the chosen image (default "Current image": a typed URL has no product). */
  selectedLabel?: string | undefined;
  onPick: (image: StoreImage) => void;
  onClear?: (() => void) | undefined;
  error?: string | undefined;
  hint?: string | undefined;
}) {
  const s = useStore();
  const search = async (q: string): Promise<PickerOption<StoreImage>[]> => {
    const r = await api.GET('/stores/{storeId}/images', { params: { path: { storeId: s.storeId() }, query: { query: q || undefined, limit: 12 } } });
    return r.data.map((i) => ({ id: i.url, label: i.productTitle, detail: i.alt ?? undefined, image: i.url, value: i }));
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
      selected={props.selected ? { id: props.selected, label: props.selectedLabel ?? t('images.picker.current') } : null}
      placeholder={t('images.picker.placeholder')}
      emptyText={t('images.picker.none')}
      error={props.error}
    />
  );
}
