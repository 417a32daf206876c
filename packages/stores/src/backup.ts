/**
 * Per-store export and clone (import of an export into a new store).
 *
 * Export: one REPEATABLE READ transaction of the store (under its role) reads
 * every exported table as `to_jsonb(row)` — Postgres's own JSON form of each
 * type — into `data/<table>.json`, writes spreadsheet CSVs of the catalogue,
 * customers and orders, copies the image/logo files from media storage into
 * `media/`, and a `manifest.json` with the format version, row counts and the
 * sha256 of every file. The archive is a `.tar.gz` in media storage under a
 * private key (never served at /media).
 *
 * Clone: the archive is verified (format version, every checksum, only known
 * tables and columns) before anything is written; rows are loaded with
 * `jsonb_populate_recordset` (the inverse of `to_jsonb`) as upserts on the
 * primary key, one tenant transaction per table batch, ids kept (schemas are
 * separate). Re-running converges, so the job is resumable; the store stays
 * `provisioning` until everything is in and only then turns `active`.
 * Secrets are not exported: customer password hashes (cloned customers set a
 * new password through the reset flow), sessions, carts, webhook secrets.
 */
import { randomBytes } from 'node:crypto';
import { type CatalogLimits, capActiveProducts, recordPriceChanges } from '@storeloom/catalog';
import { toCsv } from '@storeloom/http/csv';
import { type Database, migrateTenant, quoteIdent, sql, writeAudit } from '@storeloom/db';
import type { RawBuilder } from 'kysely';
import { AppError, ErrorCode } from '@storeloom/errors';
import {
  type ArchiveEntry,
  ArchiveFormatError,
  type ArchiveLimits,
  ArchiveTooLargeError,
  contentTypeOfKey,
  isMediaKey,
  isReviewPhotoKey,
  readArchive,
  type Storage,
  sha256Hex,
  storeStorage,
  writeArchive,
} from '@storeloom/storage';

export const EXPORT_FORMAT = 'storeloom-store-export';
export const EXPORT_FORMAT_VERSION = 1;
/** Customers imported from an archive get this unusable hash: no password verifies against it. */
export const NO_PASSWORD = '!no-password';

interface TableSpec {
  table: string;
  /** Columns never exported (secrets). */
  omit?: string[];
  /** Values for omitted NOT NULL columns on import. */
  fill?: () => Record<string, unknown>;
  /** Rows mention media URLs/keys of the source store: rewrite the store id. */
  media?: boolean;
  /** Only the rows matching this condition on the row alias `t` are exported. */
  only?: RawBuilder<unknown>;
}

/** Exported tables in load order (parents before children). */
export const EXPORT_TABLES: readonly TableSpec[] = [
  { table: 'products' },
  { table: 'variants' },
  // The store-currency price history (EU price-reduction rule); markets are not in the archive, nor their fixed prices.
  { table: 'variant_price_history', only: sql`t.market_id is null` },
  { table: 'images', media: true },
  // 3D models: the row names the .glb, its poster and its .usdz, all three copied in media/.
  { table: 'product_media', media: true },
  { table: 'collections' },
  { table: 'collection_products' },
  { table: 'suppliers' },
  { table: 'inventory_policies' },
  { table: 'inventory_adjustments' },
  { table: 'customers', omit: ['password_hash'], fill: () => ({ password_hash: NO_PASSWORD }) },
  { table: 'addresses' },
  { table: 'orders' },
  { table: 'order_lines', media: true },
  { table: 'order_events' },
  { table: 'payments' },
  { table: 'order_counter' },
  // Reviews name their order without a foreign key (an erased order leaves the review), so order is free here.
  { table: 'reviews' },
  // Shoppers' photos on reviews travel with their reviews (the files in media/, keys renamed to the target store).
  { table: 'review_photos', media: true },
  { table: 'store_settings', media: true },
  { table: 'search_config' },
  { table: 'search_synonyms' },
  { table: 'search_pins' },
  { table: 'pricing_settings' },
  // Online store content and its translations (owners before their translations; menus name the others by id).
  // Bodies, cover images and section settings may show the store's own /media files: their URLs name the store.
  { table: 'pages', media: true },
  { table: 'articles', media: true },
  { table: 'menus' },
  { table: 'policies' },
  // Theme layouts: each template's draft and published layout, and every published version (the history).
  { table: 'theme_templates', media: true },
  { table: 'theme_versions', media: true },
  { table: 'product_translations' },
  { table: 'collection_translations' },
  { table: 'page_translations' },
  { table: 'article_translations' },
  { table: 'menu_translations' },
  { table: 'store_translations' },
];
const SPEC = new Map(EXPORT_TABLES.map((t) => [t.table, t]));

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  exportedAt: string;
  store: { id: string; name: string; slug: string; currency: string; defaultLocale: string };
  schemaVersion: string | null;
  tables: Record<string, { file: string; rows: number; columns: string[] }>;
  files: { path: string; bytes: number; sha256: string; rows?: number }[];
}

