/** Account page cards: two-factor sign-in (enrol, recovery codes, turn off) and the sessions list. */
import { createResource, createSignal, For, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Banner, Card, describedBy, Field, Modal } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api } from '../lib/api.ts';
import { formatDate, formatDateTime } from '../lib/format.ts';
import { createFormState } from '../lib/form.ts';

type Step = 'idle' | 'password' | 'scan';

function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  return (
    <div class="stack" data-testid="recovery-codes">
      <Banner tone="warning" title={t('security.recoveryTitle')}>
        {t('security.recoveryHint')}
      </Banner>
      <ul class="recovery-codes">
        <For each={props.codes}>{(code) => <li>{code}</li>}</For>
      </ul>
      <div class="form-actions">
        <button
          type="button"
          class="button"
          onClick={() => void navigator.clipboard?.writeText(props.codes.join('\n')).then(() => toast.success(t('common.copied')))}
        >
          {t('common.copy')}
        </button>
        <button type="button" class="button primary" onClick={() => props.onDone()}>
          {t('security.recoverySaved')}
        </button>
      </div>
    </div>
  );
}

export function TwoFactorCard() {
  const [status, { refetch }] = createResource(() => api.GET('/me/two-factor'));
  const form = createFormState();
  const [step, setStep] = createSignal<Step>('idle');
  const [password, setPassword] = createSignal('');
  const [code, setCode] = createSignal('');
  const [enrolment, setEnrolment] = createSignal<{ secret: string; qrSvg: string } | null>(null);
  const [codes, setCodes] = createSignal<string[] | null>(null);
  const [disabling, setDisabling] = createSignal(false);

  const reset = () => {
    setStep('idle');
    setPassword('');
    setCode('');
    setEnrolment(null);
  };
  const begin = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() => api.POST('/me/two-factor/totp', { body: { password: password() } }));
    if (r) {
      setEnrolment({ secret: r.secret, qrSvg: r.qrSvg });
      setPassword('');
      setStep('scan');
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() => api.POST('/me/two-factor/totp/confirm', { body: { code: code().trim() } }), {
      onError: (err) => {
        form.setErrors({ code: err.message });
        return true;
      },
    });
    if (r) {
      toast.success(t('security.enabled'));
      setCodes(r.recoveryCodes);
      reset();
      refetch();
    }
  };
  const regenerate = async (e: Event) => {
    e.preventDefault();
    const r = await form.submit(() => api.POST('/me/two-factor/recovery-codes', { body: { password: password() } }));
    if (r) {
      setCodes(r.recoveryCodes);
      reset();
      refetch();
    }
  };
  const disable = async (e: Event) => {
    e.preventDefault();
    const ok = await form.submit(() => api.POST('/me/two-factor/disable', { body: { password: password(), code: code().trim() } }).then(() => true));
    if (ok) {
      toast.success(t('security.disabled'));
      setDisabling(false);
      reset();
      refetch();
    }
  };
  const qrSrc = () => `data:image/svg+xml;base64,${btoa(enrolment()?.qrSvg ?? '')}`;

  return (
    <Card title={t('security.title')} id="two-factor">
      <Show when={codes()}>{(list) => <RecoveryCodes codes={list()} onDone={() => setCodes(null)} />}</Show>
      <Show when={!codes() && status()}>
        {(s) => (
          <div class="stack">
            <p class="muted">
              {s().enabled && s().enabledAt
                ? t('security.on', { date: formatDate(s().enabledAt as string, locale()), count: String(s().recoveryCodesLeft) })
                : t('security.off')}
            </p>
            <Show when={form.formError()}>
              <Banner tone="critical">{form.formError()}</Banner>
            </Show>
            <Show when={!s().enabled && step() === 'idle'}>
              <div class="form-actions">
                <button type="button" class="button primary" onClick={() => setStep('password')}>
                  {t('security.enable')}
                </button>
              </div>
            </Show>
            <Show when={step() === 'password'}>
              <form class="form" onSubmit={(e) => void (s().enabled ? regenerate(e) : begin(e))} novalidate>
                <Field id="tf-password" label={t('security.passwordToContinue')} error={form.errors().password}>
                  <input
                    id="tf-password"
                    type="password"
                    autocomplete="current-password"
                    value={password()}
                    onInput={(e) => setPassword(e.currentTarget.value)}
                    {...describedBy('tf-password', form.errors().password)}
                  />
                </Field>
                <div class="form-actions">
                  <button type="button" class="button" onClick={reset}>
                    {t('common.cancel')}
                  </button>
                  <button type="submit" class="button primary" disabled={form.busy()}>
                    {t('security.continue')}
                  </button>
                </div>
              </form>
            </Show>
            <Show when={step() === 'scan' && enrolment()}>
              {(en) => (
                <form class="form" onSubmit={(e) => void confirm(e)} novalidate>
                  <p>{t('security.scan')}</p>
                  <img class="totp-qr" src={qrSrc()} alt={t('security.qrAlt')} width="184" height="184" />
                  <p>
                    {t('security.key')}:{' '}
                    <code data-testid="totp-secret">
                      {en()
                        .secret.replace(/(.{4})/g, '$1 ')
                        .trim()}
                    </code>
                  </p>
                  <Field id="tf-code" label={t('security.confirmCode')} error={form.errors().code}>
                    <input
                      id="tf-code"
                      inputmode="numeric"
                      autocomplete="one-time-code"
                      maxlength="6"
                      value={code()}
                      onInput={(e) => setCode(e.currentTarget.value)}
                      {...describedBy('tf-code', form.errors().code)}
                    />
                  </Field>
                  <div class="form-actions">
                    <button type="button" class="button" onClick={reset}>
                      {t('common.cancel')}
                    </button>
                    <button type="submit" class="button primary" disabled={form.busy()}>
                      {t('security.turnOn')}
                    </button>
                  </div>
                </form>
              )}
            </Show>
            <Show when={s().enabled && step() === 'idle'}>
              <div class="form-actions">
                <button type="button" class="button" onClick={() => setStep('password')}>
                  {t('security.newCodes')}
                </button>
                <button type="button" class="button danger" onClick={() => setDisabling(true)}>
                  {t('security.disable')}
                </button>
              </div>
            </Show>
          </div>
        )}
      </Show>
      <Modal open={disabling()} title={t('security.disableTitle')} onClose={() => setDisabling(false)}>
        <form class="form" onSubmit={(e) => void disable(e)} novalidate>
          <Show when={form.formError()}>
            <Banner tone="critical">{form.formError()}</Banner>
          </Show>
          <Field id="tf-off-password" label={t('security.passwordToContinue')} error={form.errors().password}>
            <input
              id="tf-off-password"
              type="password"
              autocomplete="current-password"
              value={password()}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </Field>
          <Field id="tf-off-code" label={t('security.codeOrRecovery')} error={form.errors().code}>
            <input id="tf-off-code" autocomplete="one-time-code" value={code()} onInput={(e) => setCode(e.currentTarget.value)} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="button danger" disabled={form.busy()}>
              {t('security.disable')}
            </button>
          </div>
        </form>
      </Modal>
    </Card>
  );
}

