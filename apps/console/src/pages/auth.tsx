import { A, useNavigate, useSearchParams } from '@solidjs/router';
import { createSignal, type ParentProps, Show } from 'solid-js';
import { safeRedirectPath } from '@storeloom/http/safe-redirect';
import { toast } from '../components/toast.tsx';
import { Banner, describedBy, Field } from '../components/ui.tsx';
import { LOCALE_NAMES, LOCALES, type Locale, locale, setLocale, t } from '../i18n/index.ts';
import { api, type User } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { refetchMe } from '../lib/session.ts';

export function AuthLayout(props: ParentProps<{ title: string; subtitle?: string }>) {
  return (
    <div class="auth-page">
      <main class="auth-card" id="main">
        <div class="auth-brand">
          <span class="brand-mark" aria-hidden="true">
            S
          </span>
          <span class="brand-name">Storeloom</span>
        </div>
        <h1>{props.title}</h1>
        <Show when={props.subtitle}>
          <p class="muted">{props.subtitle}</p>
        </Show>
        {props.children}
      </main>
      <footer class="auth-footer">
        <label class="visually-hidden" for="auth-locale">
          {t('shell.language')}
        </label>
        <select id="auth-locale" class="locale-select" value={locale()} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
          {LOCALES.map((l) => (
            <option value={l}>{LOCALE_NAMES[l]}</option>
          ))}
        </select>
        {/* rel=external: a server page, so the router must not handle the click */}
        <a href="/api/v1/docs" rel="external">
          {t('auth.apiReference')}
        </a>
      </footer>
    </div>
  );
}

/** Only same-origin paths (the platform's one rule, shared with the storefront): `?next=https://evil.example`, `/\\evil.example`… stay on the console. */
export const safeNext = (next: string | string[] | undefined) => safeRedirectPath(next, '/');

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const form = createFormState();
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  // With two-factor sign-in on, a right password yields a ticket; the session starts after the code.
  const [ticket, setTicket] = createSignal<string | null>(null);
  const [code, setCode] = createSignal('');
  const signedIn = async () => {
    await refetchMe();
    navigate(safeNext(params.next), { replace: true });
  };
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() => api.POST('/auth/login', { body: { email: email(), password: password() } }));
    if (!r) return;
    if ('twoFactorRequired' in r) {
      setPassword('');
      setTicket(r.ticket);
      return;
    }
    await signedIn();
  };
  const onCode = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() => api.POST('/auth/login/two-factor', { body: { ticket: ticket() ?? '', code: code().trim() } }), {
      onError: (err) => {
        // An expired or burnt ticket: back to the password step.
        if (err.code === 'invalid_token') setTicket(null);
        return false;
      },
    });
    if (r) await signedIn();
  };
  return (
    <Show
      when={!ticket()}
      fallback={
        <AuthLayout title={t('auth.twoFactorTitle')} subtitle={t('auth.twoFactorSubtitle')}>
          <form class="form" onSubmit={onCode} novalidate>
            <Show when={form.formError() ?? form.errors().password}>
              <Banner tone="critical">{form.formError() ?? form.errors().password}</Banner>
            </Show>
            <Field id="two-factor-code" label={t('auth.twoFactorCode')}>
              <input
                id="two-factor-code"
                inputmode="numeric"
                autocomplete="one-time-code"
                required
                autofocus
                value={code()}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
            </Field>
            <button type="submit" class="button primary block" disabled={form.busy()}>
              {form.busy() ? t('auth.twoFactorVerifying') : t('auth.twoFactorVerify')}
            </button>
          </form>
          <p class="auth-switch">
            <button type="button" class="link-button" onClick={() => setTicket(null)}>
              {t('auth.twoFactorStartOver')}
            </button>
          </p>
        </AuthLayout>
      }
    >
      <AuthLayout title={t('auth.loginTitle')} subtitle={t('auth.loginSubtitle')}>
        <form class="form" onSubmit={onSubmit} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <Field id="email" label={t('auth.email')} error={form.errors().email}>
            <input
              id="email"
              type="email"
              autocomplete="email"
              required
              value={email()}
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...describedBy('email', form.errors().email)}
            />
          </Field>
          <Field id="password" label={t('auth.password')} error={form.errors().password}>
            <input
              id="password"
              type="password"
              autocomplete="current-password"
              required
              value={password()}
              onInput={(e) => setPassword(e.currentTarget.value)}
              {...describedBy('password', form.errors().password)}
            />
          </Field>
          <div class="form-row-between">
            <A href="/forgot-password">{t('auth.forgotLink')}</A>
          </div>
          <button type="submit" class="button primary block" disabled={form.busy()}>
            {form.busy() ? t('auth.loggingIn') : t('auth.login')}
          </button>
        </form>
        <p class="auth-switch">
          {t('auth.noAccount')} <A href="/signup">{t('auth.signupLink')}</A>
        </p>
      </AuthLayout>
    </Show>
  );
}