export interface ExportResult {
  key: string;
  bytes: number;
  sha256: string;
  formatVersion: number;
  rows: Record<string, number>;
  mediaFiles: number;
}

type Row = Record<string, unknown>;
type Tx = Parameters<Parameters<Database['tenantTransaction']>[1]>[0];

const invalid = (message: string) => new AppError(ErrorCode.ArchiveInvalid, message);
const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Columns (name → SQL type) and primary key of a tenant table, from the catalogue (readable by the store role). The
 * table is found by its qualified name (to_regclass: pg_class's index on name and namespace, through the catalogue
 * cache) and its columns and primary key by its oid. Joined on pg_namespace.nspname and pg_class.relname instead,
 * the planner fetched the table by name alone, the same table of every store on the cluster, and read pg_namespace
 * sequentially to match the schema: work that grew with the number of stores, once per exported table.
 */
export async function tableShape(trx: Tx, schema: string, table: string): Promise<{ columns: Map<string, string>; pk: string[] }> {
  const cols = await sql<{ name: string; type: string; pk: boolean }>`
    select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
           coalesce(a.attnum = any(k.indkey), false) as pk
      from pg_catalog.pg_attribute a
      left join pg_catalog.pg_index k on k.indrelid = a.attrelid and k.indisprimary
     where a.attrelid = pg_catalog.to_regclass(${`${quoteIdent(schema)}.${quoteIdent(table)}`})
       and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
     order by a.attnum`.execute(trx);
  return { columns: new Map(cols.rows.map((r) => [r.name, r.type])), pk: cols.rows.filter((r) => r.pk).map((r) => r.name) };
}

// ---------- CSV for spreadsheets ----------

// The platform's one CSV rule (formula injection neutralised, RFC 4180 quoting): @storeloom/http/csv.
const csv = (header: string[], rows: unknown[][]) => toCsv([header, ...rows]);

function catalogueCsv(data: Record<string, Row[]>): string {
  const products = new Map((data.products ?? []).map((p) => [p.id, p]));
  const rows = (data.variants ?? [])
    .map((v) => ({ v, p: products.get(v.product_id) }))
    .filter((x): x is { v: Row; p: Row } => !!x.p)
    .sort((a, b) => String(a.p.handle).localeCompare(String(b.p.handle)) || Number(a.v.position) - Number(b.v.position))
    .map(({ p, v }) => [
      p.handle,
      p.title,
      p.status,
      p.vendor,
      p.product_type,
      p.tags,
      v.sku,
      v.title,
      v.price,
      v.compare_at_price,
      v.inventory_quantity,
      p.id,
      v.id,
    ]);
  return csv(
    [
      'handle',
      'title',
      'status',
      'vendor',
      'product_type',
      'tags',
      'sku',
      'variant_title',
      'price_minor_units',
      'compare_at_price_minor_units',
      'inventory_quantity',
      'product_id',
      'variant_id',
    ],
    rows,
  );
}

