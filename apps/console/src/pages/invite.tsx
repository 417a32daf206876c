import { useNavigate, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Banner, describedBy, Field } from '../components/ui.tsx';
import { t } from '../i18n/index.ts';
import { api, type ResponseOf } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { me, refetchMe } from '../lib/session.ts';
import { AuthLayout } from './auth.tsx';

type Preview = ResponseOf<'/invitations/preview', 'get'>;

export default function InvitePage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = () => (Array.isArray(params.token) ? params.token[0] : params.token) ?? '';
  const [preview] = createResource(token, (tk) => api.GET('/invitations/preview', { params: { query: { token: tk } } }));
  const form = createFormState();
  const [name, setName] = createSignal('');
  const [password, setPassword] = createSignal('');
  const signedInAs = () => me()?.user.email;
  const accept = async (e: Event) => {
    e.preventDefault();
    const p = preview();
    const needsAccount = p && !p.accountExists;
    const body = needsAccount ? { token: token(), name: name(), password: password() } : { token: token(), ...(password() ? { password: password() } : {}) };
    const r = await form.submit(() => api.POST('/invitations/accept', { body: body }));
    if (r) {
      await refetchMe();
      toast.success(t('invite.joined', { store: p?.storeName ?? '' }));
      navigate(`/stores/${r.storeId}/products`, { replace: true });
    }
  };
  return (
    <AuthLayout title={t('invite.title')}>
      <Show when={token()} fallback={<Banner tone="critical">{t('invite.missingToken')}</Banner>}>
        <Show when={!preview.error} fallback={<Banner tone="critical">{(preview.error as Error)?.message}</Banner>}>
          <Show when={preview()}>
            {(p) => (
              <form class="form" onSubmit={accept} novalidate>
                <p>{t('invite.body', { store: p().storeName, role: t(`role.${p().role}`) })}</p>
                <Show when={form.formError()}>
                  <Banner tone="critical">{form.formError()}</Banner>
                </Show>
                <Show when={!p().accountExists}>
                  <p class="muted small">{t('invite.createAccount', { email: p().email })}</p>
                  <Field id="invite-name" label={t('auth.name')} error={form.errors().name}>
                    <input
                      id="invite-name"
                      autocomplete="name"
                      value={name()}
                      onInput={(e) => setName(e.currentTarget.value)}
                      {...describedBy('invite-name', form.errors().name)}
                    />
                  </Field>
                </Show>
                <Show when={!p().accountExists || signedInAs() !== p().email}>
                  <Field id="invite-password" label={p().accountExists ? t('auth.password') : t('auth.newPassword')} error={form.errors().password}>
                    <input
                      id="invite-password"
                      type="password"
                      autocomplete={p().accountExists ? 'current-password' : 'new-password'}
                      value={password()}
                      onInput={(e) => setPassword(e.currentTarget.value)}
                      {...describedBy('invite-password', form.errors().password)}
                    />
                  </Field>
                </Show>
                <button type="submit" class="button primary block" disabled={form.busy()}>
                  {t('invite.accept')}
                </button>
              </form>
            )}
          </Show>
        </Show>
      </Show>
    </AuthLayout>
  );
}
