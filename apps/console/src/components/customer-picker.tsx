import { createSignal, For, onCleanup, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { Field } from './ui.tsx';

export type CustomerSummary = Schemas['CustomerSummary'];

/**
 * A customer search box (customers API `query`: word prefixes of the name or e-mail): type, pick one from the list.
 * The same keyboard pattern as ProductPicker (arrow down into the list, arrows between options, Escape closes).
 * To be replaced by the generic SearchPicker (components/search-picker.tsx) once it lands.
 */
export function CustomerPicker(props: { id: string; label: string; hint?: string; onPick: (c: CustomerSummary) => void; disabled?: boolean }) {
  const s = useStore();
  const [q, setQ] = createSignal('');
  const [options, setOptions] = createSignal<CustomerSummary[]>([]);
  const [open, setOpen] = createSignal(false);
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  onCleanup(() => clearTimeout(debounce));
  const lookup = (text: string) => {
    setQ(text);
    clearTimeout(debounce);
    debounce = setTimeout(async () => {
      const mine = ++asked;
      try {
        const r = await api.GET('/stores/{storeId}/customers', {
          params: { path: { storeId: s.storeId() }, query: { query: text.trim() || undefined, limit: 8 } },
        });
        // An older answer arriving after a newer one is dropped.
        if (mine !== asked) return;
        setOptions(r.items);
        setOpen(true);
      } catch {
        if (mine === asked) setOptions([]);
      }
    }, 200);
  };
  const pick = (c: CustomerSummary) => {
    setOpen(false);
    setQ('');
    props.onPick(c);
  };
  return (
    <Field id={props.id} label={props.label} hint={props.hint} class="grow picker">
      <input
        id={props.id}
        type="search"
        aria-controls={open() ? `${props.id}-list` : undefined}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        autocomplete="off"
        disabled={props.disabled}
        value={q()}
        placeholder={t('customers.picker.placeholder')}
        onInput={(e) => lookup(e.currentTarget.value)}
        onFocus={(e) => lookup(e.currentTarget.value)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            document.querySelector<HTMLElement>(`#${props.id}-list button`)?.focus();
          }
        }}
      />
      <Show when={open()}>
        <ul id={`${props.id}-list`} class="picker-list" aria-label={props.label}>
          <For each={options()} fallback={<li class="muted small picker-empty">{t('customers.picker.none')}</li>}>
            {(c) => (
              <li>
                <button
                  type="button"
                  class="picker-option"
                  data-testid="customer-option"
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => pick(c)}
                  onKeyDown={(e) => {
                    const li = (e.currentTarget as HTMLElement).parentElement;
                    if (e.key === 'ArrowDown') {
                      e.preventDefault();
                      li?.nextElementSibling?.querySelector<HTMLElement>('button')?.focus();
                    } else if (e.key === 'ArrowUp') {
                      e.preventDefault();
                      const prev = li?.previousElementSibling?.querySelector<HTMLElement>('button');
                      if (prev) prev.focus();
                      else document.getElementById(props.id)?.focus();
                    } else if (e.key === 'Escape') {
                      setOpen(false);
                      document.getElementById(props.id)?.focus();
                    }
                  }}
                >
                  <span class="grow">
                    {c.name}
                    <span class="muted small"> · {c.email}</span>
                  </span>
                  <Show when={c.defaultAddress}>{(a) => <span class="muted small">{[a().city, a().country].filter(Boolean).join(', ')}</span>}</Show>
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Field>
  );
}
