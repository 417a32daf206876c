/**
 * Customer accounts: order history and addresses, sign-in (throttled per IP
 * and per account), registration, sign-out. The session cookie is host-only.
 */
import { generateToken } from '@storeloom/auth';
import { CUSTOMER_SESSION_DAYS, CustomerService } from '@storeloom/commerce';
import { ErrorCode, isAppError } from '@storeloom/errors';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type C, SESSION_COOKIE, type Storefront } from '../context.ts';
import { formFields, loginForm, parseForm, registerForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';

type AuthValues = { error?: string | null; email?: string; name?: string; next?: string | undefined };

export function accountRoutes(app: StorefrontApp, sf: Storefront) {
  const authPage = async (c: C, kind: 'login' | 'register', v: AuthValues, status = 200) => {
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      { page: kind, error: v.error ?? null, email: v.email ?? '', name: v.name ?? '', next: sf.safeNext(v.next) },
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

  app.get('/account', async (c) => {
    const { tenant } = c.var;
    const customer = await sf.customer(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    const [orders, addresses, count] = await Promise.all([
      sf.orders(c).list({ customerId: customer.id, limit: 50 }),
      new CustomerService(tenant.t).addresses(customer.id),
      sf.cartCount(c),
    ]);
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      {
        page: 'account',
        customer: { name: customer.name, email: customer.email },
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
      },
      { title: `${t('account')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${sf.origin(c)}/account`, noindex: true },
      { count, signedIn: true },
    );
    return sf.pages.send(c, page, 'private');
  });

  app.get('/account/login', (c) => authPage(c, 'login', { next: c.req.query('next') }));
  app.get('/account/register', (c) => authPage(c, 'register', { next: c.req.query('next') }));

  const limited = async (c: C, kind: string) => {
    const r = await sf.rateLimiter.hit(`sf-${kind}:${c.var.tenant.store.id}:${sf.clientIp(c)}`, 10, 60);
    return !r.allowed;
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
    const { email, name, password, next } = form.data;
    if (await limited(c, 'register')) return authPage(c, 'register', { error: sf.t(c)('tooManyAttempts'), email, name, next }, 429);
    try {
      const customer = await new CustomerService(c.var.tenant.t).register({ email, name, password });
      await signIn(c, customer.id);
      return c.redirect(sf.safeNext(next), 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.EmailTaken) {
        // An address that has an account answers exactly like a new one (issue 15: "account already exists" told
        // shoppers' accounts apart): the same redirect and a session cookie that opens nothing; the owner is mailed.
        const store = c.var.tenant.store;
        await sf.opts.mail
          ?.enqueue({
            kind: 'customer-register-existing',
            to: email.trim().toLowerCase(),
            storeId: store.id,
            subject: `You already have an account at ${store.name}`,
            text: `Hello,\n\nSomeone (hopefully you) tried to create an account at ${store.name} with this address, which already has one.\nSign in at ${sf.origin(c)}/account/login. If it was not you, ignore this e-mail: nothing changed.\n`,
          })
          .catch((err) => c.var.logger.warn('could not write the existing-account mail', { err }));
        setCookie(c, SESSION_COOKIE, generateToken(), sf.cookieOpts(CUSTOMER_SESSION_DAYS * 86_400 - 1));
        return c.redirect(sf.safeNext(next), 303);
      }
      return authPage(c, 'register', { error: e.message, email, name, next }, e.status);
    }
  });

  app.post('/account/logout', async (c) => {
    await new CustomerService(c.var.tenant.t).endSession(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });
}
