import { useNavigate, useParams } from '@solidjs/router';
import { DEFAULT_THEME } from '@storeloom/theme';
import { createEffect, createResource, createSignal, For, Index, type JSX, Match, Show, Switch } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { SearchPicker } from '../components/search-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Banner, Card, describedBy, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { ApiError, type ApiToken, api, type Schemas, type Store, upload } from '../lib/api.ts';
import { apiScopeValues } from '../lib/api-schema.gen.ts';
import { STORE_LANGUAGE_NAMES, STORE_LANGUAGES, type StoreLanguage } from '../lib/store-languages.ts';
import { formatDate, minorToInput, parseMoney, readableOn } from '../lib/format.ts';
import { searchTimeZones, timeZoneLabel } from '../lib/time-zones.ts';
import { createFormState } from '../lib/form.ts';
import { refetchMe, updateStoreInSession } from '../lib/session.ts';
import { useStore } from '../lib/store-context.ts';
import { DataSection } from './store-data.tsx';
import { RetentionSection, TrackingSection } from './privacy-settings.tsx';
import { CURRENCIES } from './onboarding.tsx';

export type Theme = Schemas['Theme'];
type StoreSettings = Schemas['StoreSettings'];
type CheckoutSettings = Schemas['CheckoutSettings'];
const DEFAULT_CHECKOUT: CheckoutSettings = {
  shipping: { mode: 'flat', flatRate: 0, freeOver: null, weightRates: [] },
  tax: { ratePercent: 0, includedInPrices: false },
};

/** 404 from a module this server does not have yet → null (the section shows defaults), anything else is an error. */
async function optional<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

function GeneralSection(props: { store: Store }) {
  const s = useStore();
  const form = createFormState();
  const [name, setName] = createSignal(props.store.name);
  const [currency, setCurrency] = createSignal(props.store.currency);
  const [defaultLocale, setDefaultLocale] = createSignal(props.store.defaultLocale);
  const [timezone, setTimezone] = createSignal(props.store.timezone);
  const save = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() =>
      api.PATCH('/stores/{storeId}', {
        params: { path: { storeId: s.storeId() } },
        body: { name: name(), currency: currency(), defaultLocale: defaultLocale() as StoreLanguage, timezone: timezone() },
      }),
    );
    if (r) {
      updateStoreInSession(r);
      toast.success(t('settings.saved'));
    }
  };
  return (
    <Card title={t('settings.general')} id="general">
      <form class="form" onSubmit={save} novalidate>
        <Show when={form.formError()}>
          <Banner tone="critical">{form.formError()}</Banner>
        </Show>
        <Field id="settings-name" label={t('settings.storeName')} error={form.errors().name}>
          <input id="settings-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} {...describedBy('settings-name', form.errors().name)} />
        </Field>
        <div class="grid-2">
          <Field id="settings-currency" label={t('settings.currency')} error={form.errors().currency} hint={t('settings.currencyHint')}>
            <select id="settings-currency" value={currency()} onChange={(e) => setCurrency(e.currentTarget.value)}>
              <For each={CURRENCIES.includes(currency()) ? CURRENCIES : [currency(), ...CURRENCIES]}>{(c) => <option value={c}>{c}</option>}</For>
            </select>
          </Field>
          <Field id="settings-locale" label={t('settings.defaultLanguage')} error={form.errors().defaultLocale}>
            <select id="settings-locale" value={defaultLocale()} onChange={(e) => setDefaultLocale(e.currentTarget.value)}>
              <For each={[...STORE_LANGUAGES]}>{(l) => <option value={l}>{STORE_LANGUAGE_NAMES[l]}</option>}</For>
            </select>
          </Field>
        </div>
        <SearchPicker
          id="settings-timezone"
          label={t('settings.timezone')}
          error={form.errors().timezone}
          hint={t('settings.timezoneHint')}
          search={async (q) => searchTimeZones(q, locale())}
          debounceMs={0}
          selected={{ id: timezone(), label: timeZoneLabel(timezone()) }}
          onPick={(o) => setTimezone(o.id)}
          emptyText={t('settings.timezoneNone')}
          placeholder={t('settings.timezoneSearch')}
        />
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={form.busy()}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Card>
  );
}

