/**
 * Uploaded product images: rows in the store's `images` table pointing at an
 * object in media storage. Positions are dense (0..n-1); writes lock the
 * product row so concurrent uploads and reorders never collide.
 */
import { type Kysely, newId, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.ts';
import type { ImageView, Page } from './types.ts';

/** A product image found by a store-wide search, with the product it belongs to. */
export interface StoreImageView extends ImageView {
  productId: string;
  productTitle: string;
}

const toView = (r: { id: string; url: string; alt: string | null; position: number }): ImageView => ({
  id: r.id,
  url: r.url,
  alt: r.alt,
  position: r.position,
});

export class ProductImageService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  private async lockProduct(trx: Transaction<TenantDatabase>, productId: string) {
    const p = await trx.selectFrom('products').select('id').where('id', '=', productId).forUpdate().executeTakeFirst();
    if (!p) throw notFound('Product');
  }

  /** Storage keys of the product's uploaded images (linked URLs have none), for deleting the files with it. */
  async uploadedKeys(productId: string): Promise<string[]> {
    const rows = await this.t.selectFrom('images').select('storage_key').where('product_id', '=', productId).where('storage_key', 'is not', null).execute();
    return rows.flatMap((r) => (r.storage_key ? [r.storage_key] : []));
  }

  async exists(productId: string): Promise<boolean> {
    return Boolean(await this.t.selectFrom('products').select('id').where('id', '=', productId).executeTakeFirst());
  }

  async list(productId: string): Promise<ImageView[]> {
    const rows = await this.t.selectFrom('images').select(['id', 'url', 'alt', 'position']).where('product_id', '=', productId).orderBy('position').execute();
    return rows.map(toView);
  }

  /**
   * Every product's images, newest product first; `query` keeps those whose alt text or product title contains it
   * (case-insensitive). For pickers (theme image settings): one page at a time, never the whole store.
   */
  async search(q: { query?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<StoreImageView>> {
    let query = this.t
      .selectFrom('images')
      .innerJoin('products', 'products.id', 'images.product_id')
      .select(['images.id', 'images.url', 'images.alt', 'images.position', 'images.product_id', 'products.title as product_title']);
    if (q.query) {
      const like = `%${q.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) => eb.or([eb('images.alt', 'ilike', like), eb('products.title', 'ilike', like)]));
    }
    // Newest product first (ids are UUIDv7), then the product's own image order; the cursor is (product id, position).
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      if (typeof c.v !== 'number' || !Number.isInteger(c.v)) throw invalidCursor();
      const position = c.v;
      query = query.where((eb) =>
        eb.or([eb('images.product_id', '<', c.id), eb.and([eb('images.product_id', '=', c.id), eb('images.position', '>', position)])]),
      );
    }
    const rows = await query
      .orderBy('images.product_id', 'desc')
      .orderBy('images.position')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => ({ ...toView(r), productId: r.product_id, productTitle: r.product_title })),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ v: last.position, id: last.product_id }) : null,
    };
  }

  /** Appends an image at the end. */
  async add(productId: string, input: { url: string; storageKey: string | null; alt: string | null }): Promise<ImageView> {
    return this.t.transaction().execute(async (trx) => {
      await this.lockProduct(trx, productId);
      const last = await trx
        .selectFrom('images')
        .select((eb) => eb.fn.max('position').as('max'))
        .where('product_id', '=', productId)
        .executeTakeFirst();
      const position = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1;
      const row = await trx
        .insertInto('images')
        .values({ id: newId(), product_id: productId, url: input.url, alt: input.alt, position, storage_key: input.storageKey, created_at: new Date() })
        .returning(['id', 'url', 'alt', 'position'])
        .executeTakeFirstOrThrow();
      await trx.updateTable('products').set({ updated_at: new Date() }).where('id', '=', productId).execute();
      return toView(row);
    });
  }

  async setAlt(productId: string, imageId: string, alt: string | null): Promise<ImageView> {
    const row = await this.t
      .updateTable('images')
      .set({ alt })
      .where('id', '=', imageId)
      .where('product_id', '=', productId)
      .returning(['id', 'url', 'alt', 'position'])
      .executeTakeFirst();
    if (!row) throw notFound('Image');
    return toView(row);
  }

  /** `imageIds` must name exactly the product's images; positions follow that order. Atomic. */
  async reorder(productId: string, imageIds: string[]): Promise<ImageView[]> {
    await this.t.transaction().execute(async (trx) => {
      await this.lockProduct(trx, productId);
      const current = await trx.selectFrom('images').select('id').where('product_id', '=', productId).execute();
      const have = new Set(current.map((r) => r.id));
      const given = new Set(imageIds);
      if (given.size !== imageIds.length || given.size !== have.size || ![...given].every((id) => have.has(id)))
        throw new AppError(ErrorCode.ValidationFailed, 'imageIds: must list each image of the product exactly once', {
          details: [{ path: 'imageIds', message: 'must list each image of the product exactly once' }],
        });
      for (const [i, id] of imageIds.entries()) await trx.updateTable('images').set({ position: i }).where('id', '=', id).execute();
      await trx.updateTable('products').set({ updated_at: new Date() }).where('id', '=', productId).execute();
    });
    return this.list(productId);
  }

  /** Removes the row and closes the gap; returns the storage key for the caller to delete after commit. */
  async remove(productId: string, imageId: string): Promise<{ storageKey: string | null }> {
    return this.t.transaction().execute(async (trx) => {
      await this.lockProduct(trx, productId);
      const row = await trx.deleteFrom('images').where('id', '=', imageId).where('product_id', '=', productId).returning(['storage_key']).executeTakeFirst();
      if (!row) throw notFound('Image');
      const rest = await trx.selectFrom('images').select('id').where('product_id', '=', productId).orderBy('position').execute();
      for (const [i, r] of rest.entries()) await trx.updateTable('images').set({ position: i }).where('id', '=', r.id).execute();
      await trx.updateTable('products').set({ updated_at: new Date() }).where('id', '=', productId).execute();
      return { storageKey: row.storage_key };
    });
  }
}
