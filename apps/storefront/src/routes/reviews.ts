/**
 * The verified-buyer review form behind a signed link (/reviews/new?order&product&sig, made on the order status page
 * after fulfilment). A link for another store, order or product, or a tampered one, is the store's 404.
 */
import { ReviewService, verifyReviewLink } from '@storeloom/content';
import { isAppError } from '@storeloom/errors';
import type { C, Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';

const MAX = { title: 200, body: 5000, author: 100 };

export function reviewRoutes(app: StorefrontApp, sf: Storefront) {
  const page = async (c: C, fields: Record<string, string>, over: { state?: 'form' | 'done' | 'already'; error?: string | null; status?: number } = {}) => {
    const order = fields.order ?? '';
    const product = fields.product ?? '';
    const sig = fields.sig ?? '';
    const count = await sf.cartCount(c);
    if (!verifyReviewLink(sf.secret, c.var.tenant.store.id, order, product, sig)) return sf.pages.sendNoStore(c, await sf.pages.notFound(c, count));
    const target = await new ReviewService(c.var.tenant.t).reviewable(order, product);
    if (!target) return sf.pages.sendNoStore(c, await sf.pages.notFound(c, count));
    const t = sf.t(c);
    const state = over.state ?? (target.alreadyReviewed ? 'already' : 'form');
    return sf.pages.sendNoStore(
      c,
      await sf.pages.render(
        c,
        {
          page: 'review',
          product: { title: target.title, handle: target.handle },
          fields: { order, product, sig },
          values: { rating: fields.rating ?? '5', title: fields.title ?? '', body: fields.body ?? '', author: fields.author ?? '' },
          state,
          error: over.error ?? null,
        },
        {
          title: `${t('writeReview', { title: target.title })} – ${c.var.tenant.store.name}`,
          description: c.var.tenant.store.name,
          canonical: `${sf.origin(c)}/`,
          noindex: true,
        },
        { count, status: over.status ?? 200 },
      ),
    );
  };

  app.get('/reviews/new', (c) => page(c, { order: c.req.query('order') ?? '', product: c.req.query('product') ?? '', sig: c.req.query('sig') ?? '' }));

  app.post('/reviews/new', async (c) => {
    const form = await c.req.parseBody();
    const fields = Object.fromEntries(
      ['order', 'product', 'sig', 'rating', 'title', 'body', 'author'].map((k) => [k, typeof form[k] === 'string' ? (form[k] as string) : '']),
    );
    if (!verifyReviewLink(sf.secret, c.var.tenant.store.id, fields.order ?? '', fields.product ?? '', fields.sig)) return page(c, fields);
    const t = sf.t(c);
    try {
      await new ReviewService(c.var.tenant.t).submit(fields.order ?? '', fields.product ?? '', {
        rating: Number(fields.rating),
        title: (fields.title ?? '').slice(0, MAX.title + 1),
        body: (fields.body ?? '').slice(0, MAX.body + 1),
        author: (fields.author ?? '').slice(0, MAX.author),
      });
      return page(c, fields, { state: 'done' });
    } catch (e) {
      if (isAppError(e) && e.code === 'conflict') return page(c, fields, { state: 'already', status: 409 });
      if (isAppError(e) && e.code === 'validation_failed') return page(c, fields, { error: e.message, status: 400 });
      if (isAppError(e) && e.code === 'not_found') return page(c, fields);
      c.var.logger.warn('review not saved', { err: e });
      return page(c, fields, { error: t('tooManyAttempts'), status: 503 });
    }
  });
}
