/**
 * A searchable picker: an ARIA 1.2 combobox (an input with a listbox popup) whose options come from a server search.
 *
 * - The input is `role=combobox` with `aria-expanded`, `aria-controls` (the listbox, `${id}-list`) and
 *   `aria-activedescendant` (the highlighted option, `${id}-opt-N`); focus stays in the input the whole time.
 * - ArrowDown/ArrowUp move the highlight (ArrowDown opens a closed list), Home/End jump, Enter picks, Escape closes
 *   (a second Escape clears the text), Tab leaves without picking.
 * - Typing searches through `search(q)` after a short debounce; answers to older queries are dropped. Loading, "no
 *   matches" and a failed search are shown under the input and announced by a polite live region.
 * - The chosen option's label stays in the input; a clear button (when `onClear` is given) empties the choice.
 * Used for anything that can grow large (products, customers, collections, pages, time zones); small fixed sets stay
 * native `<select>`s.
 */
import { createEffect, createSignal, For, type JSX, on, onCleanup, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { describedBy, Field } from './ui.tsx';

export type PickerOption<T = unknown> = {
  /** Stable key (also what `selected` compares by). */
  id: string;
  /** What the option says, and what the input shows once it is chosen. */
  label: string;
  /** A second, muted line or column (SKU, e-mail, UTC offset…). */
  detail?: string | undefined;
  /** A thumbnail; `null` shows an empty thumbnail box so rows line up. */
  image?: string | null | undefined;
  value: T;
};

export type SearchPickerProps<T> = {
  id: string;
  label: string;
  search: (q: string) => Promise<PickerOption<T>[]>;
  onPick: (option: PickerOption<T>) => void;
  /** Shows a clear button (× in the input) while there is text or a choice; default: when `onClear` is given. */
  clearable?: boolean | undefined;
  /** Called when the merchant clears the choice. */
  onClear?: (() => void) | undefined;
  /** The current choice: its label is shown in the input and its option is marked selected. */
  selected?: { id: string; label: string } | null | undefined;
  placeholder?: string | undefined;
  /** "No matches" text. */
  emptyText?: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  class?: string | undefined;
  /** Debounce before a search, in ms (default 200; local searches can pass 0). */
  debounceMs?: number | undefined;
  /** Keep the typed text after a pick instead of showing the chosen label (pickers that add to a list). */
  resetOnPick?: boolean | undefined;
  disabled?: boolean | undefined;
  /** Extra content rendered inside each option after its label (e.g. a status badge). */
  renderExtra?: ((option: PickerOption<T>) => JSX.Element) | undefined;
};

type Phase = 'idle' | 'loading' | 'ready' | 'error';

export function SearchPicker<T>(props: SearchPickerProps<T>) {
  const listId = () => `${props.id}-list`;
  const optionId = (i: number) => `${props.id}-opt-${i}`;
  const [text, setText] = createSignal(props.selected?.label ?? '');
  const [options, setOptions] = createSignal<PickerOption<T>[]>([]);
  const [open, setOpen] = createSignal(false);
  const [active, setActive] = createSignal(-1);
  const [phase, setPhase] = createSignal<Phase>('idle');
  let input: HTMLInputElement | undefined;
  let listEl: HTMLDivElement | undefined;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  onCleanup(() => {
    clearTimeout(debounce);
    seq++;
  });

  // The chosen value is shown in the input whenever the parent changes it (not while the merchant is typing).
  createEffect(
    on(
      () => props.selected?.label,
      (label) => {
        if (props.resetOnPick) return;
        if (document.activeElement !== input || !open()) setText(label ?? '');
      },
    ),
  );

  const run = (q: string, delay: number) => {
    clearTimeout(debounce);
    const mine = ++seq;
    setPhase('loading');
    setOpen(true);
    debounce = setTimeout(async () => {
      try {
        const found = await props.search(q.trim());
        if (mine !== seq) return;
        setOptions(found);
        setActive(
          found.length
            ? Math.max(
                0,
                found.findIndex((o) => o.id === props.selected?.id),
              )
            : -1,
        );
        setPhase('ready');
      } catch {
        if (mine !== seq) return;
        setOptions([]);
        setActive(-1);
        setPhase('error');
      }
    }, delay);
  };
  const delay = () => props.debounceMs ?? 200;

  const close = () => {
    clearTimeout(debounce);
    seq++;
    setOpen(false);
    setActive(-1);
    if (phase() === 'loading') setPhase('idle');
  };

  const pick = (o: PickerOption<T>) => {
    close();
    setText(props.resetOnPick ? '' : o.label);
    props.onPick(o);
  };

  const clear = () => {
    close();
    setText('');
    props.onClear?.();
    input?.focus();
  };

  // The query for opening: what was typed, or everything when the input just shows the current choice.
  const openQuery = () => (props.selected && text() === props.selected.label ? '' : text());

  const move = (to: number) => {
    const n = options().length;
    if (!n) return;
    const next = (to + n) % n;
    setActive(next);
    listEl?.querySelector<HTMLElement>(`#${CSS.escape(optionId(next))}`)?.scrollIntoView({ block: 'nearest' });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!open()) run(openQuery(), 0);
        else move(active() + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (!open()) run(openQuery(), 0);
        else move(active() <= 0 ? options().length - 1 : active() - 1);
        break;
      case 'Home':
        if (open() && options().length) {
          e.preventDefault();
          move(0);
        }
        break;
      case 'End':
        if (open() && options().length) {
          e.preventDefault();
          move(options().length - 1);
        }
        break;
      case 'Enter': {
        if (!open()) return;
        e.preventDefault(); // never submits the surrounding form while the list is open
        const o = options()[active()];
        if (o && phase() === 'ready') pick(o);
        break;
      }
      case 'Escape':
        if (open()) {
          e.preventDefault();
          e.stopPropagation(); // a picker inside a dialog closes its list, not the dialog
          close();
          if (!props.resetOnPick && props.selected) setText(props.selected.label);
        } else if (text()) {
          e.preventDefault();
          e.stopPropagation();
          setText('');
        }
        break;
      case 'Tab':
        close();
        break;
    }
  };

  const status = () => {
    if (!open()) return '';
    switch (phase()) {
      case 'loading':
        return t('common.loading');
      case 'error':
        return t('picker.error');
      case 'ready':
        return options().length ? '' : (props.emptyText ?? t('picker.none'));
      default:
        return '';
    }
  };
  const expanded = () => open() && phase() === 'ready' && options().length > 0;

  return (
    <Field id={props.id} label={props.label} error={props.error} hint={props.hint} class={`picker ${props.class ?? ''}`}>
      <div class="picker-control">
        <input
          ref={input}
          id={props.id}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded() ? 'true' : 'false'}
          aria-controls={expanded() ? listId() : undefined}
          aria-activedescendant={expanded() && active() >= 0 ? optionId(active()) : undefined}
          aria-busy={open() && phase() === 'loading' ? 'true' : undefined}
          autocomplete="off"
          spellcheck={false}
          disabled={props.disabled}
          value={text()}
          placeholder={props.placeholder ?? t('picker.placeholder')}
          onInput={(e) => {
            setText(e.currentTarget.value);
            run(e.currentTarget.value, delay());
          }}
          onFocus={() => {
            if (!open()) run(openQuery(), 0);
          }}
          onBlur={() => {
            close();
            if (!props.resetOnPick && props.selected) setText(props.selected.label);
          }}
          onKeyDown={onKeyDown}
          {...describedBy(props.id, props.error, props.hint)}
        />
        <Show when={(props.clearable ?? !!props.onClear) && (text() || props.selected)}>
          <button
            type="button"
            class="picker-clear icon-button"
            aria-label={t('picker.clear', { label: props.label })}
            disabled={props.disabled}
            onMouseDown={(e) => e.preventDefault()}
            onClick={clear}
          >
            ×
          </button>
        </Show>
        <Show when={expanded()}>
          <div ref={listEl} id={listId()} role="listbox" class="picker-list" aria-label={props.label}>
            <For each={options()}>
              {(o, i) => (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard drives the options from the combobox input (aria-activedescendant), as the APG pattern does.
                <div
                  id={optionId(i())}
                  role="option"
                  tabIndex={-1}
                  class="picker-option"
                  classList={{ active: active() === i() }}
                  aria-selected={props.selected?.id === o.id ? 'true' : 'false'}
                  onMouseDown={(e) => e.preventDefault()}
                  onMouseMove={() => setActive(i())}
                  onClick={() => pick(o)}
                >
                  <Show when={o.image !== undefined}>
                    <Show when={o.image} fallback={<span class="thumb thumb-empty small" aria-hidden="true" />}>
                      {(src) => <img class="thumb small" src={src()} alt="" />}
                    </Show>
                  </Show>
                  <span class="grow">{o.label}</span>
                  <Show when={o.detail}>
                    <span class="muted small">{o.detail}</span>
                  </Show>
                  {props.renderExtra?.(o)}
                </div>
              )}
            </For>
          </div>
        </Show>
        <div class="picker-status small" classList={{ 'is-error': phase() === 'error', shown: !!status() }} role="status">
          {status()}
        </div>
      </div>
    </Field>
  );
}
