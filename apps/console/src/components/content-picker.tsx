import { t } from '../i18n/index.ts';
import { api } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { type PickerOption, SearchPicker } from './search-picker.tsx';

type Item = { id: string; title: string; handle: string; published: boolean };

/**
 * A page or blog-article search box on the generic SearchPicker (pages/articles API `query` = title or handle
 * contains): PagePicker and ArticlePicker.
 */
function ContentPicker(props: {
  kind: 'page' | 'article';
  id: string;
  label: string;
  onPick: (item: Item) => void;
  selected?: { id: string; title: string } | null | undefined;
  onClear?: (() => void) | undefined;
  error?: string | undefined;
}) {
  const s = useStore();
  const search = async (q: string): Promise<PickerOption<Item>[]> => {
    const params = { params: { path: { storeId: s.storeId() }, query: { query: q || undefined, limit: 8 } } };
    const r = props.kind === 'page' ? await api.GET('/stores/{storeId}/pages', params) : await api.GET('/stores/{storeId}/articles', params);
    return r.data.map((x) => ({
      id: x.id,
      label: x.title,
      detail: x.published ? `/${props.kind === 'page' ? 'pages' : 'blog'}/${x.handle}` : t('content.picker.draft'),
      value: x,
    }));
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
      placeholder={props.kind === 'page' ? t('content.picker.pagePlaceholder') : t('content.picker.articlePlaceholder')}
      emptyText={props.kind === 'page' ? t('content.picker.noPages') : t('content.picker.noArticles')}
      error={props.error}
    />
  );
}

export type PickerProps = Omit<Parameters<typeof ContentPicker>[0], 'kind'>;
export const PagePicker = (props: PickerProps) => <ContentPicker kind="page" {...props} />;
export const ArticlePicker = (props: PickerProps) => <ContentPicker kind="article" {...props} />;