export function SignupPage() {
  const navigate = useNavigate();
  const form = createFormState();
  const [name, setName] = createSignal('');
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (password().length < 10) {
      form.setErrors({ password: t('auth.passwordTooShort') });
      return;
    }
    const ok = await form.submit(() => api.POST('/auth/signup', { body: { name: name(), email: email(), password: password() } }));
    if (ok) {
      await refetchMe();
      toast.success(t('auth.welcome', { name: ok.user.name }));
      navigate('/onboarding', { replace: true });
    }
  };
  return (
    <AuthLayout title={t('auth.signupTitle')} subtitle={t('auth.signupSubtitle')}>
      <form class="form" onSubmit={onSubmit} novalidate>
        <Show when={form.formError()}>
          <Banner tone="critical">{form.formError()}</Banner>
        </Show>
        <Field id="name" label={t('auth.name')} error={form.errors().name}>
          <input
            id="name"
            autocomplete="name"
            required
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
            {...describedBy('name', form.errors().name)}
          />
        </Field>
        <Field id="email" label={t('auth.email')} error={form.errors().email}>
          <input
            id="email"
            type="email"
            autocomplete="email"
            required
            value={email()}
            onInput={(e) => setEmail(e.currentTarget.value)}
            {...describedBy('email', form.errors().email)}
          />
        </Field>
        <Field id="password" label={t('auth.password')} error={form.errors().password} hint={t('auth.passwordHint')}>
          <input
            id="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={10}
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
            {...describedBy('password', form.errors().password, t('auth.passwordHint'))}
          />
        </Field>
        <button type="submit" class="button primary block" disabled={form.busy()}>
          {form.busy() ? t('auth.creatingAccount') : t('auth.signup')}
        </button>
      </form>
      <p class="auth-switch">
        {t('auth.haveAccount')} <A href="/login">{t('auth.loginLink')}</A>
      </p>
    </AuthLayout>
  );
}

export function ForgotPasswordPage() {
  const form = createFormState();
  const [email, setEmail] = createSignal('');
  const [sent, setSent] = createSignal(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const ok = await form.submit(() => api.POST('/auth/password-reset', { body: { email: email() } }).then(() => true));
    if (ok) setSent(true);
  };
  return (
    <AuthLayout title={t('auth.forgotTitle')} subtitle={t('auth.forgotSubtitle')}>
      <Show
        when={!sent()}
        fallback={
          <Banner tone="success" title={t('auth.resetSentTitle')}>
            {t('auth.resetSentBody', { email: email() })}
          </Banner>
        }
      >
        <form class="form" onSubmit={onSubmit} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <Field id="email" label={t('auth.email')} error={form.errors().email}>
            <input
              id="email"
              type="email"
              autocomplete="email"
              required
              value={email()}
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...describedBy('email', form.errors().email)}
            />
          </Field>
          <button type="submit" class="button primary block" disabled={form.busy()}>
            {t('auth.sendResetLink')}
          </button>
        </form>
      </Show>
      <p class="auth-switch">
        <A href="/login">{t('auth.backToLogin')}</A>
      </p>
    </AuthLayout>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const form = createFormState();
  const [password, setPassword] = createSignal('');
  const token = () => (Array.isArray(params.token) ? params.token[0] : params.token) ?? '';
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    if (password().length < 10) {
      form.setErrors({ password: t('auth.passwordTooShort') });
      return;
    }
    const ok = await form.submit(() => api.POST('/auth/password-reset/confirm', { body: { token: token(), password: password() } }).then(() => true));
    if (ok) {
      toast.success(t('auth.passwordResetDone'));
      navigate('/login', { replace: true });
    }
  };
  return (
    <AuthLayout title={t('auth.resetTitle')}>
      <Show when={token()} fallback={<Banner tone="critical">{t('auth.resetMissingToken')}</Banner>}>
        <form class="form" onSubmit={onSubmit} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <Field id="password" label={t('auth.newPassword')} error={form.errors().password} hint={t('auth.passwordHint')}>
            <input
              id="password"
              type="password"
              autocomplete="new-password"
              required
              value={password()}
              onInput={(e) => setPassword(e.currentTarget.value)}
              {...describedBy('password', form.errors().password, t('auth.passwordHint'))}
            />
          </Field>
          <button type="submit" class="button primary block" disabled={form.busy()}>
            {t('auth.setPassword')}
          </button>
        </form>
      </Show>
    </AuthLayout>
  );
}
