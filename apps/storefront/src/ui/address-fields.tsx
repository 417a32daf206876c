import { createSignal, For } from 'solid-js';
import { countryOptions, postalLabelKey, regionLabelKey } from './address.ts';
import { Field } from './components.tsx';
import { useShop } from './context.tsx';

/**
 * The address fields of the checkout and the account: every country the store
 * offers, named in the page's language and sorted by that name, preselected
 * with what the shopper chose or the store's own country; the postal-code and
 * region labels follow the chosen country ("ZIP code" and "State" in the US).
 * A refused field shows its message under itself.
 */
export function AddressFields(props: {
  values: Record<string, string>;
  countries: string[];
  defaultCountry: string | null;
  errorField: string | null;
  error: string | null;
  /** Prefix of the inputs' ids (two address forms may share a page). */
  idPrefix?: string;
}) {
  const { t, chrome } = useShop();
  const options = () => countryOptions(props.countries, chrome.shop.lang);
  const initial = () => {
    const chosen = props.values.country;
    if (chosen && props.countries.includes(chosen)) return chosen;
    if (props.defaultCountry && props.countries.includes(props.defaultCountry)) return props.defaultCountry;
    return props.countries[0] ?? '';
  };
  const [country, setCountry] = createSignal(initial());
  const v = (k: string) => props.values[k] ?? '';
  const err = (k: string) => props.errorField === k;
  const msg = (k: string) => (err(k) ? props.error : null);
  const id = (k: string) => `${props.idPrefix ?? 'a'}-${k}`;
  return (
    <>
      <div class={`field${err('country') ? ' invalid' : ''}`}>
        <label for={id('country')}>{t('country')}</label>
        <select
          id={id('country')}
          name="country"
          autocomplete="country"
          aria-invalid={err('country') ? 'true' : undefined}
          onChange={(e) => setCountry(e.currentTarget.value)}
        >
          <For each={options()}>
            {([code, label]) => (
              <option value={code} selected={initial() === code}>
                {label}
              </option>
            )}
          </For>
        </select>
        {msg('country') ? (
          <p class="field-error" role="alert">
            {msg('country')}
          </p>
        ) : null}
      </div>
      <Field id={id('name')} name="name" label={t('fullName')} value={v('name')} required autocomplete="name" error={err('name')} message={msg('name')} />
      <Field
        id={id('line1')}
        name="line1"
        label={t('address1')}
        value={v('line1')}
        required
        autocomplete="address-line1"
        error={err('line1')}
        message={msg('line1')}
      />
      <Field id={id('line2')} name="line2" label={t('address2')} value={v('line2')} autocomplete="address-line2" error={err('line2')} message={msg('line2')} />
      <div class="row three">
        <Field
          id={id('city')}
          name="city"
          label={t('city')}
          value={v('city')}
          required
          autocomplete="address-level2"
          error={err('city')}
          message={msg('city')}
        />
        <Field
          id={id('region')}
          name="region"
          label={t(regionLabelKey(country()))}
          value={v('region')}
          autocomplete="address-level1"
          error={err('region')}
          message={msg('region')}
        />
        <Field
          id={id('postalCode')}
          name="postalCode"
          label={t(postalLabelKey(country()))}
          value={v('postalCode')}
          required
          autocomplete="postal-code"
          error={err('postalCode')}
          message={msg('postalCode')}
        />
      </div>
      <Field id={id('phone')} name="phone" type="tel" label={t('phone')} value={v('phone')} autocomplete="tel" error={err('phone')} message={msg('phone')} />
    </>
  );
}