function customersCsv(data: Record<string, Row[]>): string {
  const addr = new Map<unknown, Row>();
  for (const a of data.addresses ?? []) if (!addr.has(a.customer_id)) addr.set(a.customer_id, a);
  const rows = (data.customers ?? []).map((c) => {
    const a = addr.get(c.id);
    return [c.id, c.email, c.name, c.created_at, a?.line1, a?.city, a?.postal_code, a?.country];
  });
  return csv(['id', 'email', 'name', 'created_at', 'address_line1', 'address_city', 'address_postal_code', 'address_country'], rows);
}

function ordersCsv(data: Record<string, Row[]>): string {
  const rows = [...(data.orders ?? [])]
    .sort((a, b) => Number(a.number) - Number(b.number))
    .map((o) => [
      o.number,
      o.created_at,
      o.email,
      o.customer_name,
      o.status,
      o.payment_status,
      o.fulfillment_status,
      o.currency,
      o.subtotal,
      o.shipping,
      o.tax,
      o.total,
      o.refunded,
      o.item_count,
      o.id,
    ]);
  return csv(
    [
      'number',
      'created_at',
      'email',
      'customer_name',
      'status',
      'payment_status',
      'fulfillment_status',
      'currency',
      'subtotal_minor_units',
      'shipping_minor_units',
      'tax_minor_units',
      'total_minor_units',
      'refunded_minor_units',
      'item_count',
      'id',
    ],
    rows,
  );
}

// ---------- export ----------

export interface ExportSource {
  id: string;
  name: string;
  slug: string;
  currency: string;
  default_locale: string;
  schema_name: string;
  schema_version: string | null;
}

/** Builds the archive bytes of one store (consistent snapshot) and its manifest. */
export async function buildStoreExport(
  db: Database,
  storage: Storage,
  store: ExportSource,
  onProgress: (fraction: number) => Promise<void> | void = () => {},
): Promise<{ archive: Uint8Array; manifest: ExportManifest; mediaFiles: number }> {
  const data: Record<string, Row[]> = {};
  const columns: Record<string, string[]> = {};
  await db
    .tenant(store.schema_name)
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      let i = 0;
      for (const spec of EXPORT_TABLES) {
        const shape = await tableShape(trx, store.schema_name, spec.table);
        const keep = [...shape.columns.keys()].filter((c) => !spec.omit?.includes(c));
        const order = shape.pk.length ? sql.join(shape.pk.map((c) => sql.ref(`t.${c}`))) : sql`1`;
        const res = await sql<{
          r: Row;
        }>`select to_jsonb(t) as r from ${sql.table(`${store.schema_name}.${spec.table}`)} as t ${spec.only ? sql`where ${spec.only}` : sql``} order by ${order}`.execute(
          trx,
        );
        data[spec.table] = res.rows.map(({ r }) => Object.fromEntries(keep.map((c) => [c, r[c] ?? null])));
        columns[spec.table] = keep;
        await onProgress((++i / EXPORT_TABLES.length) * 0.6);
      }
    });

  const entries: ArchiveEntry[] = [];
  const files: ExportManifest['files'] = [];
  const add = (path: string, body: Uint8Array, rows?: number) => {
    entries.push({ path, body });
    files.push({ path, bytes: body.length, sha256: sha256Hex(body), ...(rows !== undefined ? { rows } : {}) });
  };
  const tables: ExportManifest['tables'] = {};
  for (const spec of EXPORT_TABLES) {
    const rows = data[spec.table] ?? [];
    const file = `data/${spec.table}.json`;
    add(file, enc(JSON.stringify(rows)), rows.length);
    tables[spec.table] = { file, rows: rows.length, columns: columns[spec.table] ?? [] };
  }
  add('csv/catalogue.csv', enc(catalogueCsv(data)), data.variants?.length ?? 0);
  add('csv/customers.csv', enc(customersCsv(data)), data.customers?.length ?? 0);
  add('csv/orders.csv', enc(ordersCsv(data)), data.orders?.length ?? 0);

  // Media: image files, the logo and 3D models (with posters and USDZ companions), by storage key.
  const keys = new Set<string>();
  for (const img of data.images ?? []) if (typeof img.storage_key === 'string') keys.add(img.storage_key);
  for (const m of data.product_media ?? []) for (const key of [m.storage_key, m.poster_key, m.usdz_key]) if (typeof key === 'string') keys.add(key);
  for (const ph of data.review_photos ?? []) if (typeof ph.storage_key === 'string') keys.add(ph.storage_key);
  const logo = (data.store_settings ?? []).find((s) => s.key === 'logo')?.value as { key?: unknown } | undefined;
  if (typeof logo?.key === 'string') keys.add(logo.key);
  let mediaFiles = 0;
  let done = 0;
  for (const key of [...keys].sort()) {
    done++;
    if (!(isMediaKey(key) || isReviewPhotoKey(key)) || !key.startsWith(`${store.id}/`)) continue;
    const obj = await storage.get(key);
    if (!obj) continue; // an image row whose file was already removed: the row still travels
    add(`media/${key.slice(key.indexOf('/') + 1)}`, obj.body);
    mediaFiles++;
    if (done % 20 === 0) await onProgress(0.6 + (done / keys.size) * 0.3);
  }

  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: new Date().toISOString(),
    store: { id: store.id, name: store.name, slug: store.slug, currency: store.currency, defaultLocale: store.default_locale },
    schemaVersion: store.schema_version,
    tables,
    files,
  };
  const archive = writeArchive([{ path: 'manifest.json', body: enc(JSON.stringify(manifest, null, 2)) }, ...entries]);
  await onProgress(0.95);
  return { archive, manifest, mediaFiles };
}

