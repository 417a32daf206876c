import { createEffect, createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { CountryPicker } from '../components/country-picker.tsx';
import { Icon } from '../components/icons.tsx';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, EmptyState, Field, FormModal, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { type ApiError, api, type Product, type Schemas } from '../lib/api.ts';
import { countryName } from '../lib/countries.ts';
import { createFormState } from '../lib/form.ts';
import { formatDate, formatMoney, minorToInput, parseMoney } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Market = Schemas['Market'];
type Zone = Schemas['ShippingZone'];
type TaxRate = Schemas['TaxRate'];
type Preview = Schemas['MarketPreview'];

const names = (codes: readonly string[]) => codes.map((c) => countryName(c, locale())).join(', ');
/** "Germany, France and 3 more" for a table cell. */
const shortNames = (codes: readonly string[]) =>
  codes.length <= 3 ? names(codes) : t('markets.andMore', { names: names(codes.slice(0, 3)), count: codes.length - 3 });

/** The 409 of a country in another market or zone, said with names: "Germany already belongs to the market “Euro area”". */
function takenMessage(e: ApiError, owners: Map<string, string>, kind: 'market' | 'zone'): string | null {
  if (e.code !== (kind === 'market' ? 'country_in_other_market' : 'country_in_other_zone')) return null;
  const rows = ((e.details as { countries?: { country: string; marketId?: string; zoneId?: string }[] } | undefined)?.countries ?? []).map((r) =>
    t(kind === 'market' ? 'markets.takenByMarket' : 'markets.takenByZone', {
      country: countryName(r.country, locale()),
      name: owners.get(r.marketId ?? r.zoneId ?? '') ?? '?',
    }),
  );
  return rows.length ? `${rows.join(' ')} ${t(kind === 'market' ? 'markets.takenHint' : 'markets.takenZoneHint')}` : e.message;
}

function RateCell(props: { m: Market }) {
  return (
    <Show when={props.m.rateUsed} fallback={<span class="text-critical">{t('markets.noRate')}</span>}>
      {(r) => (
        <>
          <span>{r().rate}</span>
          <div class="muted small">
            {r().source === 'rates_table'
              ? t('markets.rateFromTable', { date: formatDate(`${r().asOf}T12:00:00Z`, locale()) })
              : r().source === 'market'
                ? t('markets.rateOwn')
                : t('markets.rateSame')}
          </div>
        </>
      )}
    </Show>
  );
}

function MarketEditor(props: { market: Market | null; markets: Market[]; storeCurrency: string; onClose: () => void; onSaved: () => void }) {
  const s = useStore();
  const m = props.market;
  const [name, setName] = createSignal(m?.name ?? '');
  const [countries, setCountries] = createSignal<string[]>(m?.countries ?? []);
  const [currency, setCurrency] = createSignal(m?.currency ?? '');
  const [rate, setRate] = createSignal(m?.exchangeRate ?? '');
  const [increment, setIncrement] = createSignal(String(m?.roundingIncrement ?? 1));
  const [inclusive, setInclusive] = createSignal(m?.taxInclusive ?? true);
  const [languages, setLanguages] = createSignal((m?.languages ?? []).join(', '));
  const form = createFormState();
  const err = (k: string) => form.errors()[k];
  const owners = new Map(props.markets.map((x) => [x.id, x.name]));
  const taken = Object.fromEntries(props.markets.filter((x) => x.id !== m?.id).flatMap((x) => x.countries.map((c) => [c, x.name])));
  const submit = async (e: Event) => {
    e.preventDefault();
    const inc = Number(increment());
    const errors: Record<string, string> = {};
    if (!name().trim()) errors.name = t('markets.nameRequired');
    if (!countries().length) errors.countries = t('markets.countriesRequired');
    if (!/^[A-Za-z]{3}$/.test(currency().trim())) errors.currency = t('markets.currencyInvalid');
    if (rate().trim() && !/^\d{1,20}(\.\d{1,20})?$/.test(rate().trim())) errors.exchangeRate = t('markets.rateInvalid');
    if (!Number.isInteger(inc) || inc < 1 || inc > 100_000) errors.roundingIncrement = t('markets.incrementInvalid');
    if (Object.keys(errors).length) {
      form.setErrors(errors);
      return;
    }
    const body = {
      name: name().trim(),
      countries: countries(),
      currency: currency().trim().toUpperCase(),
      exchangeRate: rate().trim() || null,
      roundingIncrement: inc,
      taxInclusive: inclusive(),
      languages: languages()
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    };
    await form.submit(
      async () => {
        if (m) await api.PATCH('/stores/{storeId}/markets/{marketId}', { params: { path: { storeId: s.storeId(), marketId: m.id } }, body });
        else await api.POST('/stores/{storeId}/markets', { params: { path: { storeId: s.storeId() } }, body });
        toast.success(t('markets.saved'));
        props.onSaved();
      },
      {
        onError: (e) => {
          const msg = takenMessage(e, owners, 'market');
          if (msg) {
            form.setErrors({ countries: msg });
            return true;
          }
          if (e.code === 'exchange_rate_unavailable') {
            form.setErrors({ exchangeRate: t('markets.rateUnavailable', { base: props.storeCurrency, quote: body.currency }) });
            return true;
          }
          return false;
        },
      },
    );
  };
  return (
    <FormModal
      open
      wide
      title={m ? t('markets.edit', { name: m.name }) : t('markets.add')}
      onClose={props.onClose}
      formId="market-form"
      onSubmit={submit}
      submitLabel={t('common.save')}
      busy={form.busy()}
      error={form.formError()}
    >
      <div class="grid-2">
        <Field id="mk-name" label={t('markets.name')} error={err('name')}>
          <input id="mk-name" value={name()} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} {...describedBy('mk-name', err('name'))} />
        </Field>
        <Field id="mk-currency" label={t('markets.currency')} error={err('currency')} hint={t('markets.currencyHint')}>
          <input
            id="mk-currency"
            value={currency()}
            maxLength={3}
            autocapitalize="characters"
            onInput={(e) => setCurrency(e.currentTarget.value.toUpperCase())}
            {...describedBy('mk-currency', err('currency'), t('markets.currencyHint'))}
          />
        </Field>
        <Field id="mk-rate" label={t('markets.exchangeRate')} error={err('exchangeRate')} hint={t('markets.exchangeRateHint', { store: props.storeCurrency })}>
          <input
            id="mk-rate"
            inputmode="decimal"
            value={rate()}
            placeholder={t('markets.fromRateTable')}
            onInput={(e) => setRate(e.currentTarget.value)}
            {...describedBy('mk-rate', err('exchangeRate'), t('markets.exchangeRateHint', { store: props.storeCurrency }))}
          />
        </Field>
        <Field id="mk-increment" label={t('markets.roundingIncrement')} error={err('roundingIncrement')} hint={t('markets.roundingHint')}>
          <input
            id="mk-increment"
            inputmode="numeric"
            value={increment()}
            onInput={(e) => setIncrement(e.currentTarget.value)}
            {...describedBy('mk-increment', err('roundingIncrement'), t('markets.roundingHint'))}
          />
        </Field>
        <Field id="mk-languages" label={t('markets.languages')} error={err('languages')} hint={t('markets.languagesHint')}>
          <input
            id="mk-languages"
            value={languages()}
            onInput={(e) => setLanguages(e.currentTarget.value)}
            {...describedBy('mk-languages', err('languages'), t('markets.languagesHint'))}
          />
        </Field>
        <div class="field">
          <span class="field-label">{t('markets.taxDisplay')}</span>
          <label class="checkbox">
            <input type="checkbox" checked={inclusive()} onChange={(e) => setInclusive(e.currentTarget.checked)} />
            {t('markets.taxInclusiveLabel')}
          </label>
        </div>
      </div>
      <CountryPicker id="mk-countries" label={t('markets.countries')} value={countries()} onChange={setCountries} taken={taken} error={err('countries')} />
    </FormModal>
  );
}