/** The storefront's announcement bar and footer text (translated under Translations, like the store name). */
function StoreTextSection(props: { settings: StoreSettings | null; onSaved: () => void }) {
  const s = useStore();
  const form = createFormState();
  const [announcement, setAnnouncement] = createSignal(props.settings?.announcement ?? '');
  const [footerText, setFooterText] = createSignal(props.settings?.footerText ?? '');
  const save = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() =>
      api.PUT('/stores/{storeId}/settings', {
        params: { path: { storeId: s.storeId() } },
        body: { announcement: announcement().trim() || null, footerText: footerText().trim() || null },
      }),
    );
    if (r !== undefined) {
      toast.success(t('settings.saved'));
      props.onSaved();
    }
  };
  return (
    <Card title={t('settings.storeText')} id="storefront-text">
      <form class="form" onSubmit={save} novalidate>
        <Show when={form.formError()}>
          <Banner tone="critical">{form.formError()}</Banner>
        </Show>
        <Field id="settings-announcement" label={t('settings.announcement')} error={form.errors().announcement} hint={t('settings.announcementHint')}>
          <input
            id="settings-announcement"
            maxlength={500}
            value={announcement()}
            onInput={(e) => setAnnouncement(e.currentTarget.value)}
            {...describedBy('settings-announcement', form.errors().announcement, t('settings.announcementHint'))}
          />
        </Field>
        <Field id="settings-footer-text" label={t('settings.footerText')} error={form.errors().footerText} hint={t('settings.footerTextHint')}>
          <textarea
            id="settings-footer-text"
            rows={3}
            maxlength={2000}
            value={footerText()}
            onInput={(e) => setFooterText(e.currentTarget.value)}
            {...describedBy('settings-footer-text', form.errors().footerText, t('settings.footerTextHint'))}
          />
        </Field>
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={form.busy()}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Card>
  );
}

