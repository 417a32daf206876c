/**
 * Customer accounts: order history and saved addresses, sign-in (throttled per
 * IP and per account), registration with a mailed verification link (the
 * verified address brings the guest orders placed with it into the account),
 * password reset by a mailed single-use link (no enumeration, rate-limited),
 * sign-out. The session cookie is host-only.
 */
import { generateToken, sha256Hex } from '@storeloom/auth';
import { CUSTOMER_SESSION_DAYS, type CustomerLinkMail, CustomerService, ISO_COUNTRY_CODES, MarketingConsentService } from '@storeloom/commerce';
import { isUuid } from '@storeloom/db';
import { ErrorCode, isAppError } from '@storeloom/errors';
import { renderMail } from '@storeloom/mail';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type C, SESSION_COOKIE, type Storefront } from '../context.ts';
import { accountAddressForm, forgotForm, formFields, loginForm, marketingForm, parseForm, registerForm, resetForm, tokenForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';

const NOTICES = {
  'verification-sent': 'noticeVerificationSent',
  verified: 'noticeVerified',
  'password-reset': 'noticePasswordReset',
  'address-saved': 'noticeAddressSaved',
  'marketing-saved': 'noticeMarketingSaved',
} as const;

type AuthValues = {
  error?: string | null;
  notice?: string | null;
  email?: string;
  name?: string;
  next?: string | undefined;
  acceptsMarketing?: boolean;
};

export function accountRoutes(app: StorefrontApp, sf: Storefront) {
  const authPage = async (c: C, kind: 'login' | 'register', v: AuthValues, status = 200) => {
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      {
        page: kind,
        error: v.error ?? null,
        notice: v.notice ?? null,
        email: v.email ?? '',
        name: v.name ?? '',
        next: sf.safeNext(v.next),
        ...(kind === 'register' ? { marketingOptIn: c.var.tenant.settings.promotions.marketingEmails, acceptsMarketing: v.acceptsMarketing === true } : {}),
      },
      {
        title: `${kind === 'login' ? t('signIn') : t('register')} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/account/${kind}`,
        noindex: true,
      },
      { status, count: await sf.cartCount(c) },
    );
    return sf.pages.sendNoStore(c, page);
  };

  const accountPage = async (
    c: C,
    customerId: string,
    o: { addressError?: { message: string; field: string | null }; addressValues?: Record<string, string>; status?: number } = {},
  ) => {
    const { tenant } = c.var;
    const customers = new CustomerService(tenant.t);
    const [profile, orders, addresses, count] = await Promise.all([
      customers.profile(customerId),
      sf.orders(c).list({ customerId, limit: 50 }),
      customers.addresses(customerId),
      sf.cartCount(c),
    ]);
    if (!profile) return c.redirect('/account/login?next=/account', 303);
    const marketing = await new MarketingConsentService(tenant.t).state(profile.email);
    const t = sf.t(c);
    const noticeKey = NOTICES[c.req.query('notice') as keyof typeof NOTICES];
    const page = await sf.pages.render(
      c,
      {
        page: 'account',
        customer: { name: profile.name, email: profile.email, emailVerified: profile.emailVerified },
        notice: noticeKey ? t(noticeKey, { email: profile.email }) : null,
        orders: orders.items.map((o) => ({
          number: o.number,
          url: sf.orderLink(c, o.id),
          createdAt: o.createdAt,
          total: o.total,
          currency: o.currency,
          paymentStatus: o.paymentStatus,
          fulfillmentStatus: o.fulfillmentStatus,
        })),
        addresses,
        addressForm: {
          values: o.addressValues ?? {},
          error: o.addressError?.message ?? null,
          errorField: o.addressError?.field ?? null,
          open: Boolean(o.addressError) || addresses.length === 0,
        },
        countries: [...ISO_COUNTRY_CODES],
        defaultCountry: tenant.store.country ?? null,
        // Offered while the store sends marketing mail, or to withdraw a consent given before it stopped.
        marketing: { offered: tenant.settings.promotions.marketingEmails || marketing.subscribed, subscribed: marketing.subscribed, at: marketing.at },
      },
      { title: `${t('account')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${sf.origin(c)}/account`, noindex: true },
      { count, signedIn: true, ...(o.status ? { status: o.status } : {}) },
    );
    return sf.pages.send(c, page, 'private');
  };

  app.get('/account', async (c) => {
    const customer = await sf.customer(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    return accountPage(c, customer.id);
  });

  // Saved addresses: the newest is the default the checkout fills in.
  app.post('/account/addresses', async (c) => {
    const customer = await sf.customer(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    const fields = await formFields(c);
    const form = parseForm(accountAddressForm, fields);
    const echo = Object.fromEntries(Object.entries(fields).filter(([, v]) => v.length <= 500));
    if (!form.ok) return accountPage(c, customer.id, { addressError: { message: form.message, field: form.field }, addressValues: echo, status: 400 });
    await new CustomerService(c.var.tenant.t).saveAddress(customer.id, form.data);
    return c.redirect('/account?notice=address-saved', 303);
  });

  // Marketing mail: the signed-in shopper gives or withdraws it for the account's address (recorded in consents;
  // a withdrawal also suppresses the address, an opt-in lifts their own earlier unsubscribe).
  app.post('/account/marketing', async (c) => {
    const customer = await sf.customer(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    const form = parseForm(marketingForm, await formFields(c));
    const agreed = form.ok && form.data.acceptsMarketing && c.var.tenant.settings.promotions.marketingEmails;
    await new MarketingConsentService(c.var.tenant.t).setFromAccount({ email: customer.email, customerId: customer.id, agreed });
    return c.redirect('/account?notice=marketing-saved', 303);
  });

  app.post('/account/addresses/:addressId/delete', async (c) => {
    const customer = await sf.customer(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    const id = c.req.param('addressId');
    // Only the signed-in customer's own address is deleted (the service filters by customer); anything else is a no-op.
    if (isUuid(id)) await new CustomerService(c.var.tenant.t).deleteAddress(customer.id, id);
    return c.redirect('/account', 303);
  });

  app.get('/account/login', (c) =>
    authPage(c, 'login', { next: c.req.query('next'), notice: c.req.query('notice') === 'password-reset' ? sf.t(c)('noticePasswordReset') : null }),
  );
  app.get('/account/register', (c) => authPage(c, 'register', { next: c.req.query('next') }));

  const limited = async (c: C, kind: string, max = 10, windowSeconds = 60) => {
    const r = await sf.rateLimiter.hit(`sf-${kind}:${c.var.tenant.store.id}:${sf.clientIp(c)}`, max, windowSeconds);
    return !r.allowed;
  };

  /** The verification mail (the store's layout, in the page's language): confirm on a page, never by merely opening the link. */
  const verificationMail =
    (c: C): CustomerLinkMail =>
    (customer, token) => {
      const t = sf.t(c);
      const store = c.var.tenant.store.name;
      const m = renderMail(sf.mailBrand(c), {
        preheader: t('mailVerifySubject', { store }),
        heading: t('verifyTitle'),
        blocks: [
          { kind: 'text', text: t('mailVerifyText', { name: customer.name, store }) },
          { kind: 'button', label: t('verifyButton'), url: `${sf.origin(c)}/account/verify?token=${token}` },
          { kind: 'note', text: t('mailVerifyIgnore', { store }) },
        ],
        footer: t('mailFooterAccount', { store }),
      });
      return { kind: 'customer-verify-email', storeId: c.var.tenant.store.id, subject: t('mailVerifySubject', { store }), ...m };
    };

  const sendVerification = async (c: C, customerId: string) => {
    if (!sf.opts.mail) return;
    await new CustomerService(c.var.tenant.t).requestVerification(customerId, sf.opts.mail, verificationMail(c));
    sf.kickMail(c);
  };

  const signIn = async (c: C, customerId: string) => {
    const s = await new CustomerService(c.var.tenant.t).createSession(customerId);
    setCookie(c, SESSION_COOKIE, s.token, sf.cookieOpts(Math.floor((s.expiresAt.getTime() - Date.now()) / 1000)));
  };

  app.post('/account/login', async (c) => {
    const fields = await formFields(c);
    const form = parseForm(loginForm, fields);
    if (!form.ok) return authPage(c, 'login', { error: form.message, next: fields.next }, 400);
    const { email, password, next } = form.data;
    if (await limited(c, 'login')) return authPage(c, 'login', { error: sf.t(c)('tooManyAttempts'), email, next }, 429);
    // Per account as well as per IP: a guesser spreading over many IPs slows down on the account it targets.
    const account = `${c.var.tenant.store.id}:${email}`;
    const ip = sf.clientIp(c);
    const wait = await sf.customerLogins.waitSeconds(account, ip);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return authPage(c, 'login', { error: sf.t(c)('tooManyAttempts'), email, next }, 429);
    }
    try {
      const customer = await new CustomerService(c.var.tenant.t).authenticate(email, password);
      await sf.customerLogins.succeeded(account, ip);
      // Guest orders placed since with a verified address join the account (nothing happens while unverified).
      await new CustomerService(c.var.tenant.t).attachGuestOrders(customer.id);
      await signIn(c, customer.id);
      return c.redirect(sf.safeNext(next), 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.InvalidCredentials) await sf.customerLogins.failed(account, ip);
      return authPage(c, 'login', { error: e.message, email, next }, e.status);
    }
  });

  app.post('/account/register', async (c) => {
    const fields = await formFields(c);
    const form = parseForm(registerForm, fields);
    if (!form.ok) return authPage(c, 'register', { error: form.message, next: fields.next }, 400);
    const { email, name, password, next, acceptsMarketing } = form.data;
    if (await limited(c, 'register')) return authPage(c, 'register', { error: sf.t(c)('tooManyAttempts'), email, name, next, acceptsMarketing }, 429);
    // The ticked box records the consent for the address (an address that already has an account is answered like a
    // new one below, so it is recorded the same way, without the account: the checkout's box does the same).
    const recordMarketing = (customerId: string | null) =>
      acceptsMarketing && c.var.tenant.settings.promotions.marketingEmails
        ? new MarketingConsentService(c.var.tenant.t).record({ email, agreed: true, source: 'registration', customerId })
        : Promise.resolve();
    try {
      const customer = await new CustomerService(c.var.tenant.t).register({ email, name, password });
      await recordMarketing(customer.id);
      await signIn(c, customer.id);
      await sendVerification(c, customer.id).catch((err) => c.var.logger.warn('could not write the verification mail', { err }));
      return c.redirect(sf.safeNext(next), 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.EmailTaken) {
        // An address that has an account answers exactly like a new one (issue 15: "account already exists" told
        // shoppers' accounts apart): the same redirect and a session cookie that opens nothing; the owner is mailed.
        await recordMarketing(null);
        const store = c.var.tenant.store;
        const t = sf.t(c);
        const m = renderMail(sf.mailBrand(c), {
          heading: t('mailExistingSubject', { store: store.name }),
          blocks: [
            { kind: 'text', text: t('mailExistingText', { store: store.name }) },
            { kind: 'button', label: t('signIn'), url: `${sf.origin(c)}/account/login` },
            { kind: 'button', label: t('forgotPassword'), url: `${sf.origin(c)}/account/forgot` },
            { kind: 'note', text: t('mailExistingIgnore') },
          ],
          footer: t('mailFooterAccount', { store: store.name }),
        });
        await sf.opts.mail
          ?.enqueue({
            kind: 'customer-register-existing',
            to: email.trim().toLowerCase(),
            storeId: store.id,
            subject: t('mailExistingSubject', { store: store.name }),
            ...m,
          })
          .catch((err) => c.var.logger.warn('could not write the existing-account mail', { err }));
        sf.kickMail(c);
        setCookie(c, SESSION_COOKIE, generateToken(), sf.cookieOpts(CUSTOMER_SESSION_DAYS * 86_400 - 1));
        return c.redirect(sf.safeNext(next), 303);
      }
      return authPage(c, 'register', { error: e.message, email, name, next, acceptsMarketing }, e.status);
    }
  });

  app.post('/account/logout', async (c) => {
    await new CustomerService(c.var.tenant.t).endSession(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  // ---- E-mail verification ----

  app.post('/account/verify/resend', async (c) => {
    const customer = await sf.customer(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    if (await limited(c, 'verify-resend', 5, 3600)) return c.redirect('/account', 303);
    await sendVerification(c, customer.id);
    return c.redirect('/account?notice=verification-sent', 303);
  });

  const tokenPage = async (c: C, kind: 'verify' | 'reset', v: { token: string; error?: string | null }, status = 200) => {
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      { page: kind, token: v.token, error: v.error ?? null },
      {
        title: `${kind === 'verify' ? t('verifyTitle') : t('choosePassword')} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/account/${kind}`,
        noindex: true,
      },
      { status, count: await sf.cartCount(c), signedIn: Boolean(await sf.customer(c)) },
    );
    return sf.pages.sendNoStore(c, page);
  };

  // Opening the link only shows a button: mail scanners that follow links must not confirm an address on their own.
  app.get('/account/verify', (c) => tokenPage(c, 'verify', { token: (c.req.query('token') ?? '').slice(0, 100) }));

  app.post('/account/verify', async (c) => {
    const form = parseForm(tokenForm, await formFields(c));
    const token = form.ok ? form.data.token : '';
    if (await limited(c, 'verify')) return tokenPage(c, 'verify', { token, error: sf.t(c)('tooManyAttempts') }, 429);
    try {
      await new CustomerService(c.var.tenant.t).verifyEmail(token);
    } catch (e) {
      if (isAppError(e) && e.code === ErrorCode.InvalidToken) return tokenPage(c, 'verify', { token: '', error: sf.t(c)('linkInvalid') }, 400);
      throw e;
    }
    return c.redirect((await sf.customer(c)) ? '/account?notice=verified' : '/account/login?next=/account', 303);
  });

  // ---- Password reset ----

  const forgotPage = async (c: C, v: { email?: string; sent?: boolean; error?: string | null }, status = 200) => {
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      { page: 'forgot', email: v.email ?? '', sent: v.sent ?? false, error: v.error ?? null },
      {
        title: `${t('forgotTitle')} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/account/forgot`,
        noindex: true,
      },
      { status, count: await sf.cartCount(c) },
    );
    return sf.pages.sendNoStore(c, page);
  };

  app.get('/account/forgot', (c) => forgotPage(c, {}));

  app.post('/account/forgot', async (c) => {
    const form = parseForm(forgotForm, await formFields(c));
    if (!form.ok) return forgotPage(c, { error: form.message }, 400);
    const email = form.data.email.trim().toLowerCase();
    if (!email) return forgotPage(c, { error: sf.t(c)('email') }, 400);
    // Per IP, and per address whoever asks (so one inbox cannot be flooded from many IPs); both apply to every
    // address alike, so a refusal says nothing about whether it has an account.
    const perAddress = await sf.rateLimiter.hit(`sf-forgot-addr:${c.var.tenant.store.id}:${sha256Hex(email)}`, 3, 3600);
    if ((await limited(c, 'forgot', 5, 900)) || !perAddress.allowed) return forgotPage(c, { email, error: sf.t(c)('tooManyAttempts') }, 429);
    if (sf.opts.mail) {
      const t = sf.t(c);
      const store = c.var.tenant.store.name;
      const mail: CustomerLinkMail = (customer, token) => ({
        kind: 'customer-password-reset',
        storeId: c.var.tenant.store.id,
        subject: t('mailResetSubject', { store }),
        ...renderMail(sf.mailBrand(c), {
          preheader: t('mailResetSubject', { store }),
          heading: t('mailResetHeading'),
          blocks: [
            { kind: 'text', text: t('mailResetText', { name: customer.name, store }) },
            { kind: 'button', label: t('mailResetButton'), url: `${sf.origin(c)}/account/reset?token=${token}` },
            { kind: 'note', text: t('mailResetIgnore') },
          ],
          footer: t('mailFooterAccount', { store }),
        }),
      });
      await new CustomerService(c.var.tenant.t).requestPasswordReset(email, sf.opts.mail, mail);
      sf.kickMail(c);
    }
    return forgotPage(c, { email, sent: true });
  });

  app.get('/account/reset', (c) => tokenPage(c, 'reset', { token: (c.req.query('token') ?? '').slice(0, 100) }));

  app.post('/account/reset', async (c) => {
    const form = parseForm(resetForm, await formFields(c));
    if (!form.ok) return tokenPage(c, 'reset', { token: '', error: form.message }, 400);
    const { token, password } = form.data;
    if (await limited(c, 'reset')) return tokenPage(c, 'reset', { token, error: sf.t(c)('tooManyAttempts') }, 429);
    try {
      const customer = await new CustomerService(c.var.tenant.t).resetPassword(token, password);
      await signIn(c, customer.id);
      return c.redirect('/account?notice=password-reset', 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.InvalidToken) return tokenPage(c, 'reset', { token: '', error: sf.t(c)('linkInvalid') }, 400);
      return tokenPage(c, 'reset', { token, error: e.message }, e.status);
    }
  });
}
