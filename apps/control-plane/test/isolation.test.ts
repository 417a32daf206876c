/**
 * Tenant isolation: merchant A must not be able to read or change anything of
 * merchant B's store, through any store-scoped route of the API. The routes
 * come from the OpenAPI document, so a new route is covered automatically
 * (and fails here until it has a request-body fixture).
 */
import { PrivacyService } from '@storeloom/privacy';
import { randomBytes, randomUUID } from 'node:crypto';
import { API_SCOPES } from '@storeloom/auth';
import { newId } from '@storeloom/db';
import { CartService, CustomerService, OrderService, parseSettings, ReturnService } from '@storeloom/commerce';
import { newReviewPhotoKey, returnPhotoKey } from '@storeloom/storage';
import { searchDb } from '@storeloom/store-search';
import { emitWebhookEvent } from '@storeloom/webhooks';
import { createBackupHandlers } from '../../worker/src/backup.ts';
import { pyramidGlb } from '../../../scripts/make-glb-fixtures.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiResponse,
  createProduct,
  createStore,
  type RequestOptions,
  signup,
  startTestPlatform,
  type TestPlatform,
} from '../../../test/helpers/platform.ts';

const rnd = (n = 4) => randomBytes(n).toString('hex');
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const pngForm = (extra: Record<string, string> = {}) => {
  const f = new FormData();
  f.set('file', new File([PNG], 'x.png', { type: 'image/png' }));
  for (const [k, v] of Object.entries(extra)) f.set(k, v);
  return f;
};
const glbForm = () => {
  const f = new FormData();
  f.set('file', new File([pyramidGlb() as never], 'x.glb', { type: 'model/gltf-binary' }));
  return f;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Tenant {
  cookie: string;
  userId: string;
  storeId: string;
  schema: string;
  productIds: string[];
  variantIds: string[];
  collectionId: string;
  importId: string;
  /** A paid order of this store. */
  orderId: string;
  /** A product of this store that is not in `collectionId`. */
  looseProductId: string;
  settingsId: string;
  changeId: string;
  supplierId: string;
  runId: string;
  inventoryRunId: string;
  imageId: string;
  invitationId: string;
  /** A staff member of this store (not the owner). */
  memberId: string;
  jobId: string;
  /** A search reindex job of this store (its id carries the store id). */
  searchJobId: string;
  synonymId: string;
  pinId: string;
  /** A finished store export. */
  exportId: string;
  discountId: string;
  giftCardId: string;
  webhookId: string;
  /** A delivery of `webhookId`. */
  deliveryId: string;
  /** A finished privacy export request. */
  privacyRequestId: string;
  pageId: string;
  articleId: string;
  menuId: string;
  reviewId: string;
  /** A shopper's photo on reviewId (row and file). */
  photoId: string;
  /** A published version of the home template's layout. */
  versionId: string;
  /** Handle of productIds[0] (review CSV rows name products by handle). */
  productHandle: string;
  /** A 3D model of productIds[0]. */
  mediaId: string;
  marketId: string;
  zoneId: string;
  taxRateId: string;
  /** A return of orderId (with one photo) and the order's line. */
  returnId: string;
  orderLineId: string;
  /** An open draft order of this store. */
  draftOrderId: string;
  /** A customer account of this store (with a saved address). */
  customerId: string;
  /** A staged edit of orderId. */
  editId: string;
}

/** Object ids that may appear in a store-scoped path, by path parameter name. */
const objectIds = (t: Tenant): Record<string, string> => ({
  productId: t.productIds[0] as string,
  variantId: t.variantIds[0] as string,
  collectionId: t.collectionId,
  importId: t.importId,
  settingsId: t.settingsId,
  changeId: t.changeId,
  supplierId: t.supplierId,
  runId: t.runId,
  inventoryRunId: t.inventoryRunId,
  imageId: t.imageId,
  invitationId: t.invitationId,
  userId: t.memberId,
  jobId: t.jobId,
  orderId: t.orderId,
  searchJobId: t.searchJobId,
  synonymId: t.synonymId,
  pinId: t.pinId,
  exportId: t.exportId,
  discountId: t.discountId,
  giftCardId: t.giftCardId,
  webhookId: t.webhookId,
  deliveryId: t.deliveryId,
  privacyRequestId: t.privacyRequestId,
  pageId: t.pageId,
  articleId: t.articleId,
  mediaId: t.mediaId,
  menuId: t.menuId,
  reviewId: t.reviewId,
  photoId: t.photoId,
  versionId: t.versionId,
  marketId: t.marketId,
  zoneId: t.zoneId,
  taxRateId: t.taxRateId,
  returnId: t.returnId,
  draftOrderId: t.draftOrderId,
  customerId: t.customerId,
  editId: t.editId,
});

/** Required query parameters of GET routes, so B's own request is valid. */
const queries: Record<string, string> = {
  'get /stores/{storeId}/search/autocomplete': 'q=sec',
  'get /stores/{storeId}/translations/export': 'locale=de',
  'get /stores/{storeId}/translations/texts': 'locale=de',
  'get /stores/{storeId}/analytics/sales': 'from=2026-11-01&to=2026-11-30',
  'get /stores/{storeId}/analytics/export': 'from=2026-11-01&to=2026-11-30',
};

/**
 * A valid request for each operation with a body, so a refusal can only come
 * from the access check. `own` is the tenant whose objects the body may name.
 */
const fixtures: Record<string, (own: Tenant) => Pick<RequestOptions, 'body' | 'rawBody' | 'contentType' | 'form' | 'headers'>> = {
  'patch /stores/{storeId}': () => ({ body: { name: 'Hijacked' } }),
  'post /stores/{storeId}/products': () => ({
    body: { title: 'Injected', status: 'active', variants: [{ sku: `INJ-${rnd()}`, price: 1, inventoryQuantity: 1 }] },
  }),
  'patch /stores/{storeId}/products/{productId}': () => ({ body: { version: 1, title: 'Hijacked', status: 'draft' } }),
  'post /stores/{storeId}/collections': () => ({ body: { title: 'Injected' } }),
  'patch /stores/{storeId}/collections/{collectionId}': () => ({ body: { version: 1, title: 'Hijacked' } }),
  'post /stores/{storeId}/collections/{collectionId}/products': (own) => ({ body: { productIds: [own.looseProductId] } }),
  'post /stores/{storeId}/variants/{variantId}/inventory-adjustments': () => ({ body: { delta: -1, reason: 'sold' } }),
  'post /stores/{storeId}/imports': () => ({ rawBody: 'Handle,Title,Variant Price\ninjected,Injected,1.00\n', contentType: 'text/csv' }),
  'post /stores/{storeId}/imports/preview': () => ({ rawBody: 'Handle,Title,Variant Price\ninjected,Injected,1.00\n', contentType: 'text/csv' }),
  'post /stores/{storeId}/pricing/settings': (own) => ({ body: { collectionId: own.collectionId, floor: 100, ceiling: 200 } }),
  'put /stores/{storeId}/pricing/settings/{settingsId}': () => ({ body: { version: 1, floor: 1, ceiling: 2, mode: 'auto' } }),
  'post /stores/{storeId}/inventory-planning/suppliers': () => ({ body: { name: 'Injected' } }),
  'patch /stores/{storeId}/inventory-planning/suppliers/{supplierId}': () => ({ body: { name: 'Hijacked' } }),
  'put /stores/{storeId}/inventory-planning/policies/{variantId}': () => ({ body: { serviceLevel: 0.5 } }),
  'put /stores/{storeId}/inventory-planning/webhook': () => ({ body: { url: 'https://attacker.example/hook' } }),
  'post /stores/{storeId}/webhooks': () => ({ body: { url: 'https://93.184.215.14/injected', events: ['order.paid'] } }),
  'patch /stores/{storeId}/webhooks/{webhookId}': () => ({ body: { url: 'https://93.184.215.14/hijacked', enabled: false } }),
  'post /stores/{storeId}/invitations': () => ({ body: { email: `intruder-${rnd()}@example.com`, role: 'admin' } }),
  'patch /stores/{storeId}/members/{userId}': () => ({ body: { role: 'admin' } }),
  'post /stores/{storeId}/transfer-ownership': (own) => ({ body: { userId: own.memberId } }),
  'put /stores/{storeId}/settings': () => ({ body: { name: 'Hijacked', theme: { primaryColor: '#ff0000' } } }),
  'post /stores/{storeId}/settings/logo': () => ({ form: pngForm() }),
  'post /stores/{storeId}/products/{productId}/images': () => ({ form: pngForm({ alt: 'Injected' }) }),
  'patch /stores/{storeId}/products/{productId}/images/{imageId}': () => ({ body: { alt: 'Hijacked' } }),
  'put /stores/{storeId}/products/{productId}/images/order': (own) => ({ body: { imageIds: [own.imageId] } }),
  'put /stores/{storeId}/domain': () => ({ body: { domain: `hijack-${rnd()}.example.com` } }),
  'put /stores/{storeId}/variants/{variantId}/low-stock-threshold': () => ({ body: { lowStockThreshold: 99 } }),
  'post /stores/{storeId}/products/bulk': (own) => ({ body: { action: 'archive', ids: [own.looseProductId] } }),
  'post /stores/{storeId}/draft-orders': (own) => ({ body: { email: 'injected@example.com', lines: [{ variantId: own.variantIds[0], quantity: 1 }] } }),
  'patch /stores/{storeId}/draft-orders/{draftOrderId}': () => ({ body: { note: 'Hijacked', manualDiscount: { amount: 1 } } }),
  'post /stores/{storeId}/orders/{orderId}/edits': (own) => ({ body: { changes: [{ type: 'add', variantId: own.variantIds[1], quantity: 1 }] } }),
  'put /stores/{storeId}/orders/{orderId}/edits/{editId}': (own) => ({
    body: { changes: [{ type: 'add', variantId: own.variantIds[1], quantity: 2 }], note: 'Hijacked' },
  }),
  'post /stores/{storeId}/draft-orders/{draftOrderId}/invoice': () => ({ body: { message: 'Hijacked' } }),
  'post /stores/{storeId}/orders/{orderId}/fulfillment': () => ({ body: { trackingNumber: 'HIJACKED' } }),
  'post /stores/{storeId}/orders/{orderId}/refunds': () => ({ body: { amount: 1 }, headers: { 'idempotency-key': `hijack-${rnd()}` } }),
  'post /stores/{storeId}/billing/checkout': () => ({ body: { plan: 'pro' } }),
  'post /stores/{storeId}/search/check': () => ({ body: { repair: true } }),
  'patch /stores/{storeId}/search/settings': () => ({ body: { stopWords: ['hijacked'], inStockBoost: 9 } }),
  'post /stores/{storeId}/search/synonyms': () => ({ body: { kind: 'two_way', terms: ['hijacked', 'injected'] } }),
  'post /stores/{storeId}/search/pins': (own) => ({ body: { query: 'hijacked', productId: own.productIds[0], position: 0 } }),
  'post /stores/{storeId}/clone': (own) => ({ body: { exportId: own.exportId, name: 'Injected', slug: `injected-${rnd()}` } }),
  'post /stores/{storeId}/discounts': () => ({ body: { title: 'Injected', code: `INJ${rnd()}`, kind: 'percentage', value: 90 } }),
  'patch /stores/{storeId}/discounts/{discountId}': () => ({ body: { title: 'Hijacked', value: 100, active: true } }),
  'post /stores/{storeId}/privacy-requests': () => ({ body: { kind: 'export', email: 'someone@example.com' } }),
  'post /stores/{storeId}/gift-cards': () => ({ body: { initialValue: 100_000, note: 'Injected' } }),
  'patch /stores/{storeId}/gift-cards/{giftCardId}': () => ({ body: { disabled: true, note: 'Hijacked', expiresAt: null } }),
  'post /stores/{storeId}/markets': () => ({ body: { name: 'Injected', countries: ['BR'], currency: 'BRL', exchangeRate: '7.1', taxInclusive: false } }),
  'patch /stores/{storeId}/markets/{marketId}': () => ({ body: { name: 'Hijacked', countries: ['AR'] } }),
  'put /stores/{storeId}/markets/{marketId}/prices/{variantId}': () => ({ body: { price: 1 } }),
  'post /stores/{storeId}/shipping-zones': () => ({ body: { name: 'Injected', countries: ['BR'], rates: [{ name: 'Free', price: 0 }] } }),
  'patch /stores/{storeId}/shipping-zones/{zoneId}': () => ({ body: { name: 'Hijacked', rates: [] } }),
  'post /stores/{storeId}/tax-rates': () => ({ body: { country: 'BR', rate: 99 } }),
  'post /stores/{storeId}/tax-rates/enable': () => ({ body: { country: 'SE' } }),
  'put /stores/{storeId}/tax-settings': () => ({ body: { shippingTaxClass: 'zero', reverseCharge: true } }),
  'put /stores/{storeId}/promotion-settings': () => ({
    body: {
      apiAllowedOrigins: ['https://attacker.example'],
      recovery: { enabled: true, delayMinutes: 15, secondReminder: true },
      marketingEmails: true,
      recoveryRecipients: 'all',
    },
  }),
  'post /stores/{storeId}/pages': () => ({ body: { title: 'Injected', body: '<p>x</p>', published: true } }),
  'patch /stores/{storeId}/pages/{pageId}': () => ({ body: { title: 'Hijacked' } }),
  'post /stores/{storeId}/privacy-requests/{privacyRequestId}/extend': () => ({ body: { reason: 'A complex request: several systems to search' } }),
  'patch /stores/{storeId}/privacy-settings': () => ({ body: { abandonedCartsDays: 30 } }),
  'put /stores/{storeId}/products/{productId}/translations/{locale}': () => ({ body: { title: 'Übernommen' } }),
  'put /stores/{storeId}/collections/{collectionId}/translations/{locale}': () => ({ body: { title: 'Übernommen' } }),
  'put /stores/{storeId}/pages/{pageId}/translations/{locale}': () => ({ body: { title: 'Übernommen' } }),
  'put /stores/{storeId}/articles/{articleId}/translations/{locale}': () => ({ body: { title: 'Übernommen' } }),
  'put /stores/{storeId}/menus/{menuId}/translations/{locale}': () => ({ body: { title: 'Übernommen' } }),
  'put /stores/{storeId}/settings/translations/{locale}': () => ({ body: { name: 'Übernommen' } }),
  'post /stores/{storeId}/translations/import': () => ({ body: { locale: 'de', csv: 'type,id,handle,field,original,translation\r\n' } }),
  'patch /stores/{storeId}/policies': () => ({ body: { refund: { fields: { returnWindowDays: '1', contactEmail: 'attacker@example.com' } }, privacy: null } }),
  'post /stores/{storeId}/menus': () => ({ body: { handle: 'injected', title: 'Injected', items: [] } }),
  'patch /stores/{storeId}/menus/{menuId}': () => ({ body: { title: 'Hijacked', items: [] } }),
  'post /stores/{storeId}/articles': () => ({ body: { title: 'Injected', body: '<p>x</p>', published: true } }),
  'patch /stores/{storeId}/articles/{articleId}': () => ({ body: { title: 'Hijacked' } }),
  'post /stores/{storeId}/products/{productId}/media': () => ({ form: glbForm() }),
  'patch /stores/{storeId}/reviews/{reviewId}': () => ({ body: { status: 'hidden', reply: 'Hijacked' } }),
  'put /stores/{storeId}/theme/templates/{template}/draft': () => ({
    body: { layout: { sections: [{ id: 'x', type: 'rich-text', settings: { heading: 'Hijacked' }, blocks: [] }] } },
  }),
  'post /stores/{storeId}/theme/preview': () => ({ body: { path: '/' } }),
  'put /stores/{storeId}/theme/settings/draft': () => ({ body: { settings: { textColor: '#ff0000' } } }),
  'post /stores/{storeId}/theme/settings/favicon': () => ({ form: pngForm() }),
  'post /stores/{storeId}/theme/settings/discard': () => ({ body: {} }),
  'post /stores/{storeId}/reviews/import': (own) => ({
    rawBody: `product_handle,rating,title\n${own.productHandle},1,Injected\n`,
    contentType: 'text/csv',
  }),
  'patch /stores/{storeId}/security': () => ({ body: { requireTwoFactor: false } }),
  'post /stores/{storeId}/orders/{orderId}/returns': (own) => ({ body: { lines: [{ orderLineId: own.orderLineId, quantity: 1 }], reason: 'Injected' } }),
  'post /stores/{storeId}/orders/{orderId}/refund-preview': () => ({ body: { amount: 1 } }),
  'post /stores/{storeId}/returns/{returnId}/approve': () => ({ body: { note: 'Hijacked', labelReference: 'HIJACK' } }),
  'post /stores/{storeId}/returns/{returnId}/decline': () => ({ body: { note: 'Hijacked' } }),
  'post /stores/{storeId}/returns/{returnId}/label': () => ({ body: { labelReference: 'HIJACK' } }),
  'post /stores/{storeId}/returns/{returnId}/receive': (own) => ({ body: { lines: [{ orderLineId: own.orderLineId, restock: true }] } }),
  'post /stores/{storeId}/returns/{returnId}/refund': () => ({ body: {} }),
  'post /stores/{storeId}/returns/{returnId}/exchange': (own) => ({ body: { lines: [{ orderLineId: own.orderLineId, variantId: own.variantIds[0] }] } }),
  'post /stores/{storeId}/returns/{returnId}/exchange-payment': () => ({ body: {} }),
  'put /stores/{storeId}/return-policy': () => ({ body: { enabled: false, windowDays: 1, shippingRefund: 'never' } }),
  'put /stores/{storeId}/checkout-settings': () => ({
    body: { shipping: { mode: 'flat', flatRate: 1, freeOver: null, weightRates: [] }, tax: { ratePercent: 50, includedInPrices: false } },
  }),
};

interface Operation {
  method: string;
  template: string;
  params: string[];
  hasBody: boolean;
}

/** Path parameters that name no object (a locale): always this value, never swapped between stores. */
const FIXED_PATH_VALUES: Record<string, string> = { locale: 'de', index: '0', template: 'home' };

const fill = (template: string, ids: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = ids[name] ?? FIXED_PATH_VALUES[name];
    if (v === undefined) throw new Error(`no id for path parameter {${name}} in ${template}`);
    return encodeURIComponent(v);
  });