export function SessionsCard() {
  const [sessions, { refetch }] = createResource(() => api.GET('/me/sessions'));
  const end = async (id: string) => {
    try {
      await api.DELETE('/me/sessions/{sessionId}', { params: { path: { sessionId: id } } });
      toast.success(t('sessions.ended'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  const endOthers = async () => {
    try {
      const r = await api.POST('/me/sessions/revoke-others');
      toast.success(t('sessions.endedOthers', { count: String(r.revoked) }));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <Card
      title={t('sessions.title')}
      id="sessions"
      actions={
        <button type="button" class="button" onClick={() => void endOthers()}>
          {t('sessions.endOthers')}
        </button>
      }
    >
      <p class="muted">{t('sessions.hint')}</p>
      <ul class="session-list">
        <For each={sessions()?.data ?? []}>
          {(s) => (
            <li class="session-row">
              <div>
                <strong>{s.device}</strong>
                <Show when={s.current}>
                  {' '}
                  <span class="badge badge-success">{t('sessions.current')}</span>
                </Show>
                <div class="muted small">
                  <Show when={s.lastSeenAt}>{(d) => t('sessions.lastSeen', { date: formatDateTime(d(), locale()) })}</Show>
                  <Show when={s.network}>{(n) => <> · {t('sessions.network', { network: n() })}</>}</Show>
                </div>
              </div>
              <Show when={!s.current}>
                <button type="button" class="button small" onClick={() => void end(s.id)}>
                  {t('sessions.end')}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </Card>
  );
}
