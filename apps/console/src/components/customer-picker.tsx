import { Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { type PickerOption, SearchPicker } from './search-picker.tsx';

export type CustomerSummary = Schemas['CustomerSummary'];

/**
 * A customer search box (customers API `query`: word prefixes of the name or e-mail): type, pick one from the list.
 * The generic SearchPicker (an ARIA combobox): each option says the name and e-mail, and the city and country of the
 * customer's default address when there is one. Without `selected` the text is emptied after a pick (the caller shows
 * the chosen customer); with it, the input shows the chosen customer's name and `onClear` empties the choice.
 */
export function CustomerPicker(props: {
  id: string;
  label: string;
  hint?: string;
  onPick: (c: CustomerSummary) => void;
  disabled?: boolean;
  selected?: CustomerSummary | null | undefined;
  onClear?: (() => void) | undefined;
}) {
  const s = useStore();
  const search = async (q: string): Promise<PickerOption<CustomerSummary>[]> => {
    const r = await api.GET('/stores/{storeId}/customers', { params: { path: { storeId: s.storeId() }, query: { query: q || undefined, limit: 8 } } });
    return r.items.map((c) => ({ id: c.id, label: c.name || c.email, detail: c.name ? c.email : undefined, value: c }));
  };
  return (
    <SearchPicker
      id={props.id}
      label={props.label}
      hint={props.hint}
      class="grow"
      search={search}
      onPick={(o) => props.onPick(o.value)}
      resetOnPick={props.selected === undefined}
      selected={props.selected ? { id: props.selected.id, label: props.selected.name || props.selected.email } : null}
      onClear={props.onClear}
      disabled={props.disabled}
      placeholder={t('customers.picker.placeholder')}
      emptyText={t('customers.picker.none')}
      renderExtra={(o) => (
        <Show when={o.value.defaultAddress}>{(a) => <span class="muted small">{[a().city, a().country].filter(Boolean).join(', ')}</span>}</Show>
      )}
    />
  );
}