describe('tenant isolation', () => {
  let p: TestPlatform;
  let a: Tenant;
  let b: Tenant;
  let operations: Operation[];
  let aToken: string;

  async function setUpTenant(tag: string): Promise<Tenant> {
    const { cookie, user } = await signup(p, `${tag}${rnd()}@example.com`);
    const store = await createStore(p, cookie, `${tag}-${rnd()}`);
    const p1 = await createProduct(p, cookie, store.id, { title: `${tag} secret product one`, tags: [`${tag}-tag`] });
    const p2 = await createProduct(p, cookie, store.id, {
      title: `${tag} secret product two`,
      images: [{ url: `https://img.example.com/${tag}.png`, alt: tag }],
    });
    const p3 = await createProduct(p, cookie, store.id, { title: `${tag} loose product` });
    const coll = await p.request('POST', `/api/v1/stores/${store.id}/collections`, {
      cookie,
      body: { title: `${tag} collection`, productIds: [p1.id, p2.id] },
    });
    expect(coll.status).toBe(201);
    const imp = await p.request('POST', `/api/v1/stores/${store.id}/imports?filename=${tag}.csv`, {
      cookie,
      rawBody: `Handle,Title,Variant Price\n${tag}-imported,${tag} imported,12.00\n`,
      contentType: 'text/csv',
    });
    expect(imp.status).toBe(202);
    const adj = await p.request('POST', `/api/v1/stores/${store.id}/variants/${p1.variants[0].id}/inventory-adjustments`, {
      cookie,
      body: { delta: 5, reason: 'received' },
    });
    expect(adj.status).toBe(201);
    const row = await p.db.control.selectFrom('stores').select(['schema_name', 'name', 'currency']).where('id', '=', store.id).executeTakeFirstOrThrow();
    const settings = await p.request('POST', `/api/v1/stores/${store.id}/pricing/settings`, { cookie, body: { productId: p1.id, floor: 1000, ceiling: 9000 } });
    expect(settings.status).toBe(201);
    // A waiting suggestion, as a pricing run would leave it (the worker is not running here).
    const changeId = randomUUID();
    await p.db
      .tenant(row.schema_name)
      .insertInto('price_changes')
      .values({
        id: changeId,
        variant_id: p1.variants[0].id,
        product_id: p1.id,
        old_price: p1.variants[0].price,
        new_price: 5000,
        reason: 'fixture',
        inputs: '{}',
        expected_revenue_per_day: null,
        status: 'suggested',
        source: 'policy',
        rollback_of: null,
        decided_by: null,
        decided_at: null,
        applied_at: null,
        created_at: new Date(),
      })
      .execute();
    const supplier = await p.request('POST', `/api/v1/stores/${store.id}/inventory-planning/suppliers`, { cookie, body: { name: `${tag} supplier` } });
    expect(supplier.status).toBe(201);
    const run = await p.request('POST', `/api/v1/stores/${store.id}/pricing/runs`, { cookie });
    expect(run.status).toBe(202);
    const invRun = await p.request('POST', `/api/v1/stores/${store.id}/inventory-planning/runs`, { cookie });
    expect(invRun.status).toBe(202);
    const image = await p.request('POST', `/api/v1/stores/${store.id}/products/${p2.id}/images`, { cookie, form: pngForm({ alt: `${tag} uploaded` }) });
    expect(image.status, image.text).toBe(201);
    const invitation = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, {
      cookie,
      body: { email: `${tag}-invitee-${rnd()}@example.com`, role: 'staff' },
    });
    expect(invitation.status, invitation.text).toBe(201);
    const member = await signup(p, `${tag}-staff-${rnd()}@example.com`);
    await p.db.control.insertInto('memberships').values({ store_id: store.id, user_id: member.user.id, role: 'staff', created_at: new Date() }).execute();
    const job = await p.db.control.selectFrom('store_jobs').select('id').where('store_id', '=', store.id).executeTakeFirstOrThrow();
    const reindex = await p.request('POST', `/api/v1/stores/${store.id}/search/reindex`, { cookie });
    expect(reindex.status, reindex.text).toBe(202);
    const synonym = await p.request('POST', `/api/v1/stores/${store.id}/search/synonyms`, { cookie, body: { kind: 'two_way', terms: [`${tag}a`, `${tag}b`] } });
    expect(synonym.status, synonym.text).toBe(201);
    const pin = await p.request('POST', `/api/v1/stores/${store.id}/search/pins`, { cookie, body: { query: tag, productId: p1.id } });
    expect(pin.status, pin.text).toBe(201);
    const exp = await p.request('POST', `/api/v1/stores/${store.id}/exports`, { cookie });
    expect(exp.status, exp.text).toBe(202);
    const discount = await p.request('POST', `/api/v1/stores/${store.id}/discounts`, {
      cookie,
      body: { title: `${tag} discount`, code: `${tag.toUpperCase()}${rnd()}`, kind: 'percentage', value: 10 },
    });
    expect(discount.status, discount.text).toBe(201);
    const draft = await p.request('POST', `/api/v1/stores/${store.id}/draft-orders`, {
      cookie,
      body: {
        email: `${tag}-draft@example.com`,
        shippingAddress: { name: 'D', line1: '1 St', line2: null, city: 'C', postalCode: '1', region: null, country: 'US', phone: null },
        lines: [{ variantId: p1.variants[0].id, quantity: 1 }],
      },
    });
    expect(draft.status, draft.text).toBe(201);
    const giftCard = await p.request('POST', `/api/v1/stores/${store.id}/gift-cards`, { cookie, body: { initialValue: 5000, note: `${tag} card` } });
    // A public IP literal: no DNS needed, and no worker runs here to deliver to it.
    const webhook = await p.request('POST', `/api/v1/stores/${store.id}/webhooks`, {
      cookie,
      body: { url: 'https://93.184.215.14/hooks', events: ['product.updated'] },
    });
    const webhookEvent = await emitWebhookEvent(p.db.tenant(row.schema_name), { type: 'product.updated', resourceKey: `product:${tag}`, data: { tag } });
    const delivery = await p.db
      .tenant(row.schema_name)
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('event_id', '=', webhookEvent as string)
      .executeTakeFirstOrThrow();
    expect(giftCard.status, giftCard.text).toBe(201);
    const page = await p.request('POST', `/api/v1/stores/${store.id}/pages`, { cookie, body: { title: `${tag} page`, body: '<p>secret</p>' } });
    expect(page.status, page.text).toBe(201);
    const article = await p.request('POST', `/api/v1/stores/${store.id}/articles`, { cookie, body: { title: `${tag} article`, body: '<p>secret</p>' } });
    expect(article.status, article.text).toBe(201);
    const menu = await p.request('POST', `/api/v1/stores/${store.id}/menus`, {
      cookie,
      body: { handle: 'main-menu', title: `${tag} menu`, items: [{ title: 'Home', type: 'home' }] },
    });
    expect(menu.status, menu.text).toBe(201);
    const policy = await p.request('PATCH', `/api/v1/stores/${store.id}/policies`, {
      cookie,
      body: { refund: { fields: { returnWindowDays: '14', contactEmail: `${tag}@example.com` } } },
    });
    expect(policy.status, policy.text).toBe(200);
    const media = await p.request('POST', `/api/v1/stores/${store.id}/products/${p1.id}/media`, { cookie, form: glbForm() });
    expect(media.status, media.text).toBe(201);
    const reviews = await p.request('POST', `/api/v1/stores/${store.id}/reviews/import`, {
      cookie,
      rawBody: `product_handle,rating,title,author\n${p1.handle},5,${tag} review,${tag}\n`,
      contentType: 'text/csv',
    });
    expect(reviews.body.imported, reviews.text).toBe(1);
    const review = await p.request('GET', `/api/v1/stores/${store.id}/reviews`, { cookie });
    // A shopper's photo on it (as the storefront's review form stores one).
    const reviewPhotoKey = newReviewPhotoKey(store.id, 'png');
    await p.services.storage.put(reviewPhotoKey, PNG, 'image/png');
    const photoId = newId();
    await p.db
      .tenant(row.schema_name)
      .insertInto('review_photos')
      .values({
        id: photoId,
        review_id: review.body.data[0].id,
        storage_key: reviewPhotoKey,
        content_type: 'image/png',
        width: 1,
        height: 1,
        bytes: PNG.length,
        position: 0,
        created_at: new Date(),
      })
      .execute();
    const themeDraft = await p.request('PUT', `/api/v1/stores/${store.id}/theme/templates/home/draft`, {
      cookie,
      body: { layout: { sections: [{ id: 'intro', type: 'rich-text', settings: { heading: `${tag} heading`, text: '<p>secret</p>' }, blocks: [] }] } },
    });
    expect(themeDraft.status, themeDraft.text).toBe(200);
    expect((await p.request('POST', `/api/v1/stores/${store.id}/theme/templates/home/publish`, { cookie })).status).toBe(200);
    const themeVersion = await p.request('GET', `/api/v1/stores/${store.id}/theme/templates/home/versions`, { cookie });
    const market = await p.request('POST', `/api/v1/stores/${store.id}/markets`, {
      cookie,
      body: { name: `${tag} market`, countries: ['DE', 'FR'], currency: 'EUR', exchangeRate: '0.92', taxInclusive: true },
    });
    expect(market.status, market.text).toBe(201);
    const zone = await p.request('POST', `/api/v1/stores/${store.id}/shipping-zones`, {
      cookie,
      body: { name: `${tag} zone`, countries: ['DE'], rates: [{ name: 'Standard', price: 500 }] },
    });
    expect(zone.status, zone.text).toBe(201);
    const taxRate = await p.request('POST', `/api/v1/stores/${store.id}/tax-rates`, { cookie, body: { country: 'DE', rate: 19, name: 'MwSt' } });
    expect(taxRate.status, taxRate.text).toBe(201);
    // No worker here: run the export job inline and record it as finished.
    const ledger = await p.db.control
      .selectFrom('store_jobs')
      .select(['queue', 'job_id'])
      .where('store_id', '=', store.id)
      .where('name', '=', 'stores.export')
      .executeTakeFirstOrThrow();
    const exportResult = await createBackupHandlers({ db: p.db, storage: p.services.storage })['stores.export']({
      id: ledger.job_id,
      data: { v: 1, payload: { storeId: store.id, exportId: exp.body.id, requestedBy: user.id } },
      updateProgress: async () => {},
    } as never);
    await p.services.queues.storeJobs.completed(ledger.queue, ledger.job_id, exportResult);
    const t = p.db.tenant(row.schema_name);
    const cart = await new CartService(t).findOrCreate(undefined);
    await new CartService(t).add(cart.id, p3.variants[0].id, 1);
    const orders = new OrderService(t, { store: { id: store.id, name: row.name, currency: row.currency } });
    const address = { name: tag, line1: '1 Road', line2: null, city: 'Town', postalCode: '1', region: null, country: 'US', phone: null };
    const { order } = await orders.place({
      cartId: cart.id,
      email: `${tag}@example.com`,
      customerId: null,
      customerName: null,
      address,
      locale: 'en',
      settings: parseSettings([]),
    });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.total });
    // A delivered order with a requested return and the shopper's photo in storage.
    await orders.fulfil(order.id, {});
    const returnId = randomUUID();
    const photoKey = returnPhotoKey(store.id, returnId, 0, 'png');
    await p.services.storage.put(photoKey, PNG, 'image/png');
    const ret = await new ReturnService(t, { store: { id: store.id, name: row.name, currency: row.currency } }).request(order.id, {
      lines: [{ orderLineId: order.lines[0]!.id, quantity: 1 }],
      reason: `${tag} reason`,
      photos: [photoKey],
    });
    // A customer account with a saved address (the customers API and the draft order's customer picker).
    const customerId = newId();
    await t
      .insertInto('customers')
      .values({ id: customerId, email: `${tag}-buyer@example.com`, name: `${tag} buyer`, password_hash: 'x', created_at: new Date(), email_verified_at: null })
      .execute();
    await new CustomerService(t).saveAddress(customerId, address);
    // A staged edit of the order (adds a unit of the second product).
    const edit = await p.request('POST', `/api/v1/stores/${store.id}/orders/${order.id}/edits`, {
      cookie,
      body: { changes: [{ type: 'add', variantId: p2.variants[0].id, quantity: 1 }] },
    });
    expect(edit.status, edit.text).toBe(201);
    // A finished privacy export (run inline: no worker here).
    const privacy = await p.request('POST', `/api/v1/stores/${store.id}/privacy-requests`, { cookie, body: { kind: 'export', email: `${tag}@example.com` } });
    expect(privacy.status, privacy.text).toBe(202);
    await new PrivacyService({ db: p.db, storage: p.services.storage }).process({ ...row, id: store.id }, privacy.body.id);
    return {
      privacyRequestId: privacy.body.id,
      returnId: ret.id,
      orderLineId: order.lines[0]!.id,
      imageId: image.body.id,
      invitationId: invitation.body.invitation.id,
      memberId: member.user.id,
      jobId: job.id,
      searchJobId: reindex.body.jobId,
      synonymId: synonym.body.id,
      pinId: pin.body.id,
      exportId: exp.body.id,
      discountId: discount.body.id,
      giftCardId: giftCard.body.id,
      webhookId: webhook.body.id,
      deliveryId: delivery.id,
      pageId: page.body.id,
      articleId: article.body.id,
      mediaId: media.body.id,
      menuId: menu.body.id,
      reviewId: review.body.data[0].id,
      photoId,
      versionId: themeVersion.body.versions[0].id,
      productHandle: p1.handle,
      marketId: market.body.id,
      zoneId: zone.body.id,
      taxRateId: taxRate.body.id,
      draftOrderId: draft.body.id,
      customerId,
      editId: edit.body.id,
      cookie,
      userId: user.id,
      storeId: store.id,
      schema: row.schema_name,
      productIds: [p1.id, p2.id, p3.id],
      variantIds: [p1.variants[0].id, p2.variants[0].id, p3.variants[0].id],
      collectionId: coll.body.id,
      importId: imp.body.id,
      orderId: order.id,
      looseProductId: p3.id,
      settingsId: settings.body.id,
      changeId,
      supplierId: supplier.body.id,
      runId: run.body.jobId,
      inventoryRunId: invRun.body.jobId,
    };
  }

  /** Everything of a tenant, straight from the database. */
  async function snapshot(t: Tenant) {
    const db = p.db.tenant(t.schema);
    const search = searchDb(db);
    return {
      store: await p.db.control.selectFrom('stores').selectAll().where('id', '=', t.storeId).executeTakeFirst(),
      memberships: await p.db.control.selectFrom('memberships').selectAll().where('store_id', '=', t.storeId).orderBy('user_id').execute(),
      invitations: await p.db.control.selectFrom('invitations').selectAll().where('store_id', '=', t.storeId).orderBy('id').execute(),
      storeJobs: await p.db.control.selectFrom('store_jobs').selectAll().where('store_id', '=', t.storeId).orderBy('id').execute(),
      settings: await db.selectFrom('store_settings').selectAll().orderBy('key').execute(),
      audit: await p.db.control.selectFrom('audit_log').select(['id', 'action']).where('store_id', '=', t.storeId).orderBy('id').execute(),
      products: await db.selectFrom('products').selectAll().orderBy('id').execute(),
      variants: await db.selectFrom('variants').selectAll().orderBy('id').execute(),
      images: await db.selectFrom('images').selectAll().orderBy('id').execute(),
      collections: await db.selectFrom('collections').selectAll().orderBy('id').execute(),
      collectionProducts: await db.selectFrom('collection_products').selectAll().orderBy('collection_id').orderBy('product_id').execute(),
      adjustments: await db.selectFrom('inventory_adjustments').selectAll().orderBy('id').execute(),
      imports: await db.selectFrom('imports').selectAll().orderBy('id').execute(),
      pricingSettings: await db.selectFrom('pricing_settings').selectAll().orderBy('id').execute(),
      priceChanges: await db.selectFrom('price_changes').selectAll().orderBy('id').execute(),
      suppliers: await db.selectFrom('suppliers').selectAll().orderBy('id').execute(),
      inventoryPolicies: await db.selectFrom('inventory_policies').selectAll().orderBy('variant_id').execute(),
      webhooks: await db.selectFrom('webhook_subscriptions').selectAll().orderBy('id').execute(),
      webhookDeliveries: await db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute(),
      orders: await db.selectFrom('orders').selectAll().orderBy('id').execute(),
      payments: await db.selectFrom('payments').selectAll().orderBy('id').execute(),
      refundLines: await db.selectFrom('refund_lines').selectAll().orderBy('id').execute(),
      returns: await db.selectFrom('returns').selectAll().orderBy('id').execute(),
      returnLines: await db.selectFrom('return_lines').selectAll().orderBy('id').execute(),
      draftOrders: await db.selectFrom('draft_orders').selectAll().orderBy('id').execute(),
      orderEdits: await db.selectFrom('order_edits').selectAll().orderBy('id').execute(),
      searchConfig: await search.selectFrom('search_config').selectAll().execute(),
      searchSynonyms: await search.selectFrom('search_synonyms').selectAll().orderBy('id').execute(),
      searchPins: await search.selectFrom('search_pins').selectAll().orderBy('id').execute(),
      discounts: await db.selectFrom('discounts').selectAll().orderBy('id').execute(),
      discountUsages: await db.selectFrom('discount_usages').selectAll().orderBy('id').execute(),
      giftCards: await db.selectFrom('gift_cards').selectAll().orderBy('id').execute(),
      giftCardLedger: await db.selectFrom('gift_card_ledger').selectAll().orderBy('id').execute(),
      privacyRequests: await db.selectFrom('privacy_requests').selectAll().orderBy('id').execute(),
      pages: await db.selectFrom('pages').selectAll().orderBy('id').execute(),
      articles: await db.selectFrom('articles').selectAll().orderBy('id').execute(),
      menus: await db.selectFrom('menus').selectAll().orderBy('id').execute(),
      policies: await db.selectFrom('policies').selectAll().orderBy('kind').execute(),
      productMedia: await db.selectFrom('product_media').selectAll().orderBy('id').execute(),
      reviews: await db.selectFrom('reviews').selectAll().orderBy('id').execute(),
      reviewPhotos: await db.selectFrom('review_photos').selectAll().orderBy('id').execute(),
      themeTemplates: await db.selectFrom('theme_templates').selectAll().orderBy('template').execute(),
      themeVersions: await db.selectFrom('theme_versions').selectAll().orderBy('id').execute(),
      customerTokens: await db.selectFrom('customer_tokens').selectAll().orderBy('token_hash').execute(),
      markets: await db.selectFrom('markets').selectAll().orderBy('id').execute(),
      marketCountries: await db.selectFrom('market_countries').selectAll().orderBy('country').execute(),
      marketPrices: await db.selectFrom('market_prices').selectAll().orderBy('variant_id').execute(),
      priceHistory: await db.selectFrom('variant_price_history').selectAll().orderBy('id').execute(),
      shippingZones: await db.selectFrom('shipping_zones').selectAll().orderBy('id').execute(),
      shippingZoneCountries: await db.selectFrom('shipping_zone_countries').selectAll().orderBy('country').execute(),
      shippingZoneRates: await db.selectFrom('shipping_zone_rates').selectAll().orderBy('id').execute(),
      taxRates: await db.selectFrom('tax_rates').selectAll().orderBy('id').execute(),
      analyticsDaily: await db.selectFrom('analytics_daily').selectAll().orderBy('day').orderBy('currency').orderBy('market_id').execute(),
      analyticsProducts: await db.selectFrom('analytics_product_daily').selectAll().orderBy('day').orderBy('product_id').execute(),
      analyticsPending: await db.selectFrom('analytics_pending').selectAll().orderBy('order_id').execute(),
    };
  }

  function call(op: Operation, ids: Record<string, string>, auth: { cookie?: string; token?: string }, bodyOwner: Tenant): Promise<ApiResponse> {
    const fixture = fixtures[`${op.method} ${op.template}`];
    if (op.hasBody && !fixture) throw new Error(`no request-body fixture for ${op.method.toUpperCase()} ${op.template}: add one to isolation.test.ts`);
    const query = queries[`${op.method} ${op.template}`];
    return p.request(op.method.toUpperCase(), `/api/v1${fill(op.template, ids)}${query ? `?${query}` : ''}`, {
      ...auth,
      ...(fixture ? fixture(bodyOwner) : {}),
    });
  }

  const label = (op: Operation, what: string) => `${op.method.toUpperCase()} ${op.template} (${what})`;

  function expectNotFound(res: ApiResponse, what: string, code: 'store_not_found' | 'not_found') {
    expect(res.status, `${what}: ${res.text}`).toBe(404);
    expect(res.body?.error?.code, what).toBe(code);
    // Nothing of B's leaks into the refusal.
    for (const secret of ['secret product', b.schema, b.userId]) expect(res.text, what).not.toContain(secret);
  }

  beforeAll(async () => {
    p = await startTestPlatform();
    a = await setUpTenant('alpha');
    b = await setUpTenant('bravo');
    const created = await p.request('POST', '/api/v1/me/api-tokens', { cookie: a.cookie, body: { name: 'alpha script', scopes: [...API_SCOPES] } });
    expect(created.status).toBe(201);
    aToken = created.body.token;

    const doc = await p.request('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    operations = [];
    for (const [template, item] of Object.entries(doc.body.paths as Record<string, Record<string, { requestBody?: unknown }>>)) {
      if (!template.startsWith('/stores/{storeId}')) continue;
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        operations.push({
          method,
          template,
          params: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).filter((x) => !(x in FIXED_PATH_VALUES)),
          hasBody: op.requestBody !== undefined,
        });
      }
    }
  });
  afterAll(async () => {
    await p.close();
  });

  it('finds every store-scoped route in the OpenAPI document, with only known path parameters', () => {
    // Sanity: the iteration below is not vacuous.
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const keys = operations.map((o) => `${o.method} ${o.template}`);
    for (const k of [
      'get /stores/{storeId}',
      'patch /stores/{storeId}',
      'delete /stores/{storeId}',
      'get /stores/{storeId}/products/{productId}',
      'delete /stores/{storeId}/collections/{collectionId}/products/{productId}',
      'get /stores/{storeId}/variants/{variantId}/inventory-adjustments',
      'get /stores/{storeId}/imports/{importId}',
      'get /stores/{storeId}/team',
      'delete /stores/{storeId}/members/{userId}',
      'put /stores/{storeId}/settings',
      'delete /stores/{storeId}/products/{productId}/images/{imageId}',
      'post /stores/{storeId}/domain/verify',
      'post /stores/{storeId}/jobs/{jobId}/retry',
      'patch /stores/{storeId}/discounts/{discountId}',
      'delete /stores/{storeId}/discounts/{discountId}',
      'get /stores/{storeId}/gift-cards/{giftCardId}',
      'put /stores/{storeId}/promotion-settings',
      'get /stores/{storeId}/abandoned-checkouts',
      'post /stores/{storeId}/launch',
      'get /stores/{storeId}/home',
      'post /stores/{storeId}/pages',
      'delete /stores/{storeId}/pages/{pageId}',
      'patch /stores/{storeId}/menus/{menuId}',
      'patch /stores/{storeId}/policies',
      'patch /stores/{storeId}/articles/{articleId}',
      'post /stores/{storeId}/products/{productId}/media',
      'delete /stores/{storeId}/products/{productId}/media/{mediaId}',
      'put /stores/{storeId}/theme/templates/{template}/draft',
      'post /stores/{storeId}/theme/templates/{template}/versions/{versionId}/restore',
      'post /stores/{storeId}/theme/preview',
    ])
      expect(keys).toContain(k);
    const known = new Set(['storeId', ...Object.keys(objectIds(b))]);
    for (const op of operations) for (const param of op.params) expect(known.has(param), `${op.template}: unknown path parameter {${param}}`).toBe(true);
    for (const op of operations) if (op.hasBody) expect(fixtures[`${op.method} ${op.template}`], `fixture for ${op.method} ${op.template}`).toBeDefined();
  });

  it('B can use every GET route with its own ids (so the 404s below are about access, not bad ids)', async () => {
    for (const op of operations.filter((o) => o.method === 'get')) {
      const res = await call(op, { storeId: b.storeId, ...objectIds(b) }, { cookie: b.cookie }, b);
      expect(res.status, label(op, 'B on B')).toBe(200);
    }
  });

  it('every store-scoped route is 404 for A with B’s store id and object ids, and B’s data is unchanged', async () => {
    const before = await snapshot(b);
    const beforeA = await snapshot(a);
    const productsBefore = await p.request('GET', `/api/v1/stores/${b.storeId}/products?limit=250`, { cookie: b.cookie });
    expect(productsBefore.body.data).toHaveLength(3);

    // Writes last, so a leaking write cannot mask a leaking read.
    const ordered = [...operations.filter((o) => o.method === 'get'), ...operations.filter((o) => o.method !== 'get')];
    for (const op of ordered) {
      for (const [what, auth] of [
        ['cookie', { cookie: a.cookie }],
        ['token', { token: aToken }],
      ] as const) {
        const res = await call(op, { storeId: b.storeId, ...objectIds(b) }, auth, b);
        expectNotFound(res, label(op, `A ${what} on B's store`), 'store_not_found');
      }
      // The refusal is the same as for a store that does not exist.
      const missing = await call(op, { storeId: randomUUID(), ...objectIds(b) }, { cookie: a.cookie }, b);
      const real = await call(op, { storeId: b.storeId, ...objectIds(b) }, { cookie: a.cookie }, b);
      expect(real.body, label(op, 'same as a missing store')).toEqual(missing.body);
    }

    expect(await snapshot(b)).toEqual(before);
    expect(await snapshot(a)).toEqual(beforeA);
    const productsAfter = await p.request('GET', `/api/v1/stores/${b.storeId}/products?limit=250`, { cookie: b.cookie });
    expect(productsAfter.body).toEqual(productsBefore.body);
    const storeAfter = await p.request('GET', `/api/v1/stores/${b.storeId}`, { cookie: b.cookie });
    expect(storeAfter.status).toBe(200);
    expect(storeAfter.body.status).toBe('active');
  });

  it('B’s object ids inside A’s store path are 404, indistinguishable from ids that do not exist', async () => {
    const before = await snapshot(b);
    const beforeA = await snapshot(a);
    const withObjects = operations.filter((o) => o.params.some((x) => x !== 'storeId'));
    expect(withObjects.length).toBeGreaterThanOrEqual(10);
    const ordered = [...withObjects.filter((o) => o.method === 'get'), ...withObjects.filter((o) => o.method !== 'get')];
    for (const op of ordered) {
      const res = await call(op, { storeId: a.storeId, ...objectIds(b) }, { cookie: a.cookie }, a);
      expectNotFound(res, label(op, "A's store, B's ids"), 'not_found');
      const forged = Object.fromEntries(Object.keys(objectIds(b)).map((k) => [k, randomUUID()]));
      const missing = await call(op, { storeId: a.storeId, ...forged }, { cookie: a.cookie }, a);
      expectNotFound(missing, label(op, "A's store, forged ids"), 'not_found');
      expect(res.body, label(op, 'same as forged ids')).toEqual(missing.body);

      // Mixed: A's own object for all but one parameter, B's for that one.
      const own = objectIds(a);
      for (const param of op.params.filter((x) => x !== 'storeId')) {
        const mixed = await call(op, { storeId: a.storeId, ...own, [param]: objectIds(b)[param] as string }, { cookie: a.cookie }, a);
        expectNotFound(mixed, label(op, `A's store, B's ${param}`), 'not_found');
      }
    }
    expect(await snapshot(b)).toEqual(before);
    expect(await snapshot(a)).toEqual(beforeA);
  });

  it('forged and non-uuid store and object ids are 404', async () => {
    const beforeA = await snapshot(a);
    for (const op of operations) {
      for (const storeId of [randomUUID(), 'not-a-uuid', '00000000-0000-0000-0000-000000000000', `${a.storeId}x`, a.storeId.toUpperCase()]) {
        const res = await call(op, { storeId, ...objectIds(a) }, { cookie: a.cookie }, a);
        expect(res.status, label(op, `store ${storeId}`)).toBe(404);
        expect(res.body.error.code).toBe('store_not_found');
      }
      if (op.params.length > 1) {
        for (const bad of ['not-a-uuid', '1 or 1=1', randomUUID()]) {
          const ids = Object.fromEntries(Object.keys(objectIds(a)).map((k) => [k, bad]));
          const res = await call(op, { storeId: a.storeId, ...ids }, { cookie: a.cookie }, a);
          expect(res.status, label(op, `object id ${bad}`)).toBe(404);
          expect(res.body.error.code).toBe('not_found');
        }
      }
    }
    expect(await snapshot(a)).toEqual(beforeA);
  });

  it('every store-scoped route is 401 without authentication', async () => {
    const before = await snapshot(b);
    for (const op of operations) {
      const res = await call(op, { storeId: b.storeId, ...objectIds(b) }, {}, b);
      expect(res.status, label(op, 'anonymous')).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
      const forged = await call(op, { storeId: 'not-a-uuid', ...objectIds(b) }, {}, b);
      expect(forged.status, label(op, 'anonymous, forged id')).toBe(401);
    }
    expect(await snapshot(b)).toEqual(before);
  });

  it('B’s ids in request bodies and filters are refused without linking anything', async () => {
    const before = await snapshot(b);
    const beforeA = await snapshot(a);
    const base = `/api/v1/stores/${a.storeId}`;
    const mine = await p.request('GET', `${base}/products/${a.productIds[0]}`, { cookie: a.cookie });
    expect(mine.status).toBe(200);

    const withForeignCollection = await p.request('POST', `${base}/products`, {
      cookie: a.cookie,
      body: { title: 'Sneaky', variants: [{ sku: `SN-${rnd()}`, price: 1 }], collectionIds: [b.collectionId] },
    });
    expect(withForeignCollection.status).toBe(400);
    const addForeign = await p.request('POST', `${base}/collections/${a.collectionId}/products`, { cookie: a.cookie, body: { productIds: [b.productIds[2]] } });
    expect(addForeign.status).toBe(400);
    const collWithForeign = await p.request('POST', `${base}/collections`, { cookie: a.cookie, body: { title: 'Sneaky', productIds: [b.productIds[0]] } });
    expect(collWithForeign.status).toBe(400);
    const foreignVariant = await p.request('PATCH', `${base}/products/${a.productIds[0]}`, {
      cookie: a.cookie,
      body: { version: mine.body.version, variants: [{ id: b.variantIds[0], price: 1 }] },
    });
    expect(foreignVariant.status).toBe(400);
    const patchCollections = await p.request('PATCH', `${base}/products/${a.productIds[0]}`, {
      cookie: a.cookie,
      body: { version: mine.body.version, collectionIds: [b.collectionId] },
    });
    expect(patchCollections.status).toBe(400);

    const filtered = await p.request('GET', `${base}/products?collectionId=${b.collectionId}`, { cookie: a.cookie });
    expect(filtered.status).toBe(200);
    expect(filtered.body.data).toEqual([]);
    const searched = await p.request('GET', `${base}/products?q=${encodeURIComponent('bravo secret')}`, { cookie: a.cookie });
    expect(searched.status).toBe(200);
    expect(searched.body.data).toEqual([]);

    expect(await snapshot(b)).toEqual(before);
    expect(await snapshot(a)).toEqual(beforeA);
  });

  it('A’s listings show only A’s data', async () => {
    const stores = await p.request('GET', '/api/v1/stores', { cookie: a.cookie });
    expect(stores.body.data.map((s: { id: string }) => s.id)).toEqual([a.storeId]);
    const products = await p.request('GET', `/api/v1/stores/${a.storeId}/products?limit=250`, { cookie: a.cookie });
    expect(products.body.data.map((x: { id: string }) => x.id).sort()).toEqual([...a.productIds].sort());
    expect(products.text).not.toContain('bravo');
    const collections = await p.request('GET', `/api/v1/stores/${a.storeId}/collections`, { cookie: a.cookie });
    expect(collections.body.data.map((x: { id: string }) => x.id)).toEqual([a.collectionId]);
    const imports = await p.request('GET', `/api/v1/stores/${a.storeId}/imports`, { cookie: a.cookie });
    expect(imports.body.data.map((x: { id: string }) => x.id)).toEqual([a.importId]);
    const customers = await p.request('GET', `/api/v1/stores/${a.storeId}/customers?limit=250`, { cookie: a.cookie });
    expect(customers.body.items.map((x: { id: string }) => x.id)).toEqual([a.customerId]);
    const searchedCustomers = await p.request('GET', `/api/v1/stores/${a.storeId}/customers?query=bravo`, { cookie: a.cookie });
    expect(searchedCustomers.body.items).toEqual([]);
    const history = await p.request('GET', `/api/v1/stores/${a.storeId}/variants/${a.variantIds[0]}/inventory-adjustments`, { cookie: a.cookie });
    expect(history.status).toBe(200);
    expect(history.body.data.length).toBeGreaterThanOrEqual(1);
    expect(history.body.data.every((h: { actorUserId: string | null }) => h.actorUserId === a.userId)).toBe(true);
  });

  it('each store’s schema holds only its own rows (SQL)', async () => {
    expect(a.schema).not.toBe(b.schema);
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const t = p.db.tenant(self.schema);
      expect(await t.selectFrom('products').select('id').where('id', 'in', other.productIds).execute()).toEqual([]);
      expect(await t.selectFrom('variants').select('id').where('id', 'in', other.variantIds).execute()).toEqual([]);
      expect(await t.selectFrom('variants').select('id').where('product_id', 'in', other.productIds).execute()).toEqual([]);
      expect(await t.selectFrom('collections').select('id').where('id', '=', other.collectionId).execute()).toEqual([]);
      expect(await t.selectFrom('collection_products').select('product_id').where('product_id', 'in', other.productIds).execute()).toEqual([]);
      expect(await t.selectFrom('imports').select('id').where('id', '=', other.importId).execute()).toEqual([]);
      expect(await t.selectFrom('inventory_adjustments').select('id').where('variant_id', 'in', other.variantIds).execute()).toEqual([]);
      const ids = (await t.selectFrom('products').select('id').execute()).map((r) => r.id).sort();
      expect(ids).toEqual([...self.productIds].sort());
    }
  });
});
