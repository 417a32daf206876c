/**
 * The header's search box: a plain GET form to /search (works without JavaScript); once hydrated it is an ARIA
 * combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/) whose listbox shows the autocomplete API's query
 * suggestions and products as the shopper types (debounced; a newer keystroke cancels the older request).
 * Keys: ↓/↑ move through the options (the input keeps focus, aria-activedescendant names the option), Enter opens
 * the active option (or submits the form when none is active), Escape closes the list, and clears the box when
 * the list is already closed.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { useShop } from './context.tsx';
import { responsiveImage } from './media.ts';

interface Suggest {
  query: string;
  suggestions: string[];
  products: { productId: string; handle: string; title: string; priceMin: number; image: string | null }[];
}
interface Option {
  id: string;
  href: string;
  label: string;
  image?: string | null;
}

/** Milliseconds after the last keystroke before asking the server. */
const DEBOUNCE_MS = 150;

export function SearchBox() {
  const { chrome, t, hydrated } = useShop();
  const [data, setData] = createSignal<Suggest | null>(null);
  const [open, setOpen] = createSignal(false);
  const [active, setActive] = createSignal(-1);
  let input: HTMLInputElement | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: AbortController | undefined;
  onCleanup(() => {
    clearTimeout(timer);
    inflight?.abort();
  });

  const queries = (): Option[] =>
    (data()?.suggestions ?? []).map((s, i) => ({ id: `search-suggest-q${i}`, href: `/search?q=${encodeURIComponent(s)}`, label: s }));
  const products = (): Option[] =>
    (data()?.products ?? []).map((p, i) => ({ id: `search-suggest-p${i}`, href: `/products/${encodeURIComponent(p.handle)}`, label: p.title, image: p.image }));
  const options = () => [...queries(), ...products()];
  const activeId = () => (open() ? options()[active()]?.id : undefined);

  const close = () => {
    setOpen(false);
    setActive(-1);
  };
  const load = async (text: string) => {
    inflight?.abort();
    const q = text.trim();
    if (!q) {
      setData(null);
      close();
      return;
    }
    const ctl = new AbortController();
    inflight = ctl;
    try {
      const res = await fetch(`/api/storefront/v1/autocomplete?q=${encodeURIComponent(q.slice(0, 100))}`, {
        headers: { accept: 'application/json' },
        signal: ctl.signal,
      });
      if (!res.ok || ctl.signal.aborted) return;
      const body = (await res.json()) as Suggest;
      if (ctl.signal.aborted) return;
      setData(body);
      setActive(-1);
      setOpen(document.activeElement === input);
    } catch {
      // Offline or aborted: the form still submits.
    }
  };
  const onInput = (e: InputEvent) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    clearTimeout(timer);
    timer = setTimeout(() => void load(value), DEBOUNCE_MS);
  };
  const go = (o: Option) => {
    close();
    location.assign(o.href);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const n = options().length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!n) return;
      e.preventDefault();
      if (!open()) {
        setOpen(true);
        setActive(e.key === 'ArrowDown' ? 0 : n - 1);
        return;
      }
      setActive((i) => (e.key === 'ArrowDown' ? (i + 1) % n : i <= 0 ? n - 1 : i - 1));
      document.getElementById(activeId() ?? '')?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter') {
      const o = open() ? options()[active()] : undefined;
      if (o) {
        e.preventDefault();
        go(o);
      }
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (open()) close();
      else if (input) {
        input.value = '';
        setData(null);
      }
    }
  };
  const optionView = (o: Option, i: () => number, offset: () => number) => (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard drives the options from the combobox input (aria-activedescendant), as the APG pattern does.
    <div
      id={o.id}
      role="option"
      tabIndex={-1}
      class="suggest-option"
      aria-selected={active() === i() + offset()}
      onMouseDown={(e) => e.preventDefault()}
      onClick={() => go(o)}
      onMouseMove={() => setActive(i() + offset())}
    >
      <Show when={o.image !== undefined}>
        <span class="suggest-thumb">
          <Show when={o.image}>{(url) => <img src={responsiveImage(url(), chrome.shop.id, 160).src} alt="" loading="lazy" />}</Show>
        </span>
      </Show>
      <span>{o.label}</span>
    </div>
  );

  return (
    <form
      class="search"
      action="/search"
      method="get"
      aria-label={t('search')}
      data-hydrated={hydrated() ? '1' : undefined}
      onFocusOut={(e) => {
        if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) close();
      }}
    >
      <input
        ref={input}
        name="q"
        type="search"
        placeholder={t('searchPlaceholder')}
        aria-label={t('search')}
        value={chrome.query}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open() ? 'true' : 'false'}
        aria-controls="search-suggest"
        aria-activedescendant={activeId()}
        autocomplete="off"
        maxlength="200"
        onInput={onInput}
        onKeyDown={onKeyDown}
        onFocus={() => {
          if (options().length) setOpen(true);
        }}
      />
      <button type="submit" aria-label={t('search')}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
          <path d="m20 20-3.5-3.5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
      </button>
      <div class="suggest" hidden={!open()} data-testid="search-suggest">
        <div id="search-suggest" role="listbox" aria-label={t('suggestions')}>
          <Show when={queries().length > 0}>
            {/* biome-ignore lint/a11y/useSemanticElements: an option group inside a listbox (a fieldset groups form controls) */}
            <div role="group" aria-labelledby="search-suggest-hq">
              <div id="search-suggest-hq" class="suggest-head">
                {t('suggestions')}
              </div>
              <For each={queries()}>{(o, i) => optionView(o, i, () => 0)}</For>
            </div>
          </Show>
          <Show when={products().length > 0}>
            {/* biome-ignore lint/a11y/useSemanticElements: an option group inside a listbox (a fieldset groups form controls) */}
            <div role="group" aria-labelledby="search-suggest-hp">
              <div id="search-suggest-hp" class="suggest-head">
                {t('products')}
              </div>
              <For each={products()}>{(o, i) => optionView(o, i, () => queries().length)}</For>
            </div>
          </Show>
        </div>
        <Show when={options().length === 0}>
          <p class="suggest-empty">{t('searchNoSuggestions')}</p>
        </Show>
      </div>
    </form>
  );
}