// ---------- verify ----------

export interface VerifiedArchive {
  manifest: ExportManifest;
  data: Record<string, Row[]>;
  media: Map<string, Uint8Array>;
}

/**
 * Parses and checks an archive (bytes, or a stream such as an upload spooled to disk); any problem is a 422
 * `archive_invalid`, an archive that inflates past the caps a 413 `archive_too_large`, and nothing is written.
 */
export async function verifyArchive(source: Uint8Array | AsyncIterable<Uint8Array>, limits: Partial<ArchiveLimits> = {}): Promise<VerifiedArchive> {
  let files: Map<string, Uint8Array>;
  try {
    files = await readArchive(source, limits);
  } catch (e) {
    if (e instanceof ArchiveTooLargeError) throw new AppError(ErrorCode.ArchiveTooLarge, `The archive is too large: ${e.message}`);
    if (e instanceof ArchiveFormatError) throw invalid(`Not a Storeloom export archive: ${e.message}`);
    throw e;
  }
  const raw = files.get('manifest.json');
  if (!raw) throw invalid('Not a Storeloom export archive: manifest.json is missing');
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw invalid('manifest.json is not valid JSON');
  }
  if (manifest?.format !== EXPORT_FORMAT) throw invalid('Not a Storeloom export archive (format)');
  if (manifest.formatVersion !== EXPORT_FORMAT_VERSION)
    throw invalid(`Unsupported export format version ${String(manifest.formatVersion)} (this server reads version ${EXPORT_FORMAT_VERSION})`);
  if (!Array.isArray(manifest.files) || typeof manifest.tables !== 'object' || !manifest.tables || typeof manifest.store?.id !== 'string')
    throw invalid('manifest.json is incomplete');
  const listed = new Set<string>();
  for (const f of manifest.files) {
    const body = files.get(f?.path);
    if (!body) throw invalid(`The archive lacks ${String(f?.path).slice(0, 100)}`);
    if (body.length !== f.bytes || sha256Hex(body) !== f.sha256) throw invalid(`Checksum mismatch for ${f.path}: the archive is corrupted`);
    listed.add(f.path);
  }
  for (const path of files.keys()) if (path !== 'manifest.json' && !listed.has(path)) throw invalid(`Unlisted file in the archive: ${path}`);

  const data: Record<string, Row[]> = {};
  for (const [table, t] of Object.entries(manifest.tables)) {
    if (!SPEC.has(table)) throw invalid(`Unknown table in the archive: ${table.slice(0, 60)}`);
    const body = files.get(t.file);
    if (t.file !== `data/${table}.json` || !body) throw invalid(`The archive lacks data for ${table}`);
    let rows: unknown;
    try {
      rows = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw invalid(`data/${table}.json is not valid JSON`);
    }
    if (!Array.isArray(rows) || rows.length !== t.rows || rows.some((r) => typeof r !== 'object' || r === null || Array.isArray(r)))
      throw invalid(`data/${table}.json does not hold ${t.rows} rows`);
    data[table] = rows as Row[];
  }
  const media = new Map<string, Uint8Array>();
  for (const [path, body] of files) if (path.startsWith('media/')) media.set(path.slice('media/'.length), body);
  return { manifest, data, media };
}

