/**
 * The newsletter section's own sign-up (issue 20): `POST /newsletter` with `email` (and `back`, the page the form is
 * on). The address gets a marketing consent row like the checkout's and the registration's boxes (source
 * `newsletter`, the text version of "Email me with news and offers"); an unsubscribe still wins, since anyone can type
 * any address here. CSRF: a same-origin POST (sameOriginPosts, like every storefront form). Limits: 10 sign-ups per
 * address of a visitor per hour and 3 per e-mail address per hour, answered like a success so the form never tells
 * whether an address is known.
 *
 * Without JavaScript the form posts and the shopper is sent back to the page (303) with `?newsletter=<status>`, which
 * the section shows; with JavaScript the section posts with `Accept: application/json` and shows the same status in
 * place (progressive enhancement: the markup is the plain form).
 */
import { sha256Hex } from '@storeloom/auth';
import { MarketingConsentService } from '@storeloom/commerce';
import { safeRedirectPath } from '@storeloom/http';
import { z } from 'zod';
import type { Storefront } from '../context.ts';
import { formFields, parseForm } from '../forms.ts';
import type { StorefrontApp } from '../middleware.ts';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const NEWSLETTER_STATUSES = ['subscribed', 'invalid', 'limited', 'closed'] as const;
export type NewsletterStatus = (typeof NEWSLETTER_STATUSES)[number];
const PER_VISITOR_PER_HOUR = 10;
const PER_ADDRESS_PER_HOUR = 3;

const newsletterForm = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .refine((v) => EMAIL_RE.test(v), 'E-mail'),
  back: z.string().max(2048).optional().catch(undefined),
});

/** The page the shopper returns to, with the status in its query (any earlier status replaced). */
function backTo(back: string | undefined, status: NewsletterStatus): string {
  const u = new URL(safeRedirectPath(back, '/'), 'http://store.invalid');
  u.searchParams.set('newsletter', status);
  return `${u.pathname}${u.search}#newsletter`;
}

export function newsletterRoutes(app: StorefrontApp, sf: Storefront) {
  app.post('/newsletter', async (c) => {
    const { tenant } = c.var;
    const fields = await formFields(c);
    const json = (c.req.header('accept') ?? '').includes('application/json');
    const answer = (status: NewsletterStatus, code: 200 | 400 | 409 | 429) => (json ? c.json({ status }, code) : c.redirect(backTo(fields.back, status), 303));
    // Sign-ups are for stores that send marketing mail (Settings → Promotions).
    if (!tenant.settings.promotions.marketingEmails) return answer('closed', 409);
    const visitor = await sf.rateLimiter.hit(`sf-newsletter:${tenant.store.id}:${sf.clientIp(c)}`, PER_VISITOR_PER_HOUR, 3600);
    if (!visitor.allowed) return answer('limited', 429);
    const form = parseForm(newsletterForm, fields);
    if (!form.ok) return answer('invalid', 400);
    const perAddress = await sf.rateLimiter.hit(`sf-newsletter-addr:${tenant.store.id}:${sha256Hex(form.data.email)}`, PER_ADDRESS_PER_HOUR, 3600);
    if (perAddress.allowed) {
      const customer = await sf.customer(c);
      await new MarketingConsentService(tenant.t).record({
        email: form.data.email,
        agreed: true,
        source: 'newsletter',
        customerId: customer && customer.email.toLowerCase() === form.data.email ? customer.id : null,
      });
    }
    return answer('subscribed', 200);
  });
}
