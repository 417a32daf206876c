import { browserTimeZone } from '../lib/format.ts';
import { A, useSearchParams } from '@solidjs/router';
import { createEffect, createSignal, For, onCleanup, Show } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { Banner, describedBy, Field, Spinner } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { STORE_LANGUAGE_NAMES, STORE_LANGUAGES, type StoreLanguage } from '../lib/store-languages.ts';
import { api, idempotencyKey, type Store } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { refetchMe, setCurrentStoreId } from '../lib/session.ts';
import { slugify } from '../lib/slug.ts';
import { AuthLayout } from './auth.tsx';

export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CNY', 'JPY', 'CAD', 'AUD', 'CHF', 'HKD', 'SGD', 'SEK', 'NZD', 'INR', 'BRL', 'MXN'];

type Availability =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'available' }
  | { state: 'unavailable'; reason: 'invalid' | 'reserved' | 'taken' | null };

export function OnboardingPage() {
  const [params] = useSearchParams();
  const form = createFormState();
  const [step, setStep] = createSignal<1 | 2>(1);
  const [name, setName] = createSignal('');
  const [slug, setSlug] = createSignal('');
  const [slugTouched, setSlugTouched] = createSignal(false);
  const [currency, setCurrency] = createSignal(locale() === 'zh-CN' ? 'CNY' : 'USD');
  const [language, setLanguage] = createSignal<StoreLanguage>(locale());
  const [availability, setAvailability] = createSignal<Availability>({ state: 'idle' });
  const [created, setCreated] = createSignal<Store | null>(null);
  const key = idempotencyKey();

  createEffect(() => {
    if (!slugTouched()) setSlug(slugify(name()));
  });

  // Live availability, debounced; a stale answer for an older slug is dropped.
  createEffect(() => {
    const s = slug();
    if (!s) {
      setAvailability({ state: 'idle' });
      return;
    }
    setAvailability({ state: 'checking' });
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const r = await api.GET('/stores/slug-availability', { params: { query: { slug: s } }, signal: controller.signal });
        setAvailability(r.available ? { state: 'available' } : { state: 'unavailable', reason: r.reason });
      } catch (e) {
        if ((e as Error).name !== 'AbortError') setAvailability({ state: 'idle' });
      }
    }, 300);
    onCleanup(() => {
      clearTimeout(timer);
      controller.abort();
    });
  });

  const slugError = () => {
    const a = availability();
    if (form.errors().slug) return form.errors().slug;
    if (a.state !== 'unavailable') return undefined;
    return a.reason === 'taken' ? t('onboarding.slugTaken') : a.reason === 'reserved' ? t('onboarding.slugReserved') : t('onboarding.slugInvalid');
  };

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (!name().trim()) {
      form.setErrors({ name: t('common.required') });
      return;
    }
    const store = await form.submit(() =>
      api.POST('/stores', {
        body: { name: name(), slug: slug(), currency: currency(), defaultLocale: language(), timezone: browserTimeZone() },
        headers: { 'idempotency-key': key },
      }),
    );
    if (store) {
      setCreated(store);
      setCurrentStoreId(store.id);
      await refetchMe();
      setStep(2);
    }
  };

  return (
    <AuthLayout
      title={step() === 1 ? (params.another ? t('onboarding.anotherTitle') : t('onboarding.title')) : t('onboarding.doneTitle')}
      subtitle={step() === 1 ? t('onboarding.subtitle') : undefined}
    >
      <ol class="steps" aria-label={t('onboarding.progress')}>
        <li classList={{ current: step() === 1, done: step() > 1 }} aria-current={step() === 1 ? 'step' : undefined}>
          {t('onboarding.stepDetails')}
        </li>
        <li classList={{ current: step() === 2 }} aria-current={step() === 2 ? 'step' : undefined}>
          {t('onboarding.stepLive')}
        </li>
      </ol>
      <Show when={step() === 1}>
        <form class="form" onSubmit={onSubmit} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <Field id="store-name" label={t('onboarding.storeName')} error={form.errors().name}>
            <input
              id="store-name"
              required
              maxLength={100}
              placeholder={t('onboarding.storeNamePlaceholder')}
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
              {...describedBy('store-name', form.errors().name)}
            />
          </Field>
          <Field id="store-slug" label={t('onboarding.slug')} error={slugError()} hint={t('onboarding.slugHint')}>
            <div class="input-group">
              <input
                id="store-slug"
                required
                maxLength={63}
                value={slug()}
                onInput={(e) => {
                  setSlugTouched(true);
                  setSlug(e.currentTarget.value.toLowerCase());
                }}
                {...describedBy('store-slug', slugError(), t('onboarding.slugHint'))}
              />
              <span class="input-suffix" aria-live="polite">
                <Show when={availability().state === 'checking'}>
                  <Spinner />
                  <span class="visually-hidden">{t('onboarding.checking')}</span>
                </Show>
                <Show when={availability().state === 'available'}>
                  <span class="ok">
                    <Icon name="check" size={16} /> {t('onboarding.available')}
                  </span>
                </Show>
              </span>
            </div>
          </Field>
          <div class="grid-2">
            <Field id="store-currency" label={t('onboarding.currency')} error={form.errors().currency}>
              <select id="store-currency" value={currency()} onChange={(e) => setCurrency(e.currentTarget.value)}>
                <For each={CURRENCIES}>{(c) => <option value={c}>{c}</option>}</For>
              </select>
            </Field>
            <Field id="store-language" label={t('onboarding.language')} error={form.errors().defaultLocale}>
              <select id="store-language" value={language()} onChange={(e) => setLanguage(e.currentTarget.value as StoreLanguage)}>
                <For each={[...STORE_LANGUAGES]}>{(l) => <option value={l}>{STORE_LANGUAGE_NAMES[l]}</option>}</For>
              </select>
            </Field>
          </div>
          <button type="submit" class="button primary block" disabled={form.busy() || availability().state === 'unavailable'}>
            {form.busy() ? t('onboarding.creating') : t('onboarding.create')}
          </button>
        </form>
      </Show>
      <Show when={step() === 2 && created()}>
        {(s) => (
          <div class="onboarding-done">
            <Banner tone="success" title={t('onboarding.liveTitle')}>
              {t('onboarding.liveBody')}
            </Banner>
            <p class="store-url">
              <a href={s().url} target="_blank" rel="noopener" data-testid="storefront-url">
                {s().url}
              </a>
            </p>
            <div class="stack">
              <A class="button primary block" href={`/stores/${s().id}/products/new`}>
                {t('onboarding.addFirstProduct')}
              </A>
              <A class="button block" href={`/stores/${s().id}/products`}>
                {t('onboarding.goToConsole')}
              </A>
            </div>
          </div>
        )}
      </Show>
    </AuthLayout>
  );
}