function PreviewCard(props: { markets: Market[] }) {
  const s = useStore();
  const [marketId, setMarketId] = createSignal('');
  const [product, setProduct] = createSignal<Product | null>(null);
  const [country, setCountry] = createSignal('');
  createEffect(() => {
    if (!props.markets.some((m) => m.id === marketId())) setMarketId(props.markets[0]?.id ?? '');
  });
  const market = () => props.markets.find((m) => m.id === marketId());
  createEffect(() => {
    const m = market();
    if (m && !m.countries.includes(country())) setCountry(m.countries[0] ?? '');
  });
  const [preview, { refetch }] = createResource(
    () => (marketId() && product() && country() ? { marketId: marketId(), productId: product()?.id as string, country: country() } : null),
    (q) =>
      api.GET('/stores/{storeId}/markets/{marketId}/preview', {
        params: { path: { storeId: s.storeId(), marketId: q.marketId }, query: { productId: q.productId, country: q.country } },
      }),
  );
  const money = (n: number, cur: string) => formatMoney(n, cur, locale());
  return (
    <Card title={t('markets.preview')} id="market-preview">
      <p class="muted">{t('markets.previewHelp')}</p>
      <div class="inline-form">
        <Field id="pv-market" label={t('markets.market')}>
          <select id="pv-market" value={marketId()} onChange={(e) => setMarketId(e.currentTarget.value)}>
            <For each={props.markets}>{(m) => <option value={m.id}>{m.name}</option>}</For>
          </select>
        </Field>
        <Field id="pv-country" label={t('markets.shipTo')}>
          <select id="pv-country" value={country()} onChange={(e) => setCountry(e.currentTarget.value)}>
            <For each={market()?.countries ?? []}>{(c) => <option value={c}>{countryName(c, locale())}</option>}</For>
          </select>
        </Field>
        <ProductPicker id="pv-product" label={t('markets.product')} onPick={setProduct} selected={product()} />
      </div>
      <Show when={preview.error}>
        <Banner tone="critical">{(preview.error as Error).message}</Banner>
      </Show>
      <Show when={preview()} fallback={<Show when={preview.loading}>{<SkeletonRows rows={3} />}</Show>}>
        {(pv) => <PreviewView pv={pv()} money={money} onChanged={() => refetch()} />}
      </Show>
    </Card>
  );
}

