import { createMemo, createSignal, For, Show } from 'solid-js';
import { locale, t } from '../i18n/index.ts';
import { COUNTRY_CODES, countryName } from '../lib/countries.ts';

/**
 * A searchable list of countries with checkboxes, the chosen ones as removable chips above it. `taken` marks
 * countries that already belong elsewhere (another market or zone) with where; they stay choosable so the API's
 * refusal explains itself, but the label says it first.
 */
export function CountryPicker(props: {
  id: string;
  label: string;
  value: string[];
  onChange: (next: string[]) => void;
  taken?: Record<string, string>;
  error?: string | undefined;
  /** Only these codes (a market's countries); default every ISO country. */
  codes?: readonly string[];
}) {
  const [q, setQ] = createSignal('');
  const all = createMemo(() =>
    (props.codes ?? COUNTRY_CODES).map((code) => ({ code, name: countryName(code, locale()) })).sort((a, b) => a.name.localeCompare(b.name, locale())),
  );
  const shown = createMemo(() => {
    const needle = q().trim().toLowerCase();
    if (!needle) return all();
    return all().filter((c) => c.name.toLowerCase().includes(needle) || c.code.toLowerCase() === needle);
  });
  const chosen = () => new Set(props.value);
  const toggle = (code: string, on: boolean) => props.onChange(on ? [...props.value.filter((c) => c !== code), code] : props.value.filter((c) => c !== code));
  return (
    <fieldset class="plain-fieldset country-picker" aria-describedby={props.error ? `${props.id}-error` : undefined}>
      <legend class="field-label">{props.label}</legend>
      <Show when={props.value.length} fallback={<p class="muted small">{t('markets.noCountries')}</p>}>
        <ul class="chips" aria-label={t('markets.chosenCountries')}>
          <For each={props.value}>
            {(code) => (
              <li class="chip">
                {countryName(code, locale())}
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={t('markets.removeCountry', { country: countryName(code, locale()) })}
                  onClick={() => toggle(code, false)}
                >
                  ×
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <label class="visually-hidden" for={`${props.id}-search`}>
        {t('markets.searchCountries')}
      </label>
      <input
        id={`${props.id}-search`}
        type="search"
        placeholder={t('markets.searchCountries')}
        value={q()}
        onInput={(e) => setQ(e.currentTarget.value)}
        autocomplete="off"
      />
      <div class="country-list">
        <For each={shown()} fallback={<p class="muted small">{t('search.picker.none')}</p>}>
          {(c) => (
            <label class="checkbox">
              <input type="checkbox" checked={chosen().has(c.code)} onChange={(e) => toggle(c.code, e.currentTarget.checked)} />
              <span>
                {c.name} <span class="muted small">{c.code}</span>
                <Show when={props.taken?.[c.code]}>{(where) => <span class="muted small"> · {t('markets.inOther', { name: where() })}</span>}</Show>
              </span>
            </label>
          )}
        </For>
      </div>
      <Show when={props.error}>
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      </Show>
    </fieldset>
  );
}
