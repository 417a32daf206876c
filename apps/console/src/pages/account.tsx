import { createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Banner, Card, describedBy, Field, PageHeader } from '../components/ui.tsx';
import { LOCALE_NAMES, LOCALES, type Locale, locale, setLocale, t } from '../i18n/index.ts';
import { api } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { me } from '../lib/session.ts';
import { SessionsCard, TwoFactorCard } from './account-security.tsx';
import { DeletedStoresCard } from './store-data.tsx';

export default function AccountPage() {
  const form = createFormState();
  const [current, setCurrent] = createSignal('');
  const [next, setNext] = createSignal('');
  // The choice follows the merchant to every device: saved on the account, applied at once here.
  const saveLocale = async (next: Locale) => {
    setLocale(next);
    try {
      await api.PATCH('/me', { body: { locale: next } });
      toast.success(t('account.languageSaved'));
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (next().length < 10) {
      form.setErrors({ newPassword: t('auth.passwordTooShort') });
      return;
    }
    const ok = await form.submit(() => api.POST('/me/password', { body: { currentPassword: current(), newPassword: next() } }).then(() => true));
    if (ok) {
      setCurrent('');
      setNext('');
      toast.success(t('account.passwordChanged'));
    }
  };
  return (
    <div class="page page-narrow">
      <PageHeader title={t('account.title')} subtitle={me()?.user.email} />
      <Card title={t('account.language')} id="language">
        <Field id="account-locale" label={t('account.consoleLanguage')} hint={t('account.languageHint')}>
          <select id="account-locale" value={locale()} onChange={(e) => void saveLocale(e.currentTarget.value as Locale)}>
            <For each={[...LOCALES]}>{(l) => <option value={l}>{LOCALE_NAMES[l]}</option>}</For>
          </select>
        </Field>
      </Card>
      <Card title={t('account.changePassword')} id="password">
        <form class="form" onSubmit={save} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <Field id="current-password" label={t('account.currentPassword')} error={form.errors().currentPassword ?? form.errors().password}>
            <input
              id="current-password"
              type="password"
              autocomplete="current-password"
              value={current()}
              onInput={(e) => setCurrent(e.currentTarget.value)}
              {...describedBy('current-password', form.errors().currentPassword ?? form.errors().password)}
            />
          </Field>
          <Field id="new-password" label={t('auth.newPassword')} error={form.errors().newPassword} hint={t('auth.passwordHint')}>
            <input
              id="new-password"
              type="password"
              autocomplete="new-password"
              value={next()}
              onInput={(e) => setNext(e.currentTarget.value)}
              {...describedBy('new-password', form.errors().newPassword, t('auth.passwordHint'))}
            />
          </Field>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={form.busy()}>
              {t('account.changePassword')}
            </button>
          </div>
        </form>
      </Card>
      <TwoFactorCard />
      <SessionsCard />
      <DeletedStoresCard />
    </div>
  );
}
