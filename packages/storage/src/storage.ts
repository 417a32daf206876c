/**
 * Media storage behind one interface: product images and logos go to local
 * disk by default, or to an S3-compatible bucket. Keys are
 * `<storeId>/<name>.<ext>`; both parts are checked so a key can never climb
 * out of its store's folder.
 */
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '@storeloom/errors';

export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  size: number;
}

export interface Storage {
  readonly driver: 'local' | 's3';
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  /** Deleting a missing object is not an error (retries are safe). */
  delete(key: string): Promise<void>;
  /** Where browsers fetch the object from. */
  publicUrl(key: string): string;
}

const STORE_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,99}\.(png|jpg|webp|gif|avif|glb|usdz)$/;

const ARCHIVE_RE = /^export-[a-z0-9]{8,64}\.tar\.gz$/;

/** Shoppers' files (return and review photos) are personal data: never public media, whatever their name looks like. */
const PRIVATE_NAME_RE = /^(return|review)-/;

/** A public media key (image or logo): `<store uuid>/<safe image name>`. Only these are served at /media. */
export function isMediaKey(key: string): boolean {
  const parts = key.split('/');
  return parts.length === 2 && STORE_RE.test(parts[0] as string) && NAME_RE.test(parts[1] as string) && !PRIVATE_NAME_RE.test(parts[1] as string);
}

/** A store export archive `<store uuid>/export-<id>.tar.gz`: private, downloaded only through the authenticated API. */
export function isArchiveKey(key: string): boolean {
  const parts = key.split('/');
  return parts.length === 2 && STORE_RE.test(parts[0] as string) && ARCHIVE_RE.test(parts[1] as string);
}

const PRIVACY_EXPORT_RE = /^privacy-[a-f0-9]{32}\.json$/;

/** A shopper's data export `<store uuid>/privacy-<request id>.json`: private, downloaded only through the authenticated API. */
export function isPrivacyExportKey(key: string): boolean {
  const parts = key.split('/');
  return parts.length === 2 && STORE_RE.test(parts[0] as string) && PRIVACY_EXPORT_RE.test(parts[1] as string);
}

export function privacyExportKey(storeId: string, requestId: string): string {
  const key = `${storeId}/privacy-${requestId.replaceAll('-', '')}.json`;
  assertValidKey(key);
  return key;
}

/** A storage key is exactly `<store uuid>/<safe file name>`: no dots to climb, no separators, no encodings. */
export function isValidKey(key: string): boolean {
  return isMediaKey(key) || isArchiveKey(key) || isPrivacyExportKey(key) || isReturnPhotoKey(key) || isReviewPhotoKey(key);
}

const REVIEW_PHOTO_RE = /^review-[a-f0-9]{24}(_w[0-9]{2,4})?\.(png|jpg|webp|avif)$/;

/**
 * A shopper's photo on a review `<store uuid>/review-<random>.<ext>`, or one of
 * its resized copies (`_w<width>`, made by the storefront's media route):
 * personal data, served by the storefront only while the review is published
 * and by the API to the merchant.
 */
export function isReviewPhotoKey(key: string): boolean {
  const parts = key.split('/');
  return parts.length === 2 && STORE_RE.test(parts[0] as string) && REVIEW_PHOTO_RE.test(parts[1] as string);
}

export function newReviewPhotoKey(storeId: string, ext: 'png' | 'jpg' | 'webp'): string {
  const key = `${storeId}/review-${randomBytes(12).toString('hex')}.${ext}`;
  assertValidKey(key);
  return key;
}

/** Widths and formats the storefront's media route may have stored beside an original (keep in step with its MEDIA_WIDTHS). */
export const MEDIA_VARIANT_WIDTHS = [160, 320, 480, 640, 960, 1280, 1920] as const;
const VARIANT_FORMATS = ['avif', 'webp', 'jpg', 'png'] as const;

/** The original and every resized copy the media route may have made of it: what deleting a photo deletes. */
export function withVariantKeys(key: string): string[] {
  const dot = key.lastIndexOf('.');
  const base = key.slice(0, dot);
  return [key, ...MEDIA_VARIANT_WIDTHS.flatMap((w) => VARIANT_FORMATS.map((f) => `${base}_w${w}.${f}`))];
}

const RETURN_PHOTO_RE = /^return-[a-f0-9]{32}-[0-9]\.(png|jpg|webp|gif|avif)$/;

/** A shopper's photo of a return `<store uuid>/return-<return id>-<n>.<ext>`: personal data, served only through the authenticated API. */
export function isReturnPhotoKey(key: string): boolean {
  const parts = key.split('/');
  return parts.length === 2 && STORE_RE.test(parts[0] as string) && RETURN_PHOTO_RE.test(parts[1] as string);
}