function PreviewView(props: { pv: Preview; money: (n: number, cur: string) => string; onChanged: () => void }) {
  const s = useStore();
  const pv = () => props.pv;
  const cur = () => pv().currency;
  const [fixed, setFixed] = createStore<Record<string, string>>({});
  createEffect(() => setFixed(reconcile(Object.fromEntries(pv().variants.map((v) => [v.id, v.fixedPrice ? minorToInput(v.price, cur()) : ''])))));
  const form = createFormState();
  const saveFixed = async (variantId: string, clear: boolean) => {
    const price = clear ? null : parseMoney(fixed[variantId] ?? '', cur());
    if (!clear && price === null) {
      form.setErrors({ [variantId]: t('editor.invalidAmount') });
      return;
    }
    await form.submit(async () => {
      await api.PUT('/stores/{storeId}/markets/{marketId}/prices/{variantId}', {
        params: { path: { storeId: s.storeId(), marketId: pv().marketId, variantId } },
        body: { price },
      });
      toast.success(clear ? t('markets.fixedCleared') : t('markets.fixedSaved'));
      props.onChanged();
    });
  };
  const taxLabel = () =>
    pv().taxInclusive
      ? pv().cart.tax > 0
        ? t('markets.taxIncludedAmount', { amount: props.money(pv().cart.tax, cur()) })
        : t('markets.taxIncluded')
      : t('markets.taxExcluded');
  return (
    <div class="market-preview" data-testid="market-preview">
      <div class="preview-shopper">
        <p class="muted small">{t('markets.shopperIn', { country: countryName(pv().country, locale()) })}</p>
        <h3 class="preview-title">{pv().product.title}</h3>
        <p class="preview-price" data-testid="preview-price">
          {props.money(pv().variants[0]?.price ?? 0, cur())}
        </p>
        <p class="muted small" data-testid="preview-tax-label">
          {taxLabel()}
        </p>
        <dl class="summary-list" data-testid="preview-cart">
          <div>
            <dt>{t('markets.subtotal')}</dt>
            <dd>{props.money(pv().cart.subtotal, cur())}</dd>
          </div>
          <Show when={pv().cart.discount > 0}>
            <div>
              <dt>{t('markets.discount')}</dt>
              <dd>−{props.money(pv().cart.discount, cur())}</dd>
            </div>
          </Show>
          <div>
            <dt>{t('markets.shipping')}</dt>
            <dd data-testid="preview-shipping">
              {pv().cart.shippingAvailable
                ? pv().cart.shipping === 0
                  ? t('markets.free')
                  : `${props.money(pv().cart.shipping, cur())}${pv().cart.shippingMethod ? ` · ${pv().cart.shippingMethod}` : ''}`
                : t('markets.noShipping', { country: countryName(pv().country, locale()) })}
            </dd>
          </div>
          <div>
            <dt>{pv().taxInclusive ? t('markets.taxInside') : t('markets.tax')}</dt>
            <dd>{props.money(pv().cart.tax, cur())}</dd>
          </div>
          <div class="summary-total">
            <dt>{t('markets.total')}</dt>
            <dd data-testid="preview-total">{props.money(pv().cart.total, cur())}</dd>
          </div>
        </dl>
        <p class="muted small">
          {t('markets.previewRate', {
            rate: pv().rateUsed.rate,
            store: pv().storeCurrency,
            currency: cur(),
          })}
          {pv().rateUsed.asOf ? ` · ${formatDate(`${pv().rateUsed.asOf}T12:00:00Z`, locale())}` : ''}
        </p>
      </div>
      <div class="table-wrap">
        <table class="table">
          <caption class="visually-hidden">{t('markets.variantPrices')}</caption>
          <thead>
            <tr>
              <th>{t('markets.variant')}</th>
              <th class="num hide-phone">{t('markets.storePrice')}</th>
              <th class="num">{t('markets.marketPrice')}</th>
              <th>{t('markets.fixedPrice')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={pv().variants}>
              {(v, i) => (
                <tr>
                  <td>{v.title ?? t('markets.defaultVariant')}</td>
                  <td class="num hide-phone">{props.money(v.storePrice, pv().storeCurrency)}</td>
                  <td class="num">
                    {props.money(v.price, cur())} <Show when={v.fixedPrice}>{<Badge value="applied" label={t('markets.fixed')} />}</Show>
                  </td>
                  <td>
                    <Show when={s.can('store:update')} fallback={v.fixedPrice ? props.money(v.price, cur()) : '—'}>
                      <div class="fixed-price">
                        <label class="visually-hidden" for={`fx-${i()}`}>
                          {t('markets.fixedPriceFor', { variant: v.title ?? t('markets.defaultVariant'), currency: cur() })}
                        </label>
                        <input
                          id={`fx-${i()}`}
                          class="money-input"
                          inputmode="decimal"
                          placeholder={cur()}
                          value={fixed[v.id] ?? ''}
                          onInput={(e) => setFixed(v.id, e.currentTarget.value)}
                          {...describedBy(`fx-${i()}`, form.errors()[v.id])}
                        />
                        <button type="button" class="button small" disabled={form.busy()} onClick={() => saveFixed(v.id, false)}>
                          {t('common.save')}
                        </button>
                        <Show when={v.fixedPrice}>
                          <button type="button" class="link-button small" disabled={form.busy()} onClick={() => saveFixed(v.id, true)}>
                            {t('markets.clearFixed')}
                          </button>
                        </Show>
                      </div>
                      <Show when={form.errors()[v.id]}>
                        <p class="field-error" id={`fx-${i()}-error`} role="alert">
                          {form.errors()[v.id]}
                        </p>
                      </Show>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={form.formError()}>
        <Banner tone="critical">{form.formError()}</Banner>
      </Show>
    </div>
  );
}

function TaxCard() {
  const s = useStore();
  const [rates, { refetch }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/tax-rates', { params: { path: { storeId: id } } }),
  );
  const [data] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/tax-rates/data', { params: { path: { storeId: id } } }),
  );
  const [settings, { mutate }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/tax-settings', { params: { path: { storeId: id } } }),
  );
  const dataCountries = createMemo(() =>
    [...new Set((data()?.rates ?? []).map((r) => r.country))].sort((a, b) => countryName(a, locale()).localeCompare(countryName(b, locale()))),
  );
  const [enableCountry, setEnableCountry] = createSignal('');
  const [country, setCountry] = createSignal('');
  const [region, setRegion] = createSignal('');
  const [taxClass, setTaxClass] = createSignal('standard');
  const [rate, setRate] = createSignal('');
  const [rateName, setRateName] = createSignal('');
  const form = createFormState();
  const err = (k: string) => form.errors()[k];
  const enable = async () => {
    if (!enableCountry()) return;
    await form.submit(async () => {
      await api.POST('/stores/{storeId}/tax-rates/enable', { params: { path: { storeId: s.storeId() } }, body: { country: enableCountry() } });
      toast.success(t('markets.taxEnabled', { country: countryName(enableCountry(), locale()) }));
      await refetch();
    });
  };
  const add = async (e: Event) => {
    e.preventDefault();
    const n = Number(rate().replace(',', '.'));
    const errors: Record<string, string> = {};
    if (!/^[A-Za-z]{2}$/.test(country().trim())) errors.country = t('markets.countryInvalid');
    if (!rate().trim() || !Number.isFinite(n) || n < 0 || n > 100) errors.rate = t('markets.percentInvalid');
    if (Object.keys(errors).length) {
      form.setErrors(errors);
      return;
    }
    await form.submit(async () => {
      await api.POST('/stores/{storeId}/tax-rates', {
        params: { path: { storeId: s.storeId() } },
        body: {
          country: country().trim().toUpperCase(),
          region: region().trim().toUpperCase() || null,
          rate: n,
          taxClass: taxClass().trim() || null,
          name: rateName().trim() || null,
        },
      });
      toast.success(t('markets.taxRateSaved'));
      setRate('');
      setRateName('');
      await refetch();
    });
  };
  const remove = async (r: TaxRate) => {
    await form.submit(async () => {
      await api.DELETE('/stores/{storeId}/tax-rates/{taxRateId}', { params: { path: { storeId: s.storeId(), taxRateId: r.id } } });
      await refetch();
    });
  };
  const saveSettings = async (patch: Partial<Schemas['TaxesSettings']>) => {
    const current = settings();
    if (!current) return;
    const next = { ...current, ...patch };
    await form.submit(async () => {
      mutate(await api.PUT('/stores/{storeId}/tax-settings', { params: { path: { storeId: s.storeId() } }, body: next }));
      toast.success(t('settings.saved'));
    });
  };
  const editable = () => s.can('store:update');
  return (
    <Card title={t('markets.taxRates')} id="tax-rates">
      <p class="muted">{t('markets.taxHelp', { date: data()?.asOf ?? '…' })}</p>
      <Show when={form.formError()}>
        <Banner tone="critical">{form.formError()}</Banner>
      </Show>
      <Show when={editable()}>
        <div class="inline-form">
          <Field id="tx-enable" label={t('markets.enableFromData')}>
            <select id="tx-enable" value={enableCountry()} onChange={(e) => setEnableCountry(e.currentTarget.value)}>
              <option value="">{t('markets.chooseCountry')}</option>
              <For each={dataCountries()}>{(c) => <option value={c}>{countryName(c, locale())}</option>}</For>
            </select>
          </Field>
          <button type="button" class="button" disabled={!enableCountry() || form.busy()} onClick={enable}>
            {t('markets.enable')}
          </button>
        </div>
      </Show>
      <Show when={rates()} fallback={<SkeletonRows rows={3} />}>
        {(r) => (
          <Show when={r().items.length} fallback={<p class="muted">{t('markets.noTaxRates')}</p>}>
            <div class="table-wrap">
              <table class="table" data-testid="tax-rates">
                <caption class="visually-hidden">{t('markets.taxRates')}</caption>
                <thead>
                  <tr>
                    <th>{t('markets.country')}</th>
                    <th class="hide-phone">{t('markets.region')}</th>
                    <th>{t('markets.taxClass')}</th>
                    <th class="num">{t('markets.rate')}</th>
                    <th class="hide-phone">{t('markets.source')}</th>
                    <th>
                      <span class="visually-hidden">{t('markets.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={r().items}>
                    {(row) => (
                      <tr>
                        <td>{countryName(row.country, locale())}</td>
                        <td class="hide-phone">{row.region ?? '—'}</td>
                        <td>{row.taxClass}</td>
                        <td class="num">{row.rate} %</td>
                        <td class="hide-phone muted small">
                          {row.source === 'merchant' ? t('markets.sourceMerchant') : t('markets.sourceData', { date: row.source.slice(5) })}
                        </td>
                        <td class="row-actions">
                          <Show when={editable()}>
                            <button
                              type="button"
                              class="link-button"
                              aria-label={t('markets.deleteRate', { country: countryName(row.country, locale()), taxClass: row.taxClass })}
                              onClick={() => remove(row)}
                            >
                              {t('markets.deleteAction')}
                            </button>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
      <Show when={editable()}>
        <h3 class="subheading">{t('markets.addRate')}</h3>
        <p class="muted small">{t('markets.addRateHelp')}</p>
        <form class="inline-form" onSubmit={add} novalidate>
          <Field id="tx-country" label={t('markets.countryCode')} error={err('country')}>
            <input
              id="tx-country"
              maxLength={2}
              size={4}
              value={country()}
              onInput={(e) => setCountry(e.currentTarget.value.toUpperCase())}
              {...describedBy('tx-country', err('country'))}
            />
          </Field>
          <Field id="tx-region" label={t('markets.regionCode')} error={err('region')}>
            <input
              id="tx-region"
              maxLength={3}
              size={4}
              value={region()}
              onInput={(e) => setRegion(e.currentTarget.value.toUpperCase())}
              {...describedBy('tx-region', err('region'))}
            />
          </Field>
          <Field id="tx-class" label={t('markets.taxClass')} error={err('taxClass')}>
            <input
              id="tx-class"
              size={10}
              value={taxClass()}
              onInput={(e) => setTaxClass(e.currentTarget.value)}
              {...describedBy('tx-class', err('taxClass'))}
            />
          </Field>
          <Field id="tx-rate" label={t('markets.ratePercent')} error={err('rate')}>
            <input
              id="tx-rate"
              inputmode="decimal"
              size={6}
              value={rate()}
              onInput={(e) => setRate(e.currentTarget.value)}
              {...describedBy('tx-rate', err('rate'))}
            />
          </Field>
          <Field id="tx-name" label={t('markets.rateName')} error={err('name')}>
            <input id="tx-name" size={12} value={rateName()} onInput={(e) => setRateName(e.currentTarget.value)} {...describedBy('tx-name', err('name'))} />
          </Field>
          <button type="submit" class="button" disabled={form.busy()}>
            {t('markets.saveRate')}
          </button>
        </form>
      </Show>
      <Show when={settings()}>
        {(st) => (
          <div class="inline-form">
            <Field id="tx-shipping-class" label={t('markets.shippingTaxClass')}>
              <input
                id="tx-shipping-class"
                size={10}
                value={st().shippingTaxClass}
                disabled={!editable()}
                onChange={(e) => saveSettings({ shippingTaxClass: e.currentTarget.value.trim() || 'standard' })}
              />
            </Field>
            <label class="checkbox align-end">
              <input
                type="checkbox"
                checked={st().reverseCharge}
                disabled={!editable()}
                onChange={(e) => saveSettings({ reverseCharge: e.currentTarget.checked })}
              />
              {t('markets.reverseCharge')}
            </label>
          </div>
        )}
      </Show>
    </Card>
  );
}

type RateDraft = { name: string; price: string; minSubtotal: string; maxSubtotal: string; minWeightGrams: string; maxWeightGrams: string };

function ZoneEditor(props: { zone: Zone | null; zones: Zone[]; onClose: () => void; onSaved: () => void }) {
  const s = useStore();
  const cur = () => s.currency();
  const z = props.zone;
  const [name, setName] = createSignal(z?.name ?? '');
  const [countries, setCountries] = createSignal<string[]>(z?.countries ?? []);
  const blank = (): RateDraft => ({ name: '', price: '', minSubtotal: '', maxSubtotal: '', minWeightGrams: '', maxWeightGrams: '' });
  const [rates, setRates] = createStore<RateDraft[]>(
    z?.rates.map((r) => ({
      name: r.name,
      price: minorToInput(r.price, cur()),
      minSubtotal: minorToInput(r.minSubtotal, cur()),
      maxSubtotal: minorToInput(r.maxSubtotal, cur()),
      minWeightGrams: r.minWeightGrams === null ? '' : String(r.minWeightGrams),
      maxWeightGrams: r.maxWeightGrams === null ? '' : String(r.maxWeightGrams),
    })) ?? [blank()],
  );
  const form = createFormState();
  const err = (k: string) => form.errors()[k];
  const owners = new Map(props.zones.map((x) => [x.id, x.name]));
  const taken = Object.fromEntries(props.zones.filter((x) => x.id !== z?.id).flatMap((x) => x.countries.map((c) => [c, x.name])));
  const submit = async (e: Event) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    if (!name().trim()) errors.name = t('markets.nameRequired');
    if (!countries().length) errors.countries = t('markets.countriesRequired');
    const money = (v: string, key: string) => {
      if (!v.trim()) return null;
      const n = parseMoney(v, cur());
      if (n === null) errors[key] = t('editor.invalidAmount');
      return n;
    };
    const grams = (v: string, key: string) => {
      if (!v.trim()) return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) errors[key] = t('settings.invalidGrams');
      return n;
    };
    const body = rates.map((r, i) => {
      if (!r.name.trim()) errors[`rates.${i}.name`] = t('markets.nameRequired');
      const price = money(r.price, `rates.${i}.price`);
      if (price === null && !errors[`rates.${i}.price`]) errors[`rates.${i}.price`] = t('editor.invalidAmount');
      return {
        name: r.name.trim(),
        price: price ?? 0,
        minSubtotal: money(r.minSubtotal, `rates.${i}.minSubtotal`),
        maxSubtotal: money(r.maxSubtotal, `rates.${i}.maxSubtotal`),
        minWeightGrams: grams(r.minWeightGrams, `rates.${i}.minWeightGrams`),
        maxWeightGrams: grams(r.maxWeightGrams, `rates.${i}.maxWeightGrams`),
      };
    });
    if (Object.keys(errors).length) {
      form.setErrors(errors);
      return;
    }
    const payload = { name: name().trim(), countries: countries(), rates: body };
    await form.submit(
      async () => {
        if (z) await api.PATCH('/stores/{storeId}/shipping-zones/{zoneId}', { params: { path: { storeId: s.storeId(), zoneId: z.id } }, body: payload });
        else await api.POST('/stores/{storeId}/shipping-zones', { params: { path: { storeId: s.storeId() } }, body: payload });
        toast.success(t('markets.zoneSaved'));
        props.onSaved();
      },
      {
        onError: (e) => {
          const msg = takenMessage(e, owners, 'zone');
          if (!msg) return false;
          form.setErrors({ countries: msg });
          return true;
        },
      },
    );
  };
  const rateField = (i: number, key: keyof RateDraft, label: string, inputmode: 'decimal' | 'numeric' | 'text') => {
    const id = `zr-${i}-${key}`;
    const e = () => err(`rates.${i}.${key}`);
    return (
      <Field id={id} label={label} error={e()}>
        <input
          id={id}
          inputmode={inputmode}
          size={8}
          value={rates[i]?.[key] ?? ''}
          onInput={(ev) => setRates(i, key, ev.currentTarget.value)}
          {...describedBy(id, e())}
        />
      </Field>
    );
  };
  return (
    <FormModal
      open
      wide
      title={z ? t('markets.editZone', { name: z.name }) : t('markets.addZone')}
      onClose={props.onClose}
      formId="zone-form"
      onSubmit={submit}
      submitLabel={t('common.save')}
      busy={form.busy()}
      error={form.formError()}
    >
      <Field id="zn-name" label={t('markets.zoneName')} error={err('name')}>
        <input id="zn-name" value={name()} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} {...describedBy('zn-name', err('name'))} />
      </Field>
      <CountryPicker id="zn-countries" label={t('markets.countries')} value={countries()} onChange={setCountries} taken={taken} error={err('countries')} />
      <h3 class="subheading">{t('markets.zoneRates', { currency: cur() })}</h3>
      <p class="muted small">{t('markets.zoneRatesHelp')}</p>
      <For each={rates}>
        {(_, i) => (
          <fieldset class="plain-fieldset zone-rate">
            <legend class="visually-hidden">{t('markets.rateN', { number: i() + 1 })}</legend>
            <div class="inline-form">
              {rateField(i(), 'name', t('markets.rateName'), 'text')}
              {rateField(i(), 'price', t('markets.ratePrice'), 'decimal')}
              {rateField(i(), 'minSubtotal', t('markets.minSubtotal'), 'decimal')}
              {rateField(i(), 'maxSubtotal', t('markets.maxSubtotal'), 'decimal')}
              {rateField(i(), 'minWeightGrams', t('markets.minWeight'), 'numeric')}
              {rateField(i(), 'maxWeightGrams', t('markets.maxWeight'), 'numeric')}
              <button
                type="button"
                class="link-button"
                aria-label={t('markets.removeRate', { number: i() + 1 })}
                onClick={() => setRates((r) => r.filter((_, j) => j !== i()))}
              >
                {t('markets.removeAction')}
              </button>
            </div>
          </fieldset>
        )}
      </For>
      <button type="button" class="button small" onClick={() => setRates(rates.length, blank())}>
        <Icon name="plus" size={14} /> {t('markets.addZoneRate')}
      </button>
    </FormModal>
  );
}

function ZonesCard() {
  const s = useStore();
  const [zones, { refetch }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/shipping-zones', { params: { path: { storeId: id } } }),
  );
  const [editing, setEditing] = createSignal<Zone | null | undefined>(undefined);
  const [deleting, setDeleting] = createSignal<Zone | null>(null);
  const money = (n: number) => formatMoney(n, s.currency(), locale());
  const bounds = (r: Zone['rates'][number]) => {
    const parts: string[] = [];
    if (r.minSubtotal !== null || r.maxSubtotal !== null)
      parts.push(`${r.minSubtotal !== null ? money(r.minSubtotal) : '0'}–${r.maxSubtotal !== null ? money(r.maxSubtotal) : '∞'}`);
    if (r.minWeightGrams !== null || r.maxWeightGrams !== null) parts.push(`${r.minWeightGrams ?? 0}–${r.maxWeightGrams ?? '∞'} g`);
    return parts.join(', ');
  };
  const remove = async () => {
    const z = deleting();
    if (!z) return;
    setDeleting(null);
    await api.DELETE('/stores/{storeId}/shipping-zones/{zoneId}', { params: { path: { storeId: s.storeId(), zoneId: z.id } } });
    toast.success(t('markets.zoneDeleted'));
    await refetch();
  };
  return (
    <Card
      title={t('markets.zones')}
      id="shipping-zones"
      actions={
        <Show when={s.can('store:update')}>
          <button type="button" class="button small" onClick={() => setEditing(null)}>
            <Icon name="plus" size={14} /> {t('markets.addZone')}
          </button>
        </Show>
      }
    >
      <p class="muted">{t('markets.zonesHelp')}</p>
      <Show when={zones()} fallback={<SkeletonRows rows={2} />}>
        {(zs) => (
          <Show when={zs().items.length} fallback={<p class="muted">{t('markets.noZones')}</p>}>
            <ul class="plain-list zone-list" data-testid="zones">
              <For each={zs().items}>
                {(z) => (
                  <li class="plain-list-row">
                    <div class="grow">
                      <strong>{z.name}</strong>
                      <div class="muted small">{shortNames(z.countries)}</div>
                      <ul class="zone-rates">
                        <For each={z.rates}>
                          {(r) => (
                            <li>
                              {r.name}: {money(r.price)}
                              <Show when={bounds(r)}>{(b) => <span class="muted small"> ({b()})</span>}</Show>
                            </li>
                          )}
                        </For>
                      </ul>
                    </div>
                    <Show when={s.can('store:update')}>
                      <div class="row-actions">
                        <button type="button" class="link-button" aria-label={t('markets.editZone', { name: z.name })} onClick={() => setEditing(z)}>
                          {t('markets.editAction')}
                        </button>
                        <button type="button" class="link-button" aria-label={t('markets.deleteZone', { name: z.name })} onClick={() => setDeleting(z)}>
                          {t('markets.deleteAction')}
                        </button>
                      </div>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
      <Show when={editing() !== undefined}>
        <ZoneEditor
          zone={editing() ?? null}
          zones={zones()?.items ?? []}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            void refetch();
          }}
        />
      </Show>
      <ConfirmModal
        open={!!deleting()}
        title={t('markets.deleteZone', { name: deleting()?.name ?? '' })}
        confirmLabel={t('markets.deleteAction')}
        onConfirm={remove}
        onClose={() => setDeleting(null)}
      >
        <p>{t('markets.deleteZoneBody')}</p>
      </ConfirmModal>
    </Card>
  );
}

function OssCard() {
  const s = useStore();
  const thisYear = new Date().getUTCFullYear();
  const [year, setYear] = createSignal(thisYear);
  const [report] = createResource(
    () => ({ id: s.storeId(), year: year() }),
    // Without format=csv the answer is JSON (the CSV is the download link).
    async (q) =>
      (await api.GET('/stores/{storeId}/reports/eu-oss', { params: { path: { storeId: q.id }, query: { year: q.year } } })) as Schemas['EuOssReport'],
  );
  const money = (n: number, cur: string) => formatMoney(n, cur, locale());
  return (
    <Card title={t('markets.oss')} id="eu-oss">
      <p class="muted">{t('markets.ossHelp')}</p>
      <div class="inline-form">
        <Field id="oss-year" label={t('markets.year')}>
          <select id="oss-year" value={String(year())} onChange={(e) => setYear(Number(e.currentTarget.value))}>
            <For each={[thisYear, thisYear - 1, thisYear - 2]}>{(y) => <option value={String(y)}>{y}</option>}</For>
          </select>
        </Field>
        <a class="button" href={`/api/v1/stores/${s.storeId()}/reports/eu-oss?year=${year()}&format=csv`} download={`eu-oss-${year()}.csv`}>
          {t('markets.downloadCsv')}
        </a>
      </div>
      <Show when={report()} fallback={<SkeletonRows rows={2} />}>
        {(r) => (
          <>
            <div data-testid="oss-threshold">
              <p>
                {r().crossBorderSalesEur === null
                  ? t('markets.ossNoEurRate', { amount: money(r().crossBorderSales, r().storeCurrency) })
                  : t('markets.ossProgress', {
                      amount: money(r().crossBorderSalesEur as number, 'EUR'),
                      threshold: money(r().thresholdEur, 'EUR'),
                    })}
              </p>
              <Show when={r().crossBorderSalesEur !== null}>
                <ProgressBar
                  value={(r().crossBorderSalesEur as number) / r().thresholdEur}
                  label={t('markets.ossThreshold')}
                  {...(r().exceeded ? { tone: 'critical' as const } : {})}
                />
                <p class={r().exceeded ? 'text-critical' : 'muted small'}>{r().exceeded ? t('markets.ossExceeded') : t('markets.ossBelow')}</p>
              </Show>
            </div>
            <Show when={r().rows.length} fallback={<p class="muted">{t('markets.ossNoSales')}</p>}>
              <div class="table-wrap">
                <table class="table">
                  <caption class="visually-hidden">{t('markets.oss')}</caption>
                  <thead>
                    <tr>
                      <th>{t('markets.period')}</th>
                      <th>{t('markets.country')}</th>
                      <th class="num hide-phone">{t('markets.orders')}</th>
                      <th class="num">{t('markets.netSales')}</th>
                      <th class="num">{t('markets.tax')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={r().rows}>
                      {(row) => (
                        <tr>
                          <td>{row.period}</td>
                          <td>{countryName(row.country, locale())}</td>
                          <td class="num hide-phone">{row.orders}</td>
                          <td class="num">{money(row.netSales, r().storeCurrency)}</td>
                          <td class="num">{money(row.tax, r().storeCurrency)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </>
        )}
      </Show>
    </Card>
  );
}

/** Markets (issue 19): where the store sells in which currency, at which rate and with which tax display; tax rates, shipping zones, the EU OSS view, and a preview of a product as a shopper in a market sees it. */
export default function MarketsPage() {
  const s = useStore();
  const [list, { refetch }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/markets', { params: { path: { storeId: id } } }),
  );
  const [editing, setEditing] = createSignal<Market | null | undefined>(undefined);
  const [deleting, setDeleting] = createSignal<Market | null>(null);
  const remove = async () => {
    const m = deleting();
    if (!m) return;
    setDeleting(null);
    await api.DELETE('/stores/{storeId}/markets/{marketId}', { params: { path: { storeId: s.storeId(), marketId: m.id } } });
    toast.success(t('markets.deleted'));
    await refetch();
  };
  const markets = () => list()?.items ?? [];
  return (
    <div class="page">
      <PageHeader
        title={t('markets.title')}
        subtitle={t('markets.subtitle')}
        actions={
          <Show when={s.can('store:update')}>
            <button type="button" class="button primary" onClick={() => setEditing(null)}>
              <Icon name="plus" size={16} /> {t('markets.add')}
            </button>
          </Show>
        }
      />
      <Card title={t('markets.list')} id="markets-list">
        <Show when={list()} fallback={<SkeletonRows rows={3} />}>
          {(l) => (
            <>
              <p class="muted" data-testid="primary-market">
                {t('markets.primary', {
                  country: l().primary.country ? countryName(l().primary.country as string, locale()) : t('markets.noStoreCountry'),
                  currency: l().primary.currency,
                })}
              </p>
              <Show
                when={l().items.length}
                fallback={
                  <EmptyState icon="globe" title={t('markets.emptyTitle')} body={t('markets.emptyBody')}>
                    <Show when={s.can('store:update')}>
                      <button type="button" class="button primary" onClick={() => setEditing(null)}>
                        {t('markets.add')}
                      </button>
                    </Show>
                  </EmptyState>
                }
              >
                <div class="table-wrap">
                  <table class="table" data-testid="markets">
                    <caption class="visually-hidden">{t('markets.list')}</caption>
                    <thead>
                      <tr>
                        <th>{t('markets.name')}</th>
                        <th class="hide-phone">{t('markets.countries')}</th>
                        <th>{t('markets.currency')}</th>
                        <th class="num">{t('markets.rate')}</th>
                        <th class="hide-phone">{t('markets.taxDisplay')}</th>
                        <th>
                          <span class="visually-hidden">{t('markets.actions')}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={l().items}>
                        {(m) => (
                          <tr>
                            <td>
                              <strong>{m.name}</strong>
                              <div class="muted small show-phone">{shortNames(m.countries)}</div>
                            </td>
                            <td class="hide-phone">{shortNames(m.countries)}</td>
                            <td>
                              {m.currency}
                              <Show when={m.roundingIncrement > 1}>
                                <div class="muted small">{t('markets.roundsTo', { increment: m.roundingIncrement })}</div>
                              </Show>
                            </td>
                            <td class="num">
                              <RateCell m={m} />
                            </td>
                            <td class="hide-phone">{m.taxInclusive ? t('markets.inclusive') : t('markets.exclusive')}</td>
                            <td class="row-actions">
                              <Show when={s.can('store:update')}>
                                <button type="button" class="link-button" aria-label={t('markets.edit', { name: m.name })} onClick={() => setEditing(m)}>
                                  {t('markets.editAction')}
                                </button>
                                <button type="button" class="link-button" aria-label={t('markets.delete', { name: m.name })} onClick={() => setDeleting(m)}>
                                  {t('markets.deleteAction')}
                                </button>
                              </Show>
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </>
          )}
        </Show>
      </Card>
      <Show when={markets().length}>
        <PreviewCard markets={markets()} />
      </Show>
      <ZonesCard />
      <TaxCard />
      <OssCard />
      <Show when={editing() !== undefined}>
        <MarketEditor
          market={editing() ?? null}
          markets={markets()}
          storeCurrency={list()?.primary.currency ?? s.currency()}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            void refetch();
          }}
        />
      </Show>
      <ConfirmModal
        open={!!deleting()}
        title={t('markets.delete', { name: deleting()?.name ?? '' })}
        confirmLabel={t('markets.deleteAction')}
        onConfirm={remove}
        onClose={() => setDeleting(null)}
      >
        <p>{t('markets.deleteBody')}</p>
      </ConfirmModal>
    </div>
  );
}