// ---------- load (clone) ----------

const BATCH = 500;

/**
 * Loads a verified archive into `target`'s (already migrated, empty or partly
 * loaded) schema. Upserts by primary key, so running it again after a crash
 * finishes the job without duplicates. The target's plan limits hold: active
 * products past the plan's limit are loaded as drafts (the oldest stay active;
 * `products_made_draft` counts the others).
 */
export async function loadArchiveIntoStore(
  db: Database,
  storage: Storage,
  archive: VerifiedArchive,
  target: { id: string; schema_name: string },
  limits: CatalogLimits,
  onProgress: (fraction: number) => Promise<void> | void = () => {},
): Promise<Record<string, number>> {
  const sourceId = archive.manifest.store.id;
  const rewrite = (rows: Row[]) => (sourceId === target.id ? rows : (JSON.parse(JSON.stringify(rows).replaceAll(sourceId, target.id)) as Row[]));
  const counts: Record<string, number> = {};
  const schema = target.schema_name;
  const own = storeStorage(storage, target.id);

  // No row may name a file the archive did not bring: media bytes are copied into this store's own keys, and a key of
  // another store (read off its public image URL) would otherwise let this clone delete that store's file. Checked on
  // every row before anything is written.
  const carried = new Set([...archive.media.keys()].map((name) => `${target.id}/${name}`));
  const checkKey = (key: unknown, where: string) => {
    if (key === null || key === undefined) return;
    if (typeof key !== 'string' || !own.owns(key) || !carried.has(key))
      throw invalid(`${where} names a media file that is not in the archive (${String(key).slice(0, 100)})`);
  };
  for (const row of rewrite(archive.data.images ?? [])) checkKey(row.storage_key, 'data/images.json');
  for (const row of rewrite(archive.data.product_media ?? []))
    for (const column of ['storage_key', 'poster_key', 'usdz_key']) checkKey(row[column], `data/product_media.json (${column})`);
  for (const row of rewrite(archive.data.review_photos ?? [])) checkKey(row.storage_key, 'data/review_photos.json');
  for (const row of rewrite(archive.data.store_settings ?? []))
    if (row.key === 'logo' && row.value && typeof row.value === 'object') checkKey((row.value as { key?: unknown }).key, 'The logo setting');

  // Media first: rows that point at files only appear once the files exist.
  for (const [name, body] of archive.media) {
    const key = `${target.id}/${name}`;
    if (!isMediaKey(key) && !isReviewPhotoKey(key)) throw invalid(`Unexpected media file ${name.slice(0, 100)}`);
    const type = contentTypeOfKey(key);
    await own.put(key, body, type);
  }
  await onProgress(0.1);

  let i = 0;
  for (const spec of EXPORT_TABLES) {
    i++;
    const meta = archive.manifest.tables[spec.table];
    let rows = archive.data[spec.table] ?? [];
    counts[spec.table] = rows.length;
    if (!meta || rows.length === 0) continue;
    if (spec.media) rows = rewrite(rows);
    const shape = await db.tenantTransaction(schema, (trx) => tableShape(trx, schema, spec.table));
    const unknown = meta.columns.filter((c) => !shape.columns.has(c));
    if (unknown.length) throw invalid(`The archive has columns this server does not know (${spec.table}.${unknown.join(', ')}): it comes from a newer version`);
    const fill = spec.fill;
    const cols = [...new Set([...meta.columns.filter((c) => !spec.omit?.includes(c)), ...Object.keys(fill?.() ?? {})])];
    if (shape.pk.length === 0) throw new Error(`${spec.table} has no primary key`);
    const updates = cols.filter((c) => !shape.pk.includes(c));
    for (let from = 0; from < rows.length; from += BATCH) {
      const batch = rows.slice(from, from + BATCH).map((r) => {
        const clean: Row = {};
        for (const c of meta.columns) if (!spec.omit?.includes(c)) clean[c] = r[c] ?? null;
        return fill ? { ...clean, ...fill() } : clean;
      });
      const colList = sql.join(cols.map((c) => sql.id(c)));
      const tableRef = sql.table(`${schema}.${spec.table}`);
      const conflict = updates.length ? sql`do update set ${sql.join(updates.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}` : sql`do nothing`;
      await db.tenantTransaction(schema, async (trx) => {
        await sql`insert into ${tableRef} (${colList})
                  select ${colList} from jsonb_populate_recordset(null::${tableRef}, ${JSON.stringify(batch)}::jsonb)
                  on conflict (${sql.join(shape.pk.map((c) => sql.id(c)))}) ${conflict}`.execute(trx);
      });
    }
    await onProgress(0.1 + (i / EXPORT_TABLES.length) * 0.85);
  }
  // An archive from before the price history: each variant's price is known from the clone on.
  await db.tenantTransaction(schema, async (trx) => {
    const bare = await trx
      .selectFrom('variants')
      .select(['id', 'price'])
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('variant_price_history as h').select('h.id').whereRef('h.variant_id', '=', 'variants.id'))))
      .execute();
    await recordPriceChanges(
      trx,
      bare.map((v) => ({ variantId: v.id, price: v.price })),
      'clone',
    );
  });
  const limit = await limits.activeProducts();
  const drafted = await db.tenantTransaction(schema, (trx) => capActiveProducts(trx, limit));
  if (drafted.length) counts.products_made_draft = drafted.length;
  return counts;
}

