/**
 * Shoppers' data rights on the storefront (GDPR arts. 15 and 17, CCPA): a
 * copy of their data (export) or its erasure.
 *
 * - A signed-in shopper asks from their account: the request names the
 *   account's address.
 * - A guest types an address; the store mails a sealed, expiring link to it,
 *   and the request exists only once that link is used, so nobody can ask for
 *   someone else's data. The answer is the same whether the address is known
 *   or not (no account enumeration); attempts are limited per IP and per address.
 * - Requests from the storefront wait for the merchant (console), who sees the
 *   statutory deadline; a finished export is mailed to the shopper as a signed
 *   link that downloads the JSON document until the archive expires.
 * GET of the confirmation link only asks (mail scanners follow links); the
 * button POSTs. The address never appears in a URL.
 */
import {
  emailHash,
  openPrivacyConfirmation,
  parseEmail,
  PrivacyService,
  privacyExportPath,
  sealPrivacyConfirmation,
  verifyPrivacyExportLink,
} from '@storeloom/privacy';
import { isUuid } from '@storeloom/db';
import { isAppError } from '@storeloom/errors';
import type { C, Storefront } from '../context.ts';
import { formFields, parseForm, privacyConfirmForm, privacyRequestForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';
import type { PrivacyPageData } from '../ui/types.ts';

/** Guest requests per IP per hour, and mails per address per hour (the extra ones are dropped silently). */
const PER_IP_PER_HOUR = 10;
const PER_ADDRESS_PER_HOUR = 3;

export function privacyRoutes(app: StorefrontApp, sf: Storefront) {
  const privacy = new PrivacyService({ db: sf.db, storage: sf.opts.storage ?? null });

  const page = async (c: C, data: Omit<PrivacyPageData, 'page' | 'signedIn' | 'email' | 'requests'>, status = 200) => {
    const t = sf.t(c);
    const { store } = c.var.tenant;
    const customer = await sf.customer(c);
    const rows = customer ? await privacy.listFor(store, customer.email) : [];
    const requests = rows.map((r) => {
      const live = r.kind === 'export' && r.status === 'completed' && r.archive_key && r.archive_expires_at && new Date(r.archive_expires_at) > new Date();
      return {
        id: r.id,
        kind: r.kind,
        status: r.status,
        awaitingApproval: r.status === 'pending' && !r.approved_at,
        createdAt: new Date(r.created_at).toISOString(),
        dueAt: new Date(r.due_at).toISOString(),
        downloadUrl: live ? privacyExportPath(sf.secret, store.id, r.id, new Date(r.archive_expires_at as Date)) : null,
      };
    });
    const rendered = await sf.pages.render(
      c,
      { page: 'privacy', signedIn: Boolean(customer), email: customer?.email ?? null, requests, ...data },
      { title: `${t('privacyTitle')} – ${store.name}`, description: store.name, canonical: `${sf.origin(c)}/account/privacy`, noindex: true },
      { status, count: await sf.cartCount(c), ...(customer ? { signedIn: true } : {}) },
    );
    return sf.pages.sendNoStore(c, rendered);
  };

  const ipLimited = async (c: C) => {
    const r = await sf.rateLimiter.hit(`sf-privacy:${c.var.tenant.store.id}:${sf.clientIp(c)}`, PER_IP_PER_HOUR, 3600);
    return !r.allowed;
  };

  app.get('/account/privacy', (c) => page(c, { state: 'form', error: null, errorField: null, values: { kind: 'export', email: '' }, confirm: null }));

  app.post('/account/privacy', async (c) => {
    const fields = await formFields(c);
    const form = parseForm(privacyRequestForm, fields);
    const values = { kind: fields.kind === 'erasure' ? 'erasure' : 'export', email: (fields.email ?? '').slice(0, 254) } as const;
    if (!form.ok) return page(c, { state: 'form', error: form.message, errorField: form.field, values, confirm: null }, 400);
    const { kind, email, confirm } = form.data;
    const t = sf.t(c);
    if (kind === 'erasure' && !confirm) return page(c, { state: 'form', error: t('privacyConfirmErasure'), errorField: 'confirm', values, confirm: null }, 400);
    if (await ipLimited(c)) {
      c.header('Retry-After', '3600');
      return page(c, { state: 'form', error: t('tooManyAttempts'), errorField: null, values, confirm: null }, 429);
    }
    const { store } = c.var.tenant;
    const customer = await sf.customer(c);
    if (customer) {
      await privacy.create(store, { kind, email: customer.email, source: 'shopper' });
      return c.redirect('/account/privacy/received', 303);
    }
    let address: string;
    try {
      address = parseEmail(email);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return page(c, { state: 'form', error: t('privacyInvalidEmail'), errorField: 'email', values, confirm: null }, 400);
    }
    // Per address too, so nobody can flood someone's inbox from many IPs; over the limit the mail is just not sent.
    const perAddress = await sf.rateLimiter.hit(`sf-privacy-to:${store.id}:${emailHash(address)}`, PER_ADDRESS_PER_HOUR, 3600);
    if (perAddress.allowed && sf.opts.mail) {
      const link = `${sf.origin(c)}/account/privacy/confirm?token=${sealPrivacyConfirmation(sf.secret, store.id, { kind, email: address })}`;
      const what = kind === 'export' ? 'a copy of the personal data' : 'the erasure of the personal data';
      await sf.opts.mail.enqueue({
        kind: 'privacy-confirm',
        to: address,
        storeId: store.id,
        subject: kind === 'export' ? `Confirm your data request at ${store.name}` : `Confirm your erasure request at ${store.name}`,
        text:
          `Hello,\n\nSomeone (hopefully you) asked ${store.name} for ${what} it holds about this address.\n` +
          `To confirm, open this link within 24 hours and press the button:\n${link}\n\n` +
          'If it was not you, ignore this e-mail: nothing happens without the confirmation.\n',
      });
    }
    // The same page whether or not the address is known, has data, or was over its limit.
    return c.redirect('/account/privacy/sent', 303);
  });

  app.get('/account/privacy/sent', (c) => page(c, { state: 'sent', error: null, errorField: null, values: { kind: 'export', email: '' }, confirm: null }));
  app.get('/account/privacy/received', (c) =>
    page(c, { state: 'received', error: null, errorField: null, values: { kind: 'export', email: '' }, confirm: null }),
  );

  const invalid = (c: C) => page(c, { state: 'invalid', error: null, errorField: null, values: { kind: 'export', email: '' }, confirm: null }, 404);

  app.get('/account/privacy/confirm', (c) => {
    const token = c.req.query('token') ?? '';
    const opened = openPrivacyConfirmation(sf.secret, c.var.tenant.store.id, token);
    if (!opened) return invalid(c);
    return page(c, { state: 'confirm', error: null, errorField: null, values: { kind: opened.kind, email: '' }, confirm: { kind: opened.kind, token } });
  });

  app.post('/account/privacy/confirm', async (c) => {
    const form = parseForm(privacyConfirmForm, await formFields(c));
    const opened = form.ok ? openPrivacyConfirmation(sf.secret, c.var.tenant.store.id, form.data.token) : null;
    if (!opened) return invalid(c);
    // Asking twice (a second click, a reload) finds the open request rather than adding one.
    await privacy.create(c.var.tenant.store, { kind: opened.kind, email: opened.email, source: 'guest' });
    return c.redirect('/account/privacy/received', 303);
  });

  app.get('/account/privacy/exports/:requestId', async (c) => {
    const { store } = c.var.tenant;
    const id = c.req.param('requestId');
    c.header('Cache-Control', 'private, no-store');
    if (!isUuid(id) || !verifyPrivacyExportLink(sf.secret, store.id, id, c.req.query('exp'), c.req.query('sig'))) return invalid(c);
    const body = await privacy.download(store, id);
    if (!body) return invalid(c);
    c.header('Content-Type', 'application/json; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${store.slug}-my-data.json"`);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    return c.body(body as Uint8Array<ArrayBuffer>, 200);
  });
}
