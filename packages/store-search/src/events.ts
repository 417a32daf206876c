/**
 * What the catalogue tells search: a product changed (created, edited,
 * deleted, stock moved) or many did (import). Producers call these after
 * their write has committed; a failed enqueue is logged, not thrown (the
 * write stands, and the consistency check repairs the index).
 */
import type { Database } from '@storeloom/db';
import { sql } from 'kysely';
import { searchDb } from './tables.ts';
import { type Queues, searchIndexProductJob, searchReindexStoreJob } from '@storeloom/jobs';

export interface CatalogEvents {
  productChanged(storeId: string, productId: string): Promise<void>;
  variantChanged(storeId: string, schema: string, variantId: string): Promise<void>;
  productsImported(storeId: string, importId: string, since: Date): Promise<void>;
  /**
   * A collection was renamed or deleted: its products' documents carry its title as a facet value. Pass the
   * member product ids read BEFORE a delete (the membership rows go with the collection).
   */
  collectionChanged(storeId: string, collectionId: string, productIds: readonly string[]): Promise<void>;
  /** Published reviews of these products changed (published, hidden, deleted, imported): their rating signal moved. */
  reviewsChanged(storeId: string, productIds: readonly string[]): Promise<void>;
}

/** Above this many member products, one store reindex (unchanged documents are skipped) beats a job per product. */
const COLLECTION_REINDEX_THRESHOLD = 200;

/** Delay past the end of the change's second, so the job reads every edit of its bucket. */
const SETTLE_MS = 250;

const warn = (err: unknown) => process.emitWarning(`search indexing not queued: ${err instanceof Error ? err.message : String(err)}`);

export function queueCatalogEvents(db: Database, queues: Queues, onError: (err: unknown) => void = warn): CatalogEvents {
  const enqueueProduct = async (storeId: string, productId: string) => {
    const now = Date.now();
    const bucket = Math.floor(now / 1000);
    await queues.enqueue(searchIndexProductJob, { storeId, productId, bucket }, { delay: (bucket + 1) * 1000 - now + SETTLE_MS });
  };
  return {
    async productChanged(storeId, productId) {
      await enqueueProduct(storeId, productId).catch(onError);
    },
    async variantChanged(storeId, schema, variantId) {
      try {
        const row = await db.tenant(schema).selectFrom('variants').select('product_id').where('id', '=', variantId).executeTakeFirst();
        if (row) await enqueueProduct(storeId, row.product_id);
      } catch (err) {
        onError(err);
      }
    },
    async productsImported(storeId, importId, since) {
      await queues.enqueue(searchReindexStoreJob, { storeId, since: since.toISOString(), requestId: `import-${importId}` }).catch(onError);
    },
    async collectionChanged(storeId, collectionId, productIds) {
      if (productIds.length > COLLECTION_REINDEX_THRESHOLD) {
        // One job per change: the request id carries the collection and the second, so a burst of renames shares it.
        const requestId = `collection-${collectionId}-${Math.floor(Date.now() / 1000)}`;
        await queues.enqueue(searchReindexStoreJob, { storeId, requestId }).catch(onError);
        return;
      }
      for (const productId of new Set(productIds)) await enqueueProduct(storeId, productId).catch(onError);
    },
    async reviewsChanged(storeId, productIds) {
      if (productIds.length > COLLECTION_REINDEX_THRESHOLD) {
        // A large review import: one store reindex (documents whose rating did not move stay unchanged).
        await queues.enqueue(searchReindexStoreJob, { storeId, requestId: `reviews-${Math.floor(Date.now() / 1000)}` }).catch(onError);
        return;
      }
      for (const productId of new Set(productIds)) await enqueueProduct(storeId, productId).catch(onError);
    },
  };
}

/**
 * Stores whose index predates per-language search (issue 19): a product with translated text (title, description or
 * option values) whose index document carries no `translations`. Each gets one store reindex (job id
 * `translations-1`, so repeated boots share the queued job; once reindexed the store no longer matches). The worker
 * runs this at start, in the background: no merchant has to press "reindex". Returns the stores queued.
 */
export async function queueTranslationReindexes(db: Database, queues: Queues): Promise<number> {
  const stores = await db.control
    .selectFrom('stores')
    .select(['id', 'schema_name'])
    .where('status', 'in', ['active', 'suspended'])
    .orderBy('created_at')
    .execute();
  let queued = 0;
  for (const store of stores) {
    const stale = await searchDb(db.tenant(store.schema_name))
      .selectFrom('product_translations as pt')
      .innerJoin('search_documents as sd', 'sd.product_id', 'pt.product_id')
      .select('pt.product_id')
      .where('sd.deleted', '=', false)
      .where(sql<boolean>`sd.doc->'translations' is null`)
      .where((eb) => eb.or([eb('pt.title', '<>', ''), eb('pt.description', '<>', ''), eb('pt.options', 'is not', null)]))
      .limit(1)
      .executeTakeFirst();
    if (!stale) continue;
    await queues.enqueue(searchReindexStoreJob, { storeId: store.id, requestId: 'translations-1' });
    queued++;
  }
  return queued;
}

/** For apps that do not index (or tests of other areas). */
export const noCatalogEvents: CatalogEvents = {
  async productChanged() {},
  async variantChanged() {},
  async productsImported() {},
  async collectionChanged() {},
  async reviewsChanged() {},
};
