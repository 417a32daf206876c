/** Import records: the uploaded file, its status and per-row errors, in the store's schema. */
import { type ImportRecord, type Kysely, newId, type TenantDatabase } from '@storeloom/db';
import { notFound } from '@storeloom/errors';
import type { CatalogLimits } from './limits.ts';
import { type ImageFetcher, type ImportCounters, type ImportPreview, importProductsCsv, previewProductsCsv, type StoredImageCleanup } from './csv-import.ts';

export interface ImportView {
  id: string;
  kind: string;
  status: ImportRecord['status'];
  filename: string | null;
  totalRows: number;
  processedRows: number;
  progress: number;
  createdCount: number;
  updatedCount: number;
  errorCount: number;
  errors: ImportRecord['errors'];
  warningCount: number;
  warnings: ImportRecord['warnings'];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const toImportView = (r: ImportRecord): ImportView => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  filename: r.filename,
  totalRows: r.total_rows,
  processedRows: r.processed_rows,
  progress: r.status === 'completed' ? 1 : r.total_rows ? Math.min(1, r.processed_rows / r.total_rows) : 0,
  createdCount: r.created_count,
  updatedCount: r.updated_count,
  errorCount: r.error_count,
  errors: r.errors,
  warningCount: r.warning_count,
  warnings: r.warnings,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export class ImportService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async createCsvImport(csv: string, filename: string | null, createdBy: string | null): Promise<ImportView> {
    const row = await this.t
      .insertInto('imports')
      .values({ id: newId(), kind: 'products_csv', status: 'queued', filename, source: csv, created_by: createdBy, errors: JSON.stringify([]) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toImportView(row);
  }

  async get(id: string): Promise<ImportView | null> {
    const row = await this.t.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toImportView(row) : null;
  }

  async list(limit = 20): Promise<ImportView[]> {
    const rows = await this.t
      .selectFrom('imports')
      .select([
        'id',
        'kind',
        'status',
        'filename',
        'total_rows',
        'processed_rows',
        'created_count',
        'updated_count',
        'error_count',
        'warning_count',
        'created_at',
        'started_at',
        'finished_at',
        'created_by',
      ])
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => toImportView({ ...r, source: '', errors: [], warnings: [] }));
  }

  /** What importing `csv` would do (counts, errors, warnings); nothing is written. */
  preview(csv: string, currency: string): Promise<ImportPreview> {
    return previewProductsCsv(this.t, csv, { currency });
  }

  /** Runs (or re-runs after a crash) an import; progress is saved on the record and reported to the caller. */
  async run(
    id: string,
    opts: {
      currency: string;
      /** The store's plan limits (see CatalogLimits). */
      limits: CatalogLimits;
      onProgress?: (fraction: number) => Promise<void> | void;
      /** Copies images into the store's storage (see ImageFetcher). */
      fetchImage?: ImageFetcher;
      deleteStoredImage?: StoredImageCleanup;
    },
  ): Promise<ImportView> {
    const rec = await this.t.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!rec) throw notFound('Import');
    if (rec.status === 'completed' || rec.status === 'failed') return toImportView(rec);
    await this.t.updateTable('imports').set({ status: 'running', started_at: new Date() }).where('id', '=', id).execute();
    const save = async (c: ImportCounters, status?: 'completed') => {
      await this.t
        .updateTable('imports')
        .set({
          total_rows: c.totalRows,
          processed_rows: c.processedRows,
          created_count: c.created,
          updated_count: c.updated,
          error_count: c.errors.length,
          errors: JSON.stringify(c.errors),
          warning_count: c.warnings.length,
          warnings: JSON.stringify(c.warnings),
          ...(status ? { status, finished_at: new Date() } : {}),
        })
        .where('id', '=', id)
        .execute();
    };
    try {
      const result = await importProductsCsv(this.t, rec.source, {
        currency: opts.currency,
        limits: opts.limits,
        importId: id,
        actorUserId: rec.created_by,
        ...(opts.fetchImage ? { fetchImage: opts.fetchImage } : {}),
        ...(opts.deleteStoredImage ? { deleteStoredImage: opts.deleteStoredImage } : {}),
        onProgress: async (c) => {
          await save(c);
          await opts.onProgress?.(c.totalRows ? c.processedRows / c.totalRows : 1);
        },
      });
      await save(result, 'completed');
    } catch (e) {
      // A file that cannot be parsed at all fails as a whole, with the parser's reason.
      const message = e instanceof Error ? e.message.slice(0, 500) : 'Import failed';
      await this.t
        .updateTable('imports')
        .set({ status: 'failed', finished_at: new Date(), error_count: 1, errors: JSON.stringify([{ row: 0, code: 'invalid_file', message }]) })
        .where('id', '=', id)
        .execute();
    }
    return (await this.get(id)) as ImportView;
  }
}
