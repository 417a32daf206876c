import { type Collection, type Kysely, newId, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation, notFound } from '@storeloom/errors';
import { slugify } from './handles.ts';
import type { CollectionView, Page } from './types.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

const toView = (c: Collection, productCount: number): CollectionView => ({
  id: c.id,
  handle: c.handle,
  title: c.title,
  description: c.description,
  version: c.version,
  productCount,
  createdAt: c.created_at,
  updatedAt: c.updated_at,
});

/** Manual collections: the merchant picks the products. */
export class CollectionService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** Product ids in a collection (read before a delete removes the membership rows). */
  async memberIds(collectionId: string): Promise<string[]> {
    const rows = await this.t.selectFrom('collection_products').select('product_id').where('collection_id', '=', collectionId).execute();
    return rows.map((r) => r.product_id);
  }

  async create(input: { title: string; handle?: string; description?: string; productIds?: string[] }): Promise<CollectionView> {
    const id = newId();
    const now = new Date();
    try {
      await this.t.transaction().execute(async (trx) => {
        let handle = input.handle;
        if (!handle) {
          const base = slugify(input.title, 'collection');
          const taken = new Set(
            (
              await trx
                .selectFrom('collections')
                .select('handle')
                .where((eb) => eb.or([eb('handle', '=', base), eb('handle', 'like', `${base}-%`)]))
                .execute()
            ).map((r) => r.handle),
          );
          handle = base;
          for (let i = 2; taken.has(handle); i++) handle = `${base}-${i}`;
        }
        await trx
          .insertInto('collections')
          .values({ id, handle, title: input.title.trim(), description: input.description ?? '', created_at: now, updated_at: now })
          .execute();
        if (input.productIds?.length) await this.addProductsTx(trx, id, input.productIds);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.HandleTaken, 'A collection with this handle already exists');
      throw e;
    }
    return (await this.get(id)) as CollectionView;
  }

  async get(id: string): Promise<CollectionView | null> {
    const row = await this.t.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const count = await this.t
      .selectFrom('collection_products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('collection_id', '=', id)
      .executeTakeFirstOrThrow();
    return toView(row, Number(count.n));
  }

  /** Collections in id (creation) order; `query` keeps those whose title or handle contains it (case-insensitive). */
  async list(limit: number, cursor?: string, query?: string): Promise<Page<CollectionView>> {
    let q = this.t
      .selectFrom('collections')
      .selectAll('collections')
      .select((eb) =>
        eb
          .selectFrom('collection_products')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('collection_products.collection_id', '=', 'collections.id')
          .as('product_count'),
      );
    if (cursor) q = q.where('collections.id', '>', decodeCursor(cursor).id);
    if (query) {
      const like = `%${query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      q = q.where((eb) => eb.or([eb('collections.title', 'ilike', like), eb('collections.handle', 'ilike', like)]));
    }
    const rows = await q
      .orderBy('collections.id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => toView(r, Number(r.product_count ?? 0))),
      nextCursor: rows.length > limit && last ? encodeCursor({ v: null, id: last.id }) : null,
    };
  }

  async update(id: string, patch: { version: number; title?: string; handle?: string; description?: string }): Promise<CollectionView> {
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.title !== undefined) set.title = patch.title.trim();
    if (patch.handle !== undefined) set.handle = patch.handle;
    if (patch.description !== undefined) set.description = patch.description;
    try {
      const r = await this.t
        .updateTable('collections')
        .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('version', '=', patch.version)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        const exists = await this.t.selectFrom('collections').select('version').where('id', '=', id).executeTakeFirst();
        if (!exists) throw notFound('Collection');
        throw new AppError(ErrorCode.VersionConflict, 'This collection was changed by someone else; reload it', {
          details: { currentVersion: exists.version },
        });
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.HandleTaken, 'A collection with this handle already exists');
      throw e;
    }
    return (await this.get(id)) as CollectionView;
  }

  async delete(id: string): Promise<void> {
    const r = await this.t.deleteFrom('collections').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Collection');
  }

  async addProducts(id: string, productIds: string[]): Promise<CollectionView> {
    await this.t.transaction().execute((trx) => this.addProductsTx(trx, id, productIds));
    return (await this.get(id)) as CollectionView;
  }

  private async addProductsTx(trx: Kysely<TenantDatabase>, id: string, productIds: string[]) {
    const unique = [...new Set(productIds)];
    const coll = await trx.selectFrom('collections').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!coll) throw notFound('Collection');
    if (!unique.length) return;
    const found = await trx.selectFrom('products').select('id').where('id', 'in', unique).execute();
    if (found.length !== unique.length)
      throw new AppError(ErrorCode.ValidationFailed, 'productIds: unknown product', { details: [{ path: 'productIds', message: 'unknown product' }] });
    const max = await trx
      .selectFrom('collection_products')
      .select((eb) => eb.fn.max('position').as('m'))
      .where('collection_id', '=', id)
      .executeTakeFirst();
    const start = Number(max?.m ?? -1) + 1;
    await trx
      .insertInto('collection_products')
      .values(unique.map((p, i) => ({ collection_id: id, product_id: p, position: start + i })))
      .onConflict((oc) => oc.columns(['collection_id', 'product_id']).doNothing())
      .execute();
  }

  async removeProduct(id: string, productId: string): Promise<void> {
    const r = await this.t.deleteFrom('collection_products').where('collection_id', '=', id).where('product_id', '=', productId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('Collection product');
  }
}