function ThemeSection(props: { settings: StoreSettings | null; onSaved: () => void }) {
  const s = useStore();
  const form = createFormState();
  const [theme, setTheme] = createStore<Theme>({ ...DEFAULT_THEME, ...props.settings?.theme });
  const [languages, setLanguages] = createSignal<string[]>(props.settings?.languages ?? [s.store()?.defaultLocale ?? 'en']);
  const [uploading, setUploading] = createSignal(false);
  const colours = ['primaryColor', 'accentColor', 'backgroundColor', 'textColor'] as const;
  const uploadLogo = async (file: File | undefined) => {
    if (!file) return;
    setUploading(true);
    try {
      const form = new FormData();
      form.set('file', file);
      const r = await upload('/stores/{storeId}/settings/logo', { params: { path: { storeId: s.storeId() } } }, form);
      setTheme('logoUrl', r.theme.logoUrl);
      toast.success(t('settings.logoUploaded'));
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setUploading(false);
    }
  };
  const removeLogo = async () => {
    try {
      await api.DELETE('/stores/{storeId}/settings/logo', { params: { path: { storeId: s.storeId() } } });
      setTheme('logoUrl', null);
      toast.success(t('settings.logoRemoved'));
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!languages().length) {
      form.setErrors({ languages: t('settings.pickLanguage') });
      return;
    }
    const { logoUrl: _logo, ...colours } = theme;
    const r = await form.submit(() =>
      api.PUT('/stores/{storeId}/settings', {
        params: { path: { storeId: s.storeId() } },
        body: { theme: colours, languages: languages() as StoreLanguage[] },
      }),
    );
    if (r !== undefined) {
      toast.success(t('settings.saved'));
      props.onSaved();
    }
  };
  return (
    <Card title={t('settings.appearance')} id="appearance">
      <form class="form" onSubmit={save} novalidate>
        <Show when={form.formError()}>
          <Banner tone="critical">{form.formError()}</Banner>
        </Show>
        <div class="logo-row">
          <div class="logo-preview" style={{ background: theme.backgroundColor }}>
            <Show when={theme.logoUrl} fallback={<span class="muted small">{t('settings.noLogo')}</span>}>
              <img src={theme.logoUrl ?? ''} alt={t('settings.logoAlt')} />
            </Show>
          </div>
          <label class="button">
            {uploading() ? t('editor.uploading') : t('settings.uploadLogo')}
            <input
              type="file"
              accept="image/png,image/jpeg,image/webp,image/svg+xml"
              class="visually-hidden"
              onChange={(e) => void uploadLogo(e.currentTarget.files?.[0])}
            />
          </label>
          <Show when={theme.logoUrl}>
            <button type="button" class="button" onClick={removeLogo}>
              {t('settings.removeLogo')}
            </button>
          </Show>
        </div>
        <div class="grid-4">
          <For each={colours}>
            {(k) => (
              <Field id={`theme-${k}`} label={t(`settings.${k}`)} error={form.errors()[`theme.${k}`]}>
                <div class="color-input">
                  <input type="color" aria-label={t(`settings.${k}`)} value={theme[k]} onInput={(e) => setTheme(k, e.currentTarget.value)} />
                  <input id={`theme-${k}`} value={theme[k]} maxLength={7} onInput={(e) => setTheme(k, e.currentTarget.value)} />
                </div>
              </Field>
            )}
          </For>
        </div>
        <Field id="theme-font" label={t('settings.font')}>
          <select id="theme-font" value={theme.font} onChange={(e) => setTheme('font', e.currentTarget.value as Theme['font'])}>
            <For each={['system', 'serif', 'rounded', 'mono'] as const}>{(f) => <option value={f}>{t(`settings.font.${f}`)}</option>}</For>
          </select>
        </Field>
        <div
          class="theme-preview"
          style={{ background: theme.backgroundColor, color: theme.textColor, 'font-family': `var(--font-${theme.font})` }}
          aria-hidden="true"
        >
          <strong>{s.store()?.name}</strong>
          <span>{t('settings.previewText')}</span>
          <span class="preview-button" style={{ background: theme.primaryColor, color: readableOn(theme.primaryColor) }}>
            {t('settings.previewButton')}
          </span>
          <span class="preview-badge" style={{ background: theme.accentColor, color: readableOn(theme.accentColor) }}>
            {t('settings.previewSale')}
          </span>
        </div>
        <fieldset class="checkbox-list">
          <legend>{t('settings.languages')}</legend>
          <For each={[...STORE_LANGUAGES]}>
            {(l) => (
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={languages().includes(l)}
                  onChange={(e) => setLanguages(e.currentTarget.checked ? [...languages(), l] : languages().filter((x) => x !== l))}
                />
                {STORE_LANGUAGE_NAMES[l]}
                <Show when={languages()[0] === l}>
                  <span class="muted small"> · {t('settings.defaultMark')}</span>
                </Show>
              </label>
            )}
          </For>
          <Show when={form.errors().languages}>
            <p class="field-error" role="alert">
              {form.errors().languages}
            </p>
          </Show>
        </fieldset>
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={form.busy()}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Card>
  );
}

type DomainStatus = Schemas['CustomDomain'];

