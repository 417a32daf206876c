import { For, Match, Show, Switch } from 'solid-js';
import { Field } from '../components.tsx';
import { useShop } from '../context.tsx';
import type { PrivacyPageData } from '../types.ts';

/** The shopper's data rights: ask for a copy of their data or its erasure (guests confirm through a mailed link). */
export function PrivacyPage(props: { data: PrivacyPageData }) {
  const { t, date } = useShop();
  const d = props.data;
  const form = () => (
    <form method="post" action="/account/privacy" class="privacy-form">
      <Show when={d.error}>
        <p class="alert" role="alert" id="privacy-error">
          {d.error}
        </p>
      </Show>
      <Show
        when={d.signedIn}
        fallback={
          <>
            <p class="muted">{t('privacyGuestIntro')}</p>
            <Field name="email" type="email" label={t('email')} value={d.values.email} required autocomplete="email" error={d.errorField === 'email'} />
          </>
        }
      >
        <p>
          <strong>{d.email}</strong>
        </p>
      </Show>
      <fieldset>
        <legend>{t('privacyKindLegend')}</legend>
        <label class="radio-card">
          <input type="radio" name="kind" value="export" checked={d.values.kind !== 'erasure'} />
          <span>{t('privacyKindExport')}</span>
        </label>
        <label class="radio-card">
          <input type="radio" name="kind" value="erasure" checked={d.values.kind === 'erasure'} />
          <span>
            {t('privacyKindErasure')}
            <br />
            <small class="muted">{t('privacyErasureNote')}</small>
          </span>
        </label>
      </fieldset>
      <label class={`check${d.errorField === 'confirm' ? ' invalid' : ''}`}>
        <input type="checkbox" name="confirm" value="1" aria-describedby={d.errorField === 'confirm' ? 'privacy-error' : undefined} />{' '}
        {t('privacyConfirmLabel')}
      </label>
      <button class="button primary block" type="submit">
        {t('privacySend')}
      </button>
    </form>
  );
  return (
    <div class="privacy">
      <header class="page-head">
        <h1>{t('privacyTitle')}</h1>
        <p class="muted">{t('privacyIntro')}</p>
      </header>
      <div class="two-col">
        <section class="panel" aria-labelledby="privacy-main">
          <Switch>
            <Match when={d.state === 'sent'}>
              <h2 id="privacy-main">{t('privacySentTitle')}</h2>
              <p role="status">{t('privacySentText')}</p>
            </Match>
            <Match when={d.state === 'received'}>
              <h2 id="privacy-main">{t('privacyReceivedTitle')}</h2>
              <p role="status">{t('privacyReceivedText')}</p>
            </Match>
            <Match when={d.state === 'confirm' && d.confirm}>
              {(c) => (
                <>
                  <h2 id="privacy-main">{t('privacyConfirmTitle')}</h2>
                  <p>{c().kind === 'export' ? t('privacyConfirmExport') : t('privacyConfirmErasureText')}</p>
                  <form method="post" action="/account/privacy/confirm">
                    <input type="hidden" name="token" value={c().token} />
                    <button class="button primary block" type="submit">
                      {t('privacyConfirmButton')}
                    </button>
                  </form>
                </>
              )}
            </Match>
            <Match when={d.state === 'invalid'}>
              <h2 id="privacy-main">{t('privacyInvalidTitle')}</h2>
              <p class="alert" role="alert">
                {t('privacyInvalidText')}
              </p>
              {form()}
            </Match>
            <Match when={d.state === 'form'}>
              <h2 id="privacy-main">{t('yourData')}</h2>
              {form()}
            </Match>
          </Switch>
        </section>
        <Show when={d.signedIn}>
          <aside class="panel">
            <h2>{t('privacyYourRequests')}</h2>
            <Show when={d.requests.length > 0} fallback={<p class="muted">{t('privacyNoRequests')}</p>}>
              <ul class="privacy-requests">
                <For each={d.requests}>
                  {(r) => (
                    <li>
                      <strong>{t(`privacyKind_${r.kind}` as never)}</strong>{' '}
                      <span class={`status s-${r.status}`}>{t((r.awaitingApproval ? 'privacyStatus_waiting' : `privacyStatus_${r.status}`) as never)}</span>
                      <br />
                      <span class="muted small">
                        {t('privacyRequested', { d: date(r.createdAt) })}
                        <Show when={r.status !== 'completed'}> · {t('privacyDue', { d: date(r.dueAt) })}</Show>
                      </span>
                      <Show when={r.downloadUrl}>
                        {(url) => (
                          <>
                            {' '}
                            <a href={url()} download="">
                              {t('privacyDownload')}
                            </a>
                          </>
                        )}
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </aside>
        </Show>
      </div>
    </div>
  );
}