/**
 * Finishes a clone: loads the archive the store was created from and flips it
 * `provisioning` → `active` (clearing `import_source`) in one conditional
 * update. Safe to run again at any point; a finished clone returns at once.
 */
export async function completeClone(
  db: Database,
  storage: Storage,
  storeId: string,
  limits: CatalogLimits,
  onProgress: (fraction: number) => Promise<void> | void = () => {},
): Promise<{ status: 'done' | 'already'; rows?: Record<string, number> }> {
  const store = await db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirst();
  if (!store) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
  if (store.status !== 'provisioning' || !store.import_source) return { status: 'already' };
  const obj = await storage.get(store.import_source);
  if (!obj) throw invalid('The export archive is gone');
  let archive: VerifiedArchive;
  try {
    archive = await verifyArchive(obj.body);
  } catch (e) {
    await db.control
      .updateTable('stores')
      .set({ provisioning_error: (e as Error).message.slice(0, 500) })
      .where('id', '=', storeId)
      .execute();
    throw e;
  }
  // The schema exists and is migrated once provisioning ran; running the (idempotent) migrator again makes sure.
  const migrated = await migrateTenant(db, store.schema_name);
  const rows = await loadArchiveIntoStore(db, storage, archive, store, limits, onProgress);
  await db.control.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('stores')
      .set({ status: 'active', import_source: null, provisioning_error: null, schema_version: migrated.latest, updated_at: new Date() })
      .where('id', '=', storeId)
      .where('status', '=', 'provisioning')
      .returning('id')
      .executeTakeFirst();
    if (row)
      await writeAudit(trx, {
        storeId,
        action: 'store.cloned',
        targetType: 'store',
        targetId: storeId,
        data: { sourceStoreId: archive.manifest.store.id, exportedAt: archive.manifest.exportedAt, rows },
      });
  });
  return { status: 'done', rows };
}
