/**
 * The verified-buyer review form behind a signed link (/reviews/new?order&product&sig, made on the order status page
 * after fulfilment). A link for another store, order or product, or a tampered one, is the store's 404.
 *
 * Optional photos come with the review (multipart, REVIEW_PHOTO_LIMITS): decoded and re-encoded without metadata
 * (review-photos.ts), stored in the store's media storage, shown on the product page only once the review is
 * published. The link is the credential; its abuse limits key on a hash of its signature and on the client's IP.
 * A refused photo re-renders the form with what the shopper typed, and a stable code on the error.
 */
import { sha256Hex } from '@storeloom/auth';
import { REVIEW_PHOTO_LIMITS, type ReviewPhotoInput, ReviewService, verifyReviewLink } from '@storeloom/content';
import { isAppError } from '@storeloom/errors';
import { newReviewPhotoKey, storeStorage } from '@storeloom/storage';
import type { C, Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';
import { reencodeReviewPhoto } from '../review-photos.ts';

const MAX = { title: 200, body: 5000, author: 100 };
/** The whole form with its photos (the text fields are small): anything larger is refused before it is read. */
const MAX_FORM_BYTES = REVIEW_PHOTO_LIMITS.perReview * REVIEW_PHOTO_LIMITS.maxBytes + 256 * 1024;

type Over = { state?: 'form' | 'done' | 'already'; error?: string | null; errorCode?: string | null; status?: number };

export function reviewRoutes(app: StorefrontApp, sf: Storefront) {
  const page = async (c: C, fields: Record<string, string>, over: Over = {}) => {
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
          errorCode: over.errorCode ?? null,
          photos: sf.opts.storage ? { max: REVIEW_PHOTO_LIMITS.perReview, maxMb: Math.floor(REVIEW_PHOTO_LIMITS.maxBytes / (1024 * 1024)) } : null,
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
    const t = sf.t(c);
    if (Number(c.req.header('content-length') ?? 0) > MAX_FORM_BYTES) {
      // Not read: the typed text is in the refused body, so the form comes back from the link in the address.
      const q = new URL(c.req.url).searchParams;
      return page(
        c,
        { order: q.get('order') ?? '', product: q.get('product') ?? '', sig: q.get('sig') ?? '' },
        {
          error: t('reviewPhotoTooLarge', { mb: Math.floor(REVIEW_PHOTO_LIMITS.maxBytes / (1024 * 1024)) }),
          errorCode: 'payload_too_large',
          status: 413,
        },
      );
    }
    const form = await c.req.parseBody({ all: true });
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const fields = Object.fromEntries(['order', 'product', 'sig', 'rating', 'title', 'body', 'author'].map((k) => [k, str(k)]));
    const storeId = c.var.tenant.store.id;
    if (!verifyReviewLink(sf.secret, storeId, fields.order ?? '', fields.product ?? '', fields.sig)) return page(c, fields);
    const files = ([] as unknown[]).concat(form.photos ?? []).filter((f): f is File => f instanceof File && f.size > 0);
    const refuse = (code: string, error: string, status: number) => page(c, fields, { error, errorCode: code, status });
    const mb = Math.floor(REVIEW_PHOTO_LIMITS.maxBytes / (1024 * 1024));
    const storage = sf.opts.storage ? storeStorage(sf.opts.storage, storeId) : null;
    if (files.length) {
      if (!storage) return refuse('photos_unavailable', t('reviewPhotosUnavailable'), 400);
      if (files.length > REVIEW_PHOTO_LIMITS.perReview) return refuse('too_many_photos', t('reviewTooManyPhotos', { n: REVIEW_PHOTO_LIMITS.perReview }), 400);
      // Abuse limits: attempts per link (its signature, hashed) and per IP, and photos per IP and day.
      const ip = sf.clientIp(c);
      const checks = await Promise.all([
        sf.rateLimiter.hit(`sf-review-photo-link:${storeId}:${sha256Hex(fields.sig ?? '')}`, REVIEW_PHOTO_LIMITS.linkAttemptsPerHour, 3600),
        sf.rateLimiter.hit(`sf-review-photo-ip:${storeId}:${ip}`, REVIEW_PHOTO_LIMITS.ipAttemptsPerHour, 3600),
      ]);
      let photosToday = true;
      if (checks.every((r) => r.allowed))
        for (const _f of files)
          photosToday = (await sf.rateLimiter.hit(`sf-review-photos-ip:${storeId}:${ip}`, REVIEW_PHOTO_LIMITS.ipPhotosPerDay, 86_400)).allowed;
      if (!photosToday || checks.some((r) => !r.allowed)) {
        c.header('Retry-After', String(Math.max(...checks.map((r) => r.retryAfterSeconds), 60)));
        return refuse('rate_limited', t('tooManyAttempts'), 429);
      }
    }
    const photos: ReviewPhotoInput[] = [];
    const review = new ReviewService(c.var.tenant.t);
    const discard = () => Promise.all(photos.map((p) => storage?.delete(p.key).catch(() => undefined)));
    try {
      // Refuse before storing anything: a bad third photo leaves no first two behind.
      const encoded = [];
      for (const f of files) encoded.push(await reencodeReviewPhoto(new Uint8Array(await f.arrayBuffer())));
      if (encoded.length) {
        // Nothing stored for a link that can no longer review (the insert below would refuse it too).
        const target = await review.reviewable(fields.order ?? '', fields.product ?? '');
        if (!target) return page(c, fields);
        if (target.alreadyReviewed) return page(c, fields, { state: 'already', status: 409 });
      }
      for (const e of encoded) {
        const key = newReviewPhotoKey(storeId, e.ext);
        await storage?.put(key, e.body, e.contentType);
        photos.push({ key, contentType: e.contentType, width: e.width, height: e.height, bytes: e.body.length });
      }
      await review.submit(
        fields.order ?? '',
        fields.product ?? '',
        {
          rating: Number(fields.rating),
          title: (fields.title ?? '').slice(0, MAX.title + 1),
          body: (fields.body ?? '').slice(0, MAX.body + 1),
          author: (fields.author ?? '').slice(0, MAX.author),
        },
        photos,
      );
      return page(c, fields, { state: 'done' });
    } catch (e) {
      await discard();
      if (isAppError(e) && e.code === 'conflict') return page(c, fields, { state: 'already', status: 409 });
      if (isAppError(e) && e.code === 'unsupported_file_type') return refuse(e.code, t('reviewPhotoNotImage'), 415);
      if (isAppError(e) && e.code === 'payload_too_large') return refuse(e.code, t('reviewPhotoTooLarge', { mb }), 413);
      if (isAppError(e) && e.code === 'validation_failed') return refuse(e.code, e.message, 400);
      if (isAppError(e) && e.code === 'not_found') return page(c, fields);
      c.var.logger.warn('review not saved', { err: e });
      return refuse('unavailable', t('tooManyAttempts'), 503);
    }
  });
}
