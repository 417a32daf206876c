import { createSignal, For, onCleanup, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { api, type Product } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';
import { describedBy, Field } from './ui.tsx';

/** A product search box: type, pick one from the list (products API `q` = title, handle or SKU contains). */
export function ProductPicker(props: { id: string; label: string; onPick: (p: Product) => void; error?: string | undefined; selected?: Product | null }) {
  const s = useStore();
  const [q, setQ] = createSignal('');
  const [options, setOptions] = createSignal<Product[]>([]);
  const [open, setOpen] = createSignal(false);
  let debounce: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(debounce));
  const lookup = (text: string) => {
    setQ(text);
    clearTimeout(debounce);
    debounce = setTimeout(async () => {
      try {
        const r = await api.GET('/stores/{storeId}/products', { params: { path: { storeId: s.storeId() }, query: { q: text.trim() || undefined, limit: 8 } } });
        setOptions(r.data);
        setOpen(true);
      } catch {
        setOptions([]);
      }
    }, 200);
  };
  const pick = (p: Product) => {
    setOpen(false);
    setQ(p.title);
    props.onPick(p);
  };
  return (
    <Field id={props.id} label={props.label} error={props.error} class="grow picker">
      <input
        id={props.id}
        type="search"
        aria-controls={open() ? `${props.id}-list` : undefined}
        autocomplete="off"
        value={q()}
        placeholder={t('search.picker.placeholder')}
        onInput={(e) => lookup(e.currentTarget.value)}
        onFocus={(e) => lookup(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            document.querySelector<HTMLElement>(`#${props.id}-list button`)?.focus();
          }
        }}
        {...describedBy(props.id, props.error)}
      />
      <Show when={open()}>
        <ul id={`${props.id}-list`} class="picker-list" aria-label={props.label}>
          <For each={options()} fallback={<li class="muted small picker-empty">{t('search.picker.none')}</li>}>
            {(p) => (
              <li>
                <button
                  type="button"
                  class="picker-option"
                  aria-pressed={props.selected?.id === p.id}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => pick(p)}
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
                  <Show when={p.images[0]} fallback={<span class="thumb thumb-empty small" aria-hidden="true" />}>
                    {(img) => <img class="thumb small" src={img().url} alt="" />}
                  </Show>
                  <span class="grow">{p.title}</span>
                  <span class="muted small">{p.variants[0]?.sku ?? ''}</span>
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Field>
  );
}
