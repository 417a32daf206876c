import { For, Show } from 'solid-js';
import { Field } from '../components.tsx';
import { useShop } from '../context.tsx';
import type { PageData } from '../types.ts';

type Of<K extends PageData['page']> = Extract<PageData, { page: K }>;

export function AccountPage(props: { data: Of<'account'> }) {
  const { t, moneyIn, date } = useShop();
  const d = props.data;
  return (
    <>
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
                      <strong>{t('orderNumber', { n: o.number })}</strong>
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
            <For each={d.addresses}>
              {(a) => (
                <address>
                  {a.name}
                  <br />
                  {a.line1}
                  <br />
                  {a.postalCode} {a.city}
                  <br />
                  {a.country}
                </address>
              )}
            </For>
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
