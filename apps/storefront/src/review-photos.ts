/**
 * A shopper's review photo, checked and re-encoded with the same image library
 * the media route resizes product images with (sharp). The type is what the
 * decoder reads, never the file name or the browser's Content-Type: JPEG, PNG
 * and WebP only. The photo is re-encoded in its own format, turned upright and
 * bounded to REVIEW_PHOTO_LIMITS.maxEdge; sharp writes no metadata unless asked,
 * so EXIF (GPS position, camera, time), XMP and IPTC never reach storage.
 */
import { REVIEW_PHOTO_LIMITS } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { loadSharp } from './media.ts';

export interface ReencodedPhoto {
  body: Uint8Array;
  ext: 'jpg' | 'png' | 'webp';
  contentType: string;
  width: number;
  height: number;
}

const notAnImage = () => new AppError(ErrorCode.UnsupportedFileType, 'Only JPEG, PNG and WebP photos can be added');

export async function reencodeReviewPhoto(bytes: Uint8Array, limits: { maxBytes: number } = REVIEW_PHOTO_LIMITS): Promise<ReencodedPhoto> {
  if (bytes.length === 0) throw new AppError(ErrorCode.ValidationFailed, 'photos: the file is empty', { details: [{ path: 'photos', message: 'empty file' }] });
  if (bytes.length > limits.maxBytes) throw new AppError(ErrorCode.PayloadTooLarge, `A photo may be at most ${Math.floor(limits.maxBytes / (1024 * 1024))} MB`);
  const sharp = await loadSharp();
  if (!sharp) throw new AppError(ErrorCode.ServiceUnavailable, 'Photos cannot be processed right now');
  const input = { limitInputPixels: REVIEW_PHOTO_LIMITS.maxInputPixels, failOn: 'error' as const };
  let format: string | undefined;
  try {
    format = (await sharp(bytes, input).metadata()).format;
  } catch {
    throw notAnImage();
  }
  if (format !== 'jpeg' && format !== 'png' && format !== 'webp') throw notAnImage();
  const edge = REVIEW_PHOTO_LIMITS.maxEdge;
  let img = sharp(bytes, input).rotate().resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true });
  img = format === 'jpeg' ? img.jpeg({ quality: 82, mozjpeg: true }) : format === 'png' ? img.png({ compressionLevel: 8 }) : img.webp({ quality: 80 });
  try {
    const { data, info } = await img.toBuffer({ resolveWithObject: true });
    const ext = format === 'jpeg' ? 'jpg' : format;
    return { body: new Uint8Array(data), ext, contentType: `image/${format}`, width: info.width, height: info.height };
  } catch {
    // A header that reads but pixel data that does not (truncated, corrupt).
    throw notAnImage();
  }
}
