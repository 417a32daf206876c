/** The order status page behind a signed link (`&placed=1`: the confirmation), and the shopper's return requests from it. */
import { randomUUID } from 'node:crypto';
import type { OrderDetail, ReturnService } from '@storeloom/commerce';
import { reviewLinkSignature } from '@storeloom/content';
import { isUuid } from '@storeloom/db';
import { isAppError } from '@storeloom/errors';
import { checkImageUpload, returnPhotoKey, storeStorage } from '@storeloom/storage';
import type { C, Storefront } from '../context.ts';
import type { StorefrontApp } from '../middleware.ts';
import { orderData } from '../pages.ts';
import type { OrderReturnsData } from '../ui/types.ts';

const MAX_PHOTOS = 3;
const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const RETURN_REASONS = ['wrong_size', 'damaged', 'not_as_described', 'changed_mind', 'other'] as const;

export function orderRoutes(app: StorefrontApp, sf: Storefront) {
  const render = async (c: C, order: OrderDetail, over: { notice?: 'requested'; error?: string; status?: number } = {}) => {
    const t = sf.t(c);
    const page = await sf.pages.render(
      c,
      {
        page: 'order',
        order: orderData(order),
        justPlaced: c.req.query('placed') === '1',
        reviewLinks: reviewLinks(sf, c, order),
        returns: await returnsData(c, sf.returns(c), order, over),
      },
      {
        title: `${t('orderNumber', { number: order.number })} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${sf.origin(c)}/`,
        noindex: true,
      },
      { count: await sf.cartCount(c), currency: order.currency, ...(over.status ? { status: over.status } : {}) },
    );
    return sf.pages.sendNoStore(c, page);
  };

  app.get('/orders/:orderId', async (c) => {
    const order = await sf.signedOrder(c);
    if (!order) return sf.pages.send(c, await sf.pages.notFound(c, await sf.cartCount(c)), 'private');
    return render(c, order, c.req.query('return') === 'requested' ? { notice: 'requested' } : {});
  });

  /** The return form (multipart: quantities per line, reason, note, photos); the signed link is the shopper's proof. */
  app.post('/orders/:orderId/returns', async (c) => {
    const order = await sf.signedOrder(c);
    if (!order) return sf.pages.send(c, await sf.pages.notFound(c, await sf.cartCount(c)), 'private');
    const t = sf.t(c);
    const form = await c.req.parseBody({ all: true });
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const nonce = str('nonce');
    const lines = order.lines
      .map((l) => ({ orderLineId: l.id, quantity: Number.parseInt(str(`qty_${l.id}`) || '0', 10) }))
      .filter((l) => Number.isSafeInteger(l.quantity) && l.quantity > 0);
    if (!lines.length) return render(c, order, { error: t('returnChooseItem'), status: 400 });
    const reasonKey = (RETURN_REASONS as readonly string[]).includes(str('reason')) ? str('reason') : 'other';
    const files = ([] as unknown[]).concat(form.photos ?? []).filter((f): f is File => f instanceof File && f.size > 0);
    if (files.length > MAX_PHOTOS) return render(c, order, { error: t('returnTooManyPhotos', { n: MAX_PHOTOS }), status: 400 });
    const photos: string[] = [];
    const storage = sf.opts.storage ? storeStorage(sf.opts.storage, c.var.tenant.store.id) : null;
    const fileId = isUuid(nonce) ? nonce : randomUUID();
    try {
      if (files.length && !storage) return render(c, order, { error: t('returnPhotosUnavailable'), status: 400 });
      for (const [i, f] of files.entries()) {
        const bytes = new Uint8Array(await f.arrayBuffer());
        const type = checkImageUpload(bytes, MAX_PHOTO_BYTES);
        const key = returnPhotoKey(c.var.tenant.store.id, fileId, i, type.ext);
        await storage?.put(key, bytes, type.contentType);
        photos.push(key);
      }
      await sf
        .returns(c)
        .request(
          order.id,
          { lines, reason: reasonKey, note: str('note').slice(0, 2000) || null, photos },
          isUuid(nonce) ? { idempotencyKey: `storefront:${nonce}` } : {},
        );
    } catch (e) {
      if (
        isAppError(e) &&
        (e.code === 'validation_failed' ||
          e.code === 'return_window_closed' ||
          e.code === 'invalid_state' ||
          e.code === 'payload_too_large' ||
          e.code === 'unsupported_file_type')
      )
        return render(c, order, { error: e.message, status: e.code === 'validation_failed' ? 400 : 422 });
      throw e;
    }
    return c.redirect(`${sf.orderLink(c, order.id)}&return=requested#returns`, 303);
  });
}

async function returnsData(
  c: C,
  returns: ReturnService,
  order: OrderDetail,
  over: { notice?: 'requested'; error?: string },
): Promise<OrderReturnsData | undefined> {
  if (order.fulfillmentStatus !== 'fulfilled') return undefined;
  const [r, items] = await Promise.all([returns.returnability(order.id), returns.forOrder(order.id)]);
  return {
    items: items.map((x) => ({
      id: x.id,
      status: x.status,
      requestedAt: x.requestedAt,
      lines: x.lines.map((l) => ({ title: l.title, quantity: l.quantity })),
      labelReference: x.status === 'approved' ? x.labelReference : null,
      merchantNote: x.merchantNote,
      refundAmount: x.refundAmount,
    })),
    form: r.open
      ? {
          action: `/orders/${order.id}/returns?sig=${encodeURIComponent(c.req.query('sig') ?? '')}`,
          nonce: randomUUID(),
          deadline: r.deadline as string,
          lines: r.lines
            .filter((l) => l.returnable > 0)
            .map((l) => ({ orderLineId: l.orderLineId, title: l.title, variantTitle: l.variantTitle, returnable: l.returnable })),
        }
      : null,
    closed: r.open ? null : r.why,
    notice: over.notice ?? null,
    error: over.error ?? null,
  };
}

/** After fulfilment, one signed review link per bought product (the verified-buyer reviews; the shipped mail links to this page). */
function reviewLinks(sf: Storefront, c: C, order: OrderDetail): { title: string; url: string }[] {
  if (order.fulfillmentStatus !== 'fulfilled') return [];
  const seen = new Set<string>();
  return order.lines.flatMap((l) => {
    if (!l.productId || seen.has(l.productId)) return [];
    seen.add(l.productId);
    const q = new URLSearchParams({ order: order.id, product: l.productId, sig: reviewLinkSignature(sf.secret, c.var.tenant.store.id, order.id, l.productId) });
    return [{ title: l.title, url: `/reviews/new?${q.toString()}` }];
  });
}
