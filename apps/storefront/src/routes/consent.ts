/**
 * Consent (issue 22, packages/privacy/src/consent.ts): every request gets `c.var.consent`, what the shopper agreed
 * to of the optional purposes the store uses (none under Sec-GPC/DNT). The banner's form posts here; each decision
 * is recorded (time, version, purposes, the browser's consent id, the customer when signed in) and remembered in
 * the `sf_consent` cookie. A browser sending GPC or DNT is recorded once as a refusal by that signal.
 */
import {
  CONSENT_COOKIE,
  CONSENT_COOKIE_SECONDS,
  ConsentService,
  consentState,
  formatConsentCookie,
  newConsentId,
  OPTIONAL_PURPOSES,
  parseConsentCookie,
  privacySignal,
} from '@storeloom/privacy';
import { appendResponseHeader, safeRedirectPath } from '@storeloom/http';
import { deleteCookie, generateCookie, getCookie, setCookie } from 'hono/cookie';
import type { C, Storefront } from '../context.ts';
import { formFields } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';

/** The event id cookie the page script sets (ui/track.ts); dropped when recommendations consent is withdrawn. */
const EVENT_ID_COOKIE = 'sf_sid';

export function consentMiddleware(app: StorefrontApp, sf: Storefront) {
  app.use('*', async (c, next) => {
    const tenant = c.get('tenant');
    if (!tenant) return next();
    const cookie = parseConsentCookie(getCookie(c, CONSENT_COOKIE));
    const signal = privacySignal((n) => c.req.header(n));
    const state = consentState(tenant.consentPurposes, cookie, signal);
    c.set('consent', state);
    // A refusal signal where the store asks for something: recorded once per browser and version (then remembered).
    if (signal && state.purposes.length && cookie?.version !== state.version && c.req.method === 'GET' && isPage(c.req.path)) {
      const customer = await sf.customer(c as C);
      const saved = await new ConsentService(tenant.t).record({
        subject: cookie?.id ?? newConsentId(),
        customerId: customer?.id ?? null,
        purposes: state.purposes,
        choices: {},
        signal,
      });
      // Into the request's header bag, not `setCookie` (c.header before the handler): a kept catalogue page answers
      // with a plain response (pages.ts) that carries the bag but not headers prepared on the context.
      appendResponseHeader(
        c,
        'Set-Cookie',
        generateCookie(CONSENT_COOKIE, formatConsentCookie(saved), { ...sf.cookieOpts(CONSENT_COOKIE_SECONDS), httpOnly: false }),
      );
    }
    await next();
  });
}

const isPage = (path: string) => !path.startsWith('/api/') && !path.startsWith('/media/') && !path.startsWith('/assets/');

export function consentRoutes(app: StorefrontApp, sf: Storefront) {
  app.post('/consent', async (c) => {
    const fields = await formFields(c);
    const { tenant, consent } = c.var;
    const next = safeRedirectPath(fields.next, '/');
    if (!consent.purposes.length) return c.redirect(next, 303);
    const choice = fields.choice;
    const choices = Object.fromEntries(
      OPTIONAL_PURPOSES.map((p) => [p, choice === 'accept' ? true : choice === 'reject' ? false : fields[`purpose_${p}`] === '1']),
    );
    const previous = parseConsentCookie(getCookie(c, CONSENT_COOKIE));
    const customer = await sf.customer(c);
    const saved = await new ConsentService(tenant.t).record({
      subject: previous?.id ?? newConsentId(),
      customerId: customer?.id ?? null,
      purposes: consent.purposes,
      choices,
      // GPC/DNT still win over a click: what is recorded is what will be done.
      signal: consent.signal,
    });
    // Readable by the page script: it keeps its event id beyond the session only with recommendations consent.
    setCookie(c, CONSENT_COOKIE, formatConsentCookie(saved), { ...sf.cookieOpts(CONSENT_COOKIE_SECONDS), httpOnly: false });
    if (!saved.choices.recommendations) deleteCookie(c, EVENT_ID_COOKIE, { path: '/' });
    return c.redirect(next, 303);
  });
}
