/**
 * What a store job worked on, in words for the jobs page: the import's file name, the product's or collection's
 * title, resolved from the job's payload in the store's own schema (one query per kind of subject, whatever the
 * page size). A subject deleted since reads as `deleted`; whole-store work has no subject. Never an id.
 */
import { isUuid, type Kysely, type TenantDatabase } from '@storeloom/db';

export interface JobSubject {
  /** The name of what the job worked on; null when it worked on the whole store or its subject is gone. */
  subject: string | null;
  /** The subject the payload named no longer exists. */
  subjectDeleted: boolean;
  /** Counts the job reports ("120 of 300 rows"), or null. */
  progressCount: { done: number; total: number } | null;
}

type Ref = { kind: 'import' | 'product' | 'collection'; id: string } | null;

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** The subject a job's envelope (`{ v, payload }`) names, if any. */
export function subjectRef(name: string, data: unknown): Ref {
  const payload = ((data as { payload?: unknown } | null)?.payload ?? {}) as Record<string, unknown>;
  const uuid = (v: unknown) => {
    const s = str(v);
    return s && isUuid(s) ? s : null;
  };
  if (name === 'catalog.import-products') {
    const id = uuid(payload.importId);
    return id ? { kind: 'import', id } : null;
  }
  if (name === 'search.index-product') {
    const id = uuid(payload.productId);
    return id ? { kind: 'product', id } : null;
  }
  if (name === 'search.reindex-store') {
    // The reindex after an import names the import; after a large collection change, the collection.
    const m = /^(import|collection)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-|$)/.exec(str(payload.requestId) ?? '');
    return m ? { kind: m[1] as 'import' | 'collection', id: m[2] as string } : null;
  }
  return null;
}

export async function jobSubjects(db: Kysely<TenantDatabase> | null, jobs: readonly { name: string; data: unknown }[]): Promise<JobSubject[]> {
  const refs = jobs.map((j) => subjectRef(j.name, j.data));
  const ids = (kind: NonNullable<Ref>['kind']) => [...new Set(refs.flatMap((r) => (r?.kind === kind ? [r.id] : [])))];
  const importIds = ids('import');
  const productIds = ids('product');
  const collectionIds = ids('collection');
  const [imports, products, collections] = db
    ? await Promise.all([
        importIds.length ? db.selectFrom('imports').select(['id', 'filename', 'processed_rows', 'total_rows']).where('id', 'in', importIds).execute() : [],
        productIds.length ? db.selectFrom('products').select(['id', 'title']).where('id', 'in', productIds).execute() : [],
        collectionIds.length ? db.selectFrom('collections').select(['id', 'title']).where('id', 'in', collectionIds).execute() : [],
      ])
    : [[], [], []];
  const importById = new Map(imports.map((i) => [i.id, i]));
  const titles = new Map([...products, ...collections].map((r) => [r.id, r.title]));
  return jobs.map((j, i) => {
    const ref = refs[i];
    if (!ref || !db) return { subject: null, subjectDeleted: false, progressCount: null };
    if (ref.kind === 'import') {
      const imp = importById.get(ref.id);
      if (!imp) return { subject: null, subjectDeleted: true, progressCount: null };
      // Only the import job itself reports its rows; the reindex after it is named by the file.
      const counts =
        j.name === 'catalog.import-products' && imp.total_rows > 0 ? { done: Math.min(imp.processed_rows, imp.total_rows), total: imp.total_rows } : null;
      return { subject: imp.filename, subjectDeleted: false, progressCount: counts };
    }
    const title = titles.get(ref.id);
    return { subject: title ?? null, subjectDeleted: title === undefined, progressCount: null };
  });
}