export function returnPhotoKey(storeId: string, returnId: string, n: number, ext: string): string {
  const key = `${storeId}/return-${returnId.replaceAll('-', '')}-${n}.${ext}`;
  assertValidKey(key);
  return key;
}

export function archiveKey(storeId: string, exportId: string): string {
  const key = `${storeId}/export-${exportId.replaceAll('-', '')}.tar.gz`;
  assertValidKey(key);
  return key;
}

export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new AppError(ErrorCode.NotFound, 'No such file');
}

export function newObjectKey(storeId: string, prefix: 'img' | 'logo' | 'favicon' | 'model', ext: ImageType['ext'] | ModelExt): string {
  return `${storeId}/${prefix}-${randomBytes(12).toString('hex')}.${ext}`;
}

export interface ImageType {
  ext: 'png' | 'jpg' | 'webp' | 'gif' | 'avif';
  contentType: string;
}

export const CONTENT_TYPES: Record<ImageType['ext'], string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

/** 3D models (product media): glTF binary and, for iOS Quick Look, USDZ. */
export type ModelExt = 'glb' | 'usdz';
export const MODEL_CONTENT_TYPES: Record<ModelExt, string> = { glb: 'model/gltf-binary', usdz: 'model/vnd.usdz+zip' };

const startsWith = (b: Uint8Array, bytes: number[], offset = 0) => bytes.every((x, i) => b[offset + i] === x);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/**
 * The type from the file's magic bytes, never from its name or the client's
 * Content-Type. Anything else (SVG with scripts, HTML, executables) is refused.
 */
export function sniffImageType(b: Uint8Array): ImageType | null {
  if (b.length < 12) return null;
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { ext: 'png', contentType: CONTENT_TYPES.png };
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { ext: 'jpg', contentType: CONTENT_TYPES.jpg };
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return { ext: 'gif', contentType: CONTENT_TYPES.gif };
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return { ext: 'webp', contentType: CONTENT_TYPES.webp };
  // ISO-BMFF: box size, "ftyp", then the major brand.
  if (ascii(b, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(b, 8, 12))) return { ext: 'avif', contentType: CONTENT_TYPES.avif };
  return null;
}

/** Validates an upload: size limit and an allowed image type by magic bytes. */
export function checkImageUpload(body: Uint8Array, maxBytes: number): ImageType {
  if (body.length === 0) throw new AppError(ErrorCode.ValidationFailed, 'file: the file is empty', { details: [{ path: 'file', message: 'empty file' }] });
  if (body.length > maxBytes) throw new AppError(ErrorCode.PayloadTooLarge, `An image may be at most ${Math.floor(maxBytes / (1024 * 1024))} MB`);
  const type = sniffImageType(body);
  if (!type) throw new AppError(ErrorCode.UnsupportedFileType, 'Only PNG, JPEG, WebP, GIF and AVIF images can be uploaded');
  return type;
}

export function contentTypeOfKey(key: string): string {
  if (key.endsWith('.tar.gz')) return 'application/gzip';
  if (key.endsWith('.json')) return 'application/json';
  const ext = key.slice(key.lastIndexOf('.') + 1);
  return CONTENT_TYPES[ext as ImageType['ext']] ?? MODEL_CONTENT_TYPES[ext as ModelExt] ?? 'application/octet-stream';
}

/**
 * Media storage as one store may use it: every key must lie under `<storeId>/`
 * (and be a valid key). This is the only place that ownership is enforced, so a
 * key that came from a tampered row (an archive import, a crafted setting) can
 * never read, overwrite or delete another store's object, whichever route holds it.
 */
export class StoreStorage {
  readonly driver: Storage['driver'];
  constructor(
    private readonly storage: Storage,
    readonly storeId: string,
  ) {
    if (!STORE_RE.test(storeId)) throw new Error('StoreStorage needs a store uuid');
    this.driver = storage.driver;
  }

  // Async throughout: a refused key is a rejected promise, so callers' best-effort `.catch` keeps working.
  /** Whether `key` is one of this store's keys. */
  owns(key: string): boolean {
    return isValidKey(key) && key.startsWith(`${this.storeId}/`);
  }

  private check(key: string): void {
    if (!this.owns(key)) throw new AppError(ErrorCode.Forbidden, 'This file does not belong to the store', { details: { key: key.slice(0, 120) } });
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    this.check(key);
    return this.storage.put(key, body, contentType);
  }
  async get(key: string): Promise<StoredObject | null> {
    this.check(key);
    return this.storage.get(key);
  }
  async delete(key: string): Promise<void> {
    this.check(key);
    return this.storage.delete(key);
  }
  publicUrl(key: string): string {
    this.check(key);
    return this.storage.publicUrl(key);
  }
}

export const storeStorage = (storage: Storage, storeId: string) => new StoreStorage(storage, storeId);