function DomainSection(props: { store: Store }) {
  const s = useStore();
  const form = createFormState();
  const [status, { mutate }] = createResource(
    () => s.storeId(),
    (id) => api.GET('/stores/{storeId}/domain', { params: { path: { storeId: id } } }),
  );
  const [domain, setDomain] = createSignal(props.store.customDomain ?? '');
  const [verifying, setVerifying] = createSignal(false);
  const domainError = () => form.errors().domain ?? form.errors().customDomain;
  const save = async (e: Event) => {
    e.preventDefault();
    const value = domain().trim();
    const r = await form.submit(async () => {
      if (!value) {
        await api.DELETE('/stores/{storeId}/domain', { params: { path: { storeId: s.storeId() } } });
        return { domain: null, verified: false, verifiedAt: null, records: [] } as DomainStatus;
      }
      return api.PUT('/stores/{storeId}/domain', { params: { path: { storeId: s.storeId() } }, body: { domain: value } });
    });
    if (r) {
      mutate(r);
      updateStoreInSession({ ...props.store, customDomain: r.domain });
      toast.success(value ? t('settings.domainSaved') : t('settings.domainRemoved'));
    }
  };
  const verify = async () => {
    setVerifying(true);
    try {
      const r = await api.POST('/stores/{storeId}/domain/verify', { params: { path: { storeId: s.storeId() } } });
      mutate(r);
      if (r.verified) toast.success(t('settings.domainVerified'));
      else toast.error(t('settings.domainNotYet'));
    } catch (e) {
      toast.error(e instanceof ApiError && e.code === 'dns_verification_failed' ? `${t('settings.domainNotYet')} (${e.message})` : (e as Error).message);
    } finally {
      setVerifying(false);
    }
  };
  return (
    <Card title={t('settings.domain')} id="domain">
      <p class="muted small">{t('settings.domainHint', { url: props.store.url })}</p>
      <form class="inline-form" onSubmit={save} novalidate>
        <Field id="custom-domain" label={t('settings.customDomain')} error={domainError()} class="grow">
          <input
            id="custom-domain"
            placeholder="shop.example.com"
            value={domain()}
            onInput={(e) => setDomain(e.currentTarget.value)}
            {...describedBy('custom-domain', domainError())}
          />
        </Field>
        <button type="submit" class="button" disabled={form.busy()}>
          {t('common.save')}
        </button>
      </form>
      <Show when={form.formError()}>
        <Banner tone="critical">{form.formError()}</Banner>
      </Show>
      <Show when={status()?.domain}>
        {(d) => (
          <div class="dns">
            <p>
              {t('settings.dnsIntro', { domain: d() })}{' '}
              <span class={status()?.verified ? 'badge badge-success' : 'badge badge-warning'}>
                {status()?.verified ? t('settings.verified') : t('settings.unverified')}
              </span>
            </p>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th>{t('settings.dnsType')}</th>
                    <th>{t('settings.dnsName')}</th>
                    <th>{t('settings.dnsValue')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={status()?.records ?? []}>
                    {(r) => (
                      <tr>
                        <td>{r.type}</td>
                        <td>
                          <code class="break">{r.name}</code>
                          <span class="muted small block">{r.purpose}</span>
                        </td>
                        <td>
                          <code class="break">{r.value}</code>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={!status()?.verified}>
              <button type="button" class="button" onClick={verify} disabled={verifying()}>
                {verifying() ? t('settings.verifying') : t('settings.verify')}
              </button>
            </Show>
          </div>
        )}
      </Show>
    </Card>
  );
}

function CheckoutSection() {
  const s = useStore();
  const form = createFormState();
  const [loaded] = createResource(s.storeId, (id) => optional(api.GET('/stores/{storeId}/checkout-settings', { params: { path: { storeId: id } } })));
  const [mode, setMode] = createSignal<'flat' | 'weight'>('flat');
  const [flatRate, setFlatRate] = createSignal('');
  const [freeOver, setFreeOver] = createSignal('');
  const [rates, setRates] = createStore<{ upToGrams: string; rate: string }[]>([]);
  const [taxRate, setTaxRate] = createSignal('0');
  const [taxIncluded, setTaxIncluded] = createSignal(false);
  createEffect(() => {
    if (loaded.loading) return;
    const c = loaded() ?? DEFAULT_CHECKOUT;
    const cur = s.currency();
    setMode(c.shipping.mode);
    setFlatRate(minorToInput(c.shipping.flatRate, cur));
    setFreeOver(minorToInput(c.shipping.freeOver, cur));
    setRates(reconcile(c.shipping.weightRates.map((r) => ({ upToGrams: String(r.upToGrams), rate: minorToInput(r.rate, cur) }))));
    setTaxRate(String(c.tax.ratePercent));
    setTaxIncluded(c.tax.includedInPrices);
  });
  const save = async (e: Event) => {
    e.preventDefault();
    const cur = s.currency();
    const errors: Record<string, string> = {};
    const flat = parseMoney(flatRate() || '0', cur);
    if (flat === null) errors['shipping.flatRate'] = t('editor.invalidAmount');
    const free = freeOver().trim() ? parseMoney(freeOver(), cur) : null;
    if (freeOver().trim() && free === null) errors['shipping.freeOver'] = t('editor.invalidAmount');
    const weightRates = rates.map((r, i) => {
      const rate = parseMoney(r.rate, cur);
      const grams = Number(r.upToGrams);
      if (rate === null) errors[`shipping.weightRates.${i}.rate`] = t('editor.invalidAmount');
      if (!Number.isInteger(grams) || grams <= 0) errors[`shipping.weightRates.${i}.upToGrams`] = t('settings.invalidGrams');
      return { upToGrams: grams, rate: rate ?? 0 };
    });
    const pct = Number(taxRate());
    if (!Number.isFinite(pct) || pct < 0 || pct > 100) errors['tax.ratePercent'] = t('settings.invalidPercent');
    form.setErrors(errors);
    if (Object.keys(errors).length) return;
    const r = await form.submit(() =>
      api.PUT('/stores/{storeId}/checkout-settings', {
        params: { path: { storeId: s.storeId() } },
        body: {
          shipping: { mode: mode(), flatRate: flat ?? 0, freeOver: free, weightRates },
          tax: { ratePercent: pct, includedInPrices: taxIncluded() },
        },
      }),
    );
    if (r !== undefined) toast.success(t('settings.saved'));
  };
  const err = (k: string) => form.errors()[k];
  return (
    <Card title={t('settings.checkout')} id="checkout">
      <Show when={!loaded.loading} fallback={<SkeletonRows rows={3} cols={2} />}>
        <form class="form" onSubmit={save} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <fieldset class="radio-group">
            <legend>{t('settings.shippingMode')}</legend>
            <label class="checkbox">
              <input type="radio" name="ship-mode" checked={mode() === 'flat'} onChange={() => setMode('flat')} />
              {t('settings.shippingFlat')}
            </label>
            <label class="checkbox">
              <input type="radio" name="ship-mode" checked={mode() === 'weight'} onChange={() => setMode('weight')} />
              {t('settings.shippingWeight')}
            </label>
          </fieldset>
          <div class="grid-2">
            <Show when={mode() === 'flat'}>
              <Field id="flat-rate" label={t('settings.flatRate', { currency: s.currency() })} error={err('shipping.flatRate')}>
                <input
                  id="flat-rate"
                  inputmode="decimal"
                  value={flatRate()}
                  onInput={(e) => setFlatRate(e.currentTarget.value)}
                  {...describedBy('flat-rate', err('shipping.flatRate'))}
                />
              </Field>
            </Show>
            <Field id="free-over" label={t('settings.freeOver', { currency: s.currency() })} error={err('shipping.freeOver')} hint={t('settings.freeOverHint')}>
              <input
                id="free-over"
                inputmode="decimal"
                value={freeOver()}
                onInput={(e) => setFreeOver(e.currentTarget.value)}
                {...describedBy('free-over', err('shipping.freeOver'), 'x')}
              />
            </Field>
          </div>
          <Show when={mode() === 'weight'}>
            <Index each={rates}>
              {(r, i) => (
                <div class="option-row">
                  <Field id={`rate-grams-${i}`} label={t('settings.upToGrams')} error={err(`shipping.weightRates.${i}.upToGrams`)}>
                    <input
                      id={`rate-grams-${i}`}
                      type="number"
                      min="1"
                      value={r().upToGrams}
                      onInput={(e) => setRates(i, 'upToGrams', e.currentTarget.value)}
                    />
                  </Field>
                  <Field id={`rate-amount-${i}`} label={t('settings.rate', { currency: s.currency() })} error={err(`shipping.weightRates.${i}.rate`)}>
                    <input id={`rate-amount-${i}`} inputmode="decimal" value={r().rate} onInput={(e) => setRates(i, 'rate', e.currentTarget.value)} />
                  </Field>
                  <button type="button" class="icon-button" aria-label={t('settings.removeRate')} onClick={() => setRates((l) => l.filter((_, j) => j !== i))}>
                    ×
                  </button>
                </div>
              )}
            </Index>
            <button type="button" class="button small" onClick={() => setRates((l) => [...l, { upToGrams: '', rate: '' }])}>
              {t('settings.addRate')}
            </button>
          </Show>
          <div class="grid-2">
            <Field id="tax-rate" label={t('settings.taxRate')} error={err('tax.ratePercent')}>
              <input
                id="tax-rate"
                inputmode="decimal"
                value={taxRate()}
                onInput={(e) => setTaxRate(e.currentTarget.value)}
                {...describedBy('tax-rate', err('tax.ratePercent'))}
              />
            </Field>
            <label class="checkbox align-end">
              <input type="checkbox" checked={taxIncluded()} onChange={(e) => setTaxIncluded(e.currentTarget.checked)} />
              {t('settings.taxIncluded')}
            </label>
          </div>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={form.busy()}>
              {t('common.save')}
            </button>
          </div>
        </form>
      </Show>
    </Card>
  );
}

type ApiScope = Schemas['ApiScope'];

function TokensSection() {
  const form = createFormState();
  const [tokens, { refetch }] = createResource(() => api.GET('/me/api-tokens'));
  const [name, setName] = createSignal('');
  const [scopes, setScopes] = createSignal<ApiScope[]>([]);
  const [secret, setSecret] = createSignal<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() => api.POST('/me/api-tokens', { body: { name: name(), scopes: scopes() } }));
    if (r) {
      setSecret(r.token);
      setName('');
      setScopes([]);
      refetch();
    }
  };
  const revoke = async (tk: ApiToken) => {
    if (!window.confirm(t('settings.revokeConfirm', { name: tk.name }))) return;
    try {
      await api.DELETE('/me/api-tokens/{tokenId}', { params: { path: { tokenId: tk.id } } });
      toast.success(t('settings.revoked'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <Card title={t('settings.tokens')} id="tokens">
      <p class="muted small">{t('settings.tokensHint')}</p>
      <form class="inline-form" onSubmit={create} novalidate>
        <Field id="token-name" label={t('settings.tokenName')} error={form.errors().name} class="grow">
          <input
            id="token-name"
            placeholder={t('settings.tokenNamePlaceholder')}
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
            {...describedBy('token-name', form.errors().name)}
          />
        </Field>
        <button type="submit" class="button" disabled={form.busy() || !name().trim()}>
          {t('settings.createToken')}
        </button>
        <fieldset class="checkbox-list">
          <legend>{t('settings.tokenScopes')}</legend>
          <For each={apiScopeValues}>
            {(scope) => (
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={scopes().includes(scope)}
                  onChange={(e) => setScopes((list) => (e.currentTarget.checked ? [...list, scope] : list.filter((x) => x !== scope)))}
                />{' '}
                <code>{scope}</code>
              </label>
            )}
          </For>
        </fieldset>
      </form>
      <Show when={(tokens()?.data.length ?? 0) > 0}>
        <ul class="token-list">
          <For each={tokens()?.data ?? []}>
            {(tk) => (
              <li>
                <span class="grow">
                  <strong>{tk.name}</strong>
                  <span class="muted small block">
                    <code>{tk.prefix}…</code> · {t('settings.tokenCreated', { date: formatDate(tk.createdAt, locale()) })} ·{' '}
                    {tk.lastUsedAt ? t('settings.tokenUsed', { date: formatDate(tk.lastUsedAt, locale()) }) : t('settings.tokenNeverUsed')}
                  </span>
                  <span class="muted small block">{t('settings.tokenScopesShown', { scopes: tk.scopes.length ? tk.scopes.join(', ') : '—' })}</span>
                </span>
                <button type="button" class="button small danger" onClick={() => revoke(tk)}>
                  {t('settings.revoke')}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Modal
        open={secret() !== null}
        title={t('settings.tokenCreatedTitle')}
        onClose={() => setSecret(null)}
        footer={
          <button type="button" class="button primary" onClick={() => setSecret(null)}>
            {t('common.done')}
          </button>
        }
      >
        <Banner tone="warning">{t('settings.tokenShownOnce')}</Banner>
        <div class="secret">
          <code data-testid="new-token">{secret()}</code>
          <button
            type="button"
            class="button small"
            onClick={() => {
              void navigator.clipboard?.writeText(secret() ?? '').then(() => toast.success(t('common.copied')));
            }}
          >
            {t('common.copy')}
          </button>
        </div>
      </Modal>
    </Card>
  );
}

function DangerSection() {
  const s = useStore();
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const [confirmText, setConfirmText] = createSignal('');
  const remove = async () => {
    try {
      await api.DELETE('/stores/{storeId}', { params: { path: { storeId: s.storeId() } } });
      toast.success(t('settings.storeDeleted'));
      await refetchMe();
      navigate('/', { replace: true });
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <Card title={t('settings.danger')} id="danger" class="card-danger">
      <p class="muted small">{t('settings.deleteHint')}</p>
      <button type="button" class="button danger" onClick={() => setOpen(true)}>
        {t('settings.deleteStore')}
      </button>
      <Modal
        open={open()}
        title={t('settings.deleteStore')}
        onClose={() => setOpen(false)}
        footer={
          <>
            <button type="button" class="button" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </button>
            <button type="button" class="button danger" disabled={confirmText() !== s.store()?.slug} onClick={remove}>
              {t('settings.deleteStore')}
            </button>
          </>
        }
      >
        <p>{t('settings.deleteConfirm', { slug: s.store()?.slug ?? '' })}</p>
        <Field id="confirm-slug" label={t('settings.typeSlug')}>
          <input id="confirm-slug" value={confirmText()} onInput={(e) => setConfirmText(e.currentTarget.value)} />
        </Field>
      </Modal>
    </Card>
  );
}

/** What mail the store sends (the mail itself is written by the platform, in the customer's language). */
function NotificationsSection() {
  const customer: MessageKey[] = [
    'notifications.orderConfirmation',
    'notifications.giftCard',
    'notifications.accountVerify',
    'notifications.passwordReset',
    'notifications.privacyRequest',
  ];
  const staff: MessageKey[] = [
    'notifications.newOrder',
    'notifications.invitation',
    'notifications.paymentFailed',
    'notifications.webhookDisabled',
    'notifications.newSignIn',
  ];
  return (
    <>
      <Card title={t('notifications.customerTitle')} id="customer-notifications">
        <p class="muted">{t('notifications.customerHint')}</p>
        <ul class="plain-list">
          <For each={customer}>{(k) => <li>{t(k)}</li>}</For>
        </ul>
      </Card>
      <Card title={t('notifications.staffTitle')} id="staff-notifications">
        <p class="muted">{t('notifications.staffHint')}</p>
        <ul class="plain-list">
          <For each={staff}>{(k) => <li>{t(k)}</li>}</For>
        </ul>
      </Card>
    </>
  );
}

/** Sub-pages of Settings (the index is settings-index.tsx); an unknown name shows the index's first page. */
export const SETTINGS_PAGES = ['general', 'checkout', 'notifications', 'privacy', 'api-tokens', 'store-data'] as const;
type SettingsPageName = (typeof SETTINGS_PAGES)[number];
const PAGE_TITLES: Record<SettingsPageName, MessageKey> = {
  general: 'settingsIndex.general',
  checkout: 'settingsIndex.checkout',
  notifications: 'settingsIndex.notifications',
  privacy: 'settingsIndex.privacy',
  'api-tokens': 'settingsIndex.apiTokens',
  'store-data': 'settingsIndex.storeData',
};

export default function SettingsPage() {
  const s = useStore();
  const params = useParams();
  const page = (): SettingsPageName =>
    (SETTINGS_PAGES as readonly string[]).includes(params.section ?? '') ? (params.section as SettingsPageName) : 'general';
  const [settings, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/settings', { params: { path: { storeId: id } } }));
  const editable = (body: () => JSX.Element) => (
    <Show when={s.can('store:update')} fallback={<Banner tone="info">{t('settings.readOnly')}</Banner>}>
      {body()}
    </Show>
  );
  return (
    <div class="page page-narrow">
      <PageHeader title={t(PAGE_TITLES[page()])} subtitle={s.store()?.name} back={{ href: s.path('/settings'), label: t('settings.title') }} />
      <Switch>
        <Match when={page() === 'general'}>
          {editable(() => (
            <Show when={s.store()} keyed>
              {(store) => (
                <>
                  <GeneralSection store={store} />
                  <Show when={!settings.loading} fallback={<SkeletonRows rows={3} cols={2} />}>
                    <ThemeSection settings={settings() ?? null} onSaved={refetch} />
                    <StoreTextSection settings={settings() ?? null} onSaved={refetch} />
                  </Show>
                  <DomainSection store={store} />
                </>
              )}
            </Show>
          ))}
        </Match>
        <Match when={page() === 'checkout'}>
          {editable(() => (
            <CheckoutSection />
          ))}
        </Match>
        <Match when={page() === 'notifications'}>
          <NotificationsSection />
        </Match>
        <Match when={page() === 'privacy'}>
          <Show when={s.can('store:read')}>
            <RetentionSection />
            <TrackingSection />
          </Show>
        </Match>
        <Match when={page() === 'api-tokens'}>
          <TokensSection />
        </Match>
        <Match when={page() === 'store-data'}>
          <Show when={s.can('store:export')}>
            <DataSection />
          </Show>
          <Show when={s.can('store:delete')}>
            <DangerSection />
          </Show>
        </Match>
      </Switch>
    </div>
  );
}
