import { For, Show } from 'solid-js';
import { addressSummary, formatAddress } from '../address.ts';
import { AddressFields } from '../address-fields.tsx';
import { Field } from '../components.tsx';
import { useShop } from '../context.tsx';
import type { PageData } from '../types.ts';

type Of<K extends PageData['page']> = Extract<PageData, { page: K }>;

/** An address as its country writes it, one line per <br>. */
export function AddressLines(props: { lines: string[] }) {
  return (
    <For each={props.lines}>
      {(line, i) => (
        <>
          {i() > 0 ? <br /> : null}
          {line}
        </>
      )}
    </For>
  );
}

export function AccountPage(props: { data: Of<'account'> }) {
  const { t, moneyIn, date, chrome } = useShop();
  const d = props.data;
  return (
    <>
      <Show when={d.notice}>
        <p class="notice" role="status">
          {d.notice}
        </p>
      </Show>
      <Show when={!d.customer.emailVerified}>
        <div class="notice verify-banner" data-testid="verify-banner">
          <span>{t('verifyBanner')}</span>
          <form method="post" action="/account/verify/resend">
            <button class="link-button" type="submit">
              {t('resendVerification')}
            </button>
          </form>
        </div>
      </Show>
      <header class="page-head split">
        <div>
          <h1>{d.customer.name}</h1>
          <p class="muted">{d.customer.email}</p>
        </div>
        <form method="post" action="/account/logout">
          <button class="button ghost" type="submit">
            {t('signOut')}
          </button>
        </form>
      </header>
      <div class="two-col">
        <section class="panel">
          <h2>{t('orderHistory')}</h2>
          <Show when={d.orders.length > 0} fallback={<p class="muted">{t('noOrders')}</p>}>
            <ul class="orders">
              <For each={d.orders}>
                {(o) => (
                  <li>
                    <a href={o.url}>
                      <strong>{t('orderNumber', { number: o.number })}</strong>
                      <span class="muted">{date(o.createdAt)}</span>
                      <span class={`status s-${o.paymentStatus}`}>{t(`status_${o.paymentStatus}` as never)}</span>
                      <span>{moneyIn(o.currency)(o.total)}</span>
                    </a>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </section>
        <aside class="panel">
          <h2>{t('addresses')}</h2>
          <Show when={d.addresses.length > 0} fallback={<p class="muted">{t('noAddresses')}</p>}>
            <ul class="address-list">
              <For each={d.addresses}>
                {(a, i) => (
                  <li>
                    <address>
                      <AddressLines lines={formatAddress(a, chrome.shop.lang)} />
                    </address>
                    <div class="address-actions">
                      <Show when={i() === 0}>
                        <span class="pill">{t('defaultAddress')}</span>
                      </Show>
                      <form method="post" action={`/account/addresses/${a.id}/delete`}>
                        <button class="link-button" type="submit" aria-label={t('deleteAddressLabel', { address: addressSummary(a) })}>
                          {t('deleteAddress')}
                        </button>
                      </form>
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Show>
          <details class="add-address" open={d.addressForm.open}>
            <summary>{t('addAddress')}</summary>
            <form class="checkout-form" method="post" action="/account/addresses">
              <Show when={d.addressForm.error && !d.addressForm.errorField}>
                <p class="alert" role="alert">
                  {d.addressForm.error}
                </p>
              </Show>
              <AddressFields
                idPrefix="acct"
                values={{ name: d.customer.name, ...d.addressForm.values }}
                countries={d.countries}
                defaultCountry={d.defaultCountry}
                errorField={d.addressForm.errorField}
                error={d.addressForm.error}
              />
              <button class="button primary" type="submit">
                {t('saveAddressButton')}
              </button>
            </form>
          </details>
          <Show when={d.marketing.offered}>
            <h2 id="marketing-heading">{t('marketingTitle')}</h2>
            <form method="post" action="/account/marketing" class="marketing-form" aria-labelledby="marketing-heading">
              <label class="check">
                <input type="checkbox" name="acceptsMarketing" value="1" checked={d.marketing.subscribed} /> {t('marketingOptIn')}
              </label>
              <p class="muted small" data-testid="marketing-status">
                {d.marketing.subscribed ? t('marketingSubscribed', { date: date(d.marketing.at ?? '') }) : t('marketingNotSubscribed')}
              </p>
              <button class="button ghost" type="submit">
                {t('marketingSave')}
              </button>
            </form>
          </Show>
          <h2>{t('yourData')}</h2>
          <p class="muted small">{t('privacyIntro')}</p>
          <a class="button ghost" href="/account/privacy">
            {t('privacyTitle')}
          </a>
        </aside>
      </div>
    </>
  );
}

export function AuthPage(props: { data: Extract<PageData, { page: 'login' | 'register' }> }) {
  const { t } = useShop();
  const d = props.data;
  const isLogin = d.page === 'login';
  return (
    <section class="auth panel">
      <h1>{isLogin ? t('signIn') : t('register')}</h1>
      <Show when={d.notice}>
        <p class="notice" role="status">
          {d.notice}
        </p>
      </Show>
      <Show when={d.error}>
        <p class="alert" role="alert">
          {d.error}
        </p>
      </Show>
      <form method="post" action={isLogin ? '/account/login' : '/account/register'}>
        <input type="hidden" name="next" value={d.next} />
        <Show when={!isLogin}>
          <Field name="name" label={t('name')} value={d.name} required autocomplete="name" />
        </Show>
        <Field name="email" type="email" label={t('email')} value={d.email} required autocomplete="email" />
        <Field name="password" type="password" label={t('password')} required autocomplete={isLogin ? 'current-password' : 'new-password'} />
        <Show when={!isLogin && d.marketingOptIn}>
          <label class="check marketing-opt-in">
            <input type="checkbox" name="acceptsMarketing" value="1" checked={d.acceptsMarketing === true} /> {t('marketingOptIn')}
          </label>
        </Show>
        <Show when={isLogin}>
          <p class="small forgot-link">
            <a href="/account/forgot">{t('forgotPassword')}</a>
          </p>
        </Show>
        <button class="button primary block" type="submit">
          {isLogin ? t('signIn') : t('register')}
        </button>
      </form>
      <p class="muted small">
        {isLogin ? t('noAccount') : t('haveAccount')}{' '}
        <a href={`${isLogin ? '/account/register' : '/account/login'}?next=${encodeURIComponent(d.next)}`}>{isLogin ? t('register') : t('signIn')}</a>
      </p>
      <p class="muted small">{t('guestNote')}</p>
    </section>
  );
}

export function ForgotPage(props: { data: Of<'forgot'> }) {
  const { t } = useShop();
  const d = props.data;
  return (
    <section class="auth panel">
      <h1>{t('forgotTitle')}</h1>
      <Show
        when={!d.sent}
        fallback={
          <p class="notice" role="status" data-testid="reset-sent">
            {t('resetSent', { email: d.email })}
          </p>
        }
      >
        <p class="muted">{t('forgotText')}</p>
        <Show when={d.error}>
          <p class="alert" role="alert">
            {d.error}
          </p>
        </Show>
        <form method="post" action="/account/forgot">
          <Field name="email" type="email" label={t('email')} value={d.email} required autocomplete="email" />
          <button class="button primary block" type="submit">
            {t('sendResetLink')}
          </button>
        </form>
      </Show>
      <p class="muted small">
        <a href="/account/login">{t('backToSignIn')}</a>
      </p>
    </section>
  );
}

/** The page a mailed link opens: a button that confirms the address, or the new-password form. */
export function TokenPage(props: { data: Extract<PageData, { page: 'verify' | 'reset' }> }) {
  const { t } = useShop();
  const d = props.data;
  const isReset = d.page === 'reset';
  return (
    <section class="auth panel">
      <h1>{isReset ? t('choosePassword') : t('verifyTitle')}</h1>
      <Show when={d.error}>
        <p class="alert" role="alert">
          {d.error}
        </p>
      </Show>
      <Show
        when={d.token}
        fallback={
          <p>
            <a class="button primary" href={isReset ? '/account/forgot' : '/account'}>
              {isReset ? t('askNewLink') : t('account')}
            </a>
          </p>
        }
      >
        <form method="post" action={isReset ? '/account/reset' : '/account/verify'}>
          <input type="hidden" name="token" value={d.token} />
          <Show when={isReset} fallback={<p class="muted">{t('verifyText')}</p>}>
            <Field name="password" type="password" label={t('newPassword')} required autocomplete="new-password" />
          </Show>
          <button class="button primary block" type="submit">
            {isReset ? t('savePassword') : t('verifyButton')}
          </button>
        </form>
      </Show>
    </section>
  );
}
