/**
 * 3D models as product media: glTF binaries (`.glb`) checked by the Khronos
 * glTF validator (npm `gltf-validator`) before they are stored, with an
 * optional poster image and an optional `.usdz` for iOS Quick Look. A model
 * with validator errors is refused (422 `model_invalid` with the first
 * messages); warnings are kept in the stored report for the console.
 */
import { isUuid, type Kysely, newId, type ProductMediaTable, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { validateBytes } from 'gltf-validator';
import type { Selectable } from 'kysely';

/** Default size cap of a model upload (MODEL_UPLOAD_MAX_BYTES). */
export const DEFAULT_MODEL_MAX_BYTES = 20 * 1024 * 1024;
/** How many of the validator's messages an answer or a stored report carries. */
const FIRST_MESSAGES = 5;

export interface ModelReport {
  validatorVersion: string | null;
  generator: string | null;
  numErrors: number;
  numWarnings: number;
  triangles: number | null;
  /** The first messages, errors first: code, message and JSON pointer. */
  messages: { code: string; message: string; severity: 'error' | 'warning' | 'info' | 'hint'; pointer: string | null }[];
}

const SEVERITY = ['error', 'warning', 'info', 'hint'] as const;

const isGlb = (b: Uint8Array) => b.length >= 12 && b[0] === 0x67 && b[1] === 0x6c && b[2] === 0x54 && b[3] === 0x46;
/** USDZ is a zip (PK\x03\x04) whose first entry is a .usd[ac] file. */
const isUsdz = (b: Uint8Array) =>
  b.length > 34 &&
  b[0] === 0x50 &&
  b[1] === 0x4b &&
  b[2] === 0x03 &&
  b[3] === 0x04 &&
  /\.usd[ac]?$/i.test(new TextDecoder().decode(b.subarray(30, 30 + ((b[26] ?? 0) | ((b[27] ?? 0) << 8)))));

const invalid = (message: string, messages: ModelReport['messages']) =>
  new AppError(ErrorCode.ModelInvalid, message, { details: { messages: messages.slice(0, FIRST_MESSAGES) } });

/** Runs the validator; refuses anything that is not a GLB or has errors. */
export async function validateGlb(bytes: Uint8Array, maxBytes = DEFAULT_MODEL_MAX_BYTES): Promise<ModelReport> {
  if (bytes.length === 0) throw new AppError(ErrorCode.ValidationFailed, 'file: the file is empty', { details: [{ path: 'file', message: 'empty file' }] });
  if (bytes.length > maxBytes) throw new AppError(ErrorCode.PayloadTooLarge, `A 3D model may be at most ${Math.floor(maxBytes / (1024 * 1024))} MB`);
  if (!isGlb(bytes))
    throw invalid('The file is not a glTF binary (.glb)', [
      { code: 'GLB_MAGIC', message: 'The file does not start with the glTF binary header', severity: 'error', pointer: null },
    ]);
  let report: Awaited<ReturnType<typeof validateBytes>>;
  try {
    // No external resources: a .glb must carry its buffers and textures inside (a URI it names is reported, never fetched).
    report = await validateBytes(bytes, { maxIssues: 100, externalResourceFunction: () => Promise.reject(new Error('external resources are not allowed')) });
  } catch (e) {
    throw invalid('The glTF validator could not read the file', [
      { code: 'UNREADABLE', message: String(e instanceof Error ? e.message : e).slice(0, 300), severity: 'error', pointer: null },
    ]);
  }
  const messages = [...report.issues.messages]
    .sort((a, b) => a.severity - b.severity)
    .slice(0, FIRST_MESSAGES)
    .map((m) => ({ code: m.code, message: m.message, severity: SEVERITY[m.severity] ?? 'info', pointer: m.pointer ?? null }));
  const out: ModelReport = {
    validatorVersion: report.validatorVersion ?? null,
    generator: report.info?.generator ?? null,
    numErrors: report.issues.numErrors,
    numWarnings: report.issues.numWarnings,
    triangles: report.info?.totalTriangleCount ?? null,
    messages,
  };
  if (out.numErrors > 0) throw invalid(`The glTF validator found ${out.numErrors} error${out.numErrors === 1 ? '' : 's'} in the model`, messages);
  return out;
}

export function checkUsdz(bytes: Uint8Array): void {
  if (!isUsdz(bytes))
    throw new AppError(ErrorCode.UnsupportedFileType, 'usdz: not a USDZ file (a zip whose first file is a .usd/.usda/.usdc)', {
      details: [{ path: 'usdz', message: 'not a USDZ file' }],
    });
}

export interface ProductModelView {
  id: string;
  type: 'model';
  url: string;
  alt: string | null;
  posterUrl: string | null;
  usdzUrl: string | null;
  bytes: number;
  position: number;
  report: ModelReport;
  createdAt: string;
}

const view = (r: Selectable<ProductMediaTable>): ProductModelView => ({
  id: r.id,
  type: r.type,
  url: r.url,
  alt: r.alt,
  posterUrl: r.poster_url,
  usdzUrl: r.usdz_url,
  bytes: r.bytes,
  position: r.position,
  report: r.report as unknown as ModelReport,
  createdAt: new Date(r.created_at).toISOString(),
});

export interface StoredFile {
  url: string;
  key: string;
}

export class ProductMediaService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async productExists(productId: string): Promise<boolean> {
    return isUuid(productId) && Boolean(await this.t.selectFrom('products').select('id').where('id', '=', productId).executeTakeFirst());
  }

  async addModel(
    productId: string,
    input: { model: StoredFile; bytes: number; report: ModelReport; alt: string | null; poster: StoredFile | null; usdz: StoredFile | null },
  ): Promise<ProductModelView> {
    const id = newId();
    await this.t.transaction().execute(async (trx) => {
      const product = await trx.selectFrom('products').select('id').where('id', '=', productId).forUpdate().executeTakeFirst();
      if (!product) throw notFound('Product');
      const max = await trx
        .selectFrom('product_media')
        .select((eb) => eb.fn.max('position').as('m'))
        .where('product_id', '=', productId)
        .executeTakeFirst();
      await trx
        .insertInto('product_media')
        .values({
          id,
          product_id: productId,
          type: 'model',
          url: input.model.url,
          storage_key: input.model.key,
          alt: input.alt,
          poster_url: input.poster?.url ?? null,
          poster_key: input.poster?.key ?? null,
          usdz_url: input.usdz?.url ?? null,
          usdz_key: input.usdz?.key ?? null,
          bytes: input.bytes,
          report: JSON.stringify(input.report),
          position: Number(max?.m ?? -1) + 1,
          created_at: new Date(),
        })
        .execute();
    });
    return (await this.get(productId, id)) as ProductModelView;
  }

  async get(productId: string, id: string): Promise<ProductModelView | null> {
    if (!isUuid(id)) return null;
    const r = await this.t.selectFrom('product_media').selectAll().where('product_id', '=', productId).where('id', '=', id).executeTakeFirst();
    return r ? view(r) : null;
  }

  /** Ids of products that have a 3D model (the storefront keeps them with the store, so other product pages skip the lookup). */
  async productsWithModels(limit = 50_000): Promise<string[]> {
    return (await this.t.selectFrom('product_media').select('product_id').distinct().limit(limit).execute()).map((r) => r.product_id);
  }

  /** A product's models for its page (url, alt, poster, USDZ), in gallery order. */
  async forProductPage(productId: string): Promise<{ url: string; alt: string | null; posterUrl: string | null; usdzUrl: string | null }[]> {
    const rows = await this.t
      .selectFrom('product_media')
      .select(['url', 'alt', 'poster_url', 'usdz_url'])
      .where('product_id', '=', productId)
      .where('type', '=', 'model')
      .orderBy('position')
      .execute();
    return rows.map((m) => ({ url: m.url, alt: m.alt, posterUrl: m.poster_url, usdzUrl: m.usdz_url }));
  }

  async list(productId: string): Promise<ProductModelView[]> {
    return (await this.t.selectFrom('product_media').selectAll().where('product_id', '=', productId).orderBy('position').orderBy('id').execute()).map(view);
  }

  /** Deletes the row; the caller deletes the returned storage keys after commit. */
  async remove(productId: string, id: string): Promise<string[]> {
    const r = await this.t
      .deleteFrom('product_media')
      .where('product_id', '=', productId)
      .where('id', '=', isUuid(id) ? id : '00000000-0000-0000-0000-000000000000')
      .returning(['storage_key', 'poster_key', 'usdz_key'])
      .executeTakeFirst();
    if (!r) throw notFound('Media');
    return [r.storage_key, r.poster_key, r.usdz_key].filter((k): k is string => Boolean(k));
  }
}
