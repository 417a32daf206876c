import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import { checkImageUpload, type ImageType } from '@storeloom/storage';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

export const DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

/** OpenAPI request body of an image upload: multipart with a `file` part (and optional fields). */
export const imageUploadBody = <T extends z.ZodRawShape>(extra: T) => ({
  required: true,
  content: {
    'multipart/form-data': {
      schema: z.object({
        file: z.any().openapi({ type: 'string', format: 'binary', description: 'PNG, JPEG, WebP, GIF or AVIF (checked by content, not name)' }),
        ...extra,
      }),
    },
  },
});

/** The uploaded image: size-limited, type sniffed from its bytes. */
export async function readImageUpload(c: Context<AppEnv>, file: unknown): Promise<{ bytes: Uint8Array; type: ImageType; sha256: string }> {
  if (!(file instanceof File))
    throw new AppError(ErrorCode.ValidationFailed, 'file: attach the image as the "file" part', { details: [{ path: 'file', message: 'required' }] });
  const max = c.var.services.config.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES;
  if (file.size > max) throw new AppError(ErrorCode.PayloadTooLarge, `An image may be at most ${Math.floor(max / (1024 * 1024))} MB`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = checkImageUpload(bytes, max);
  return { bytes, type, sha256: createHash('sha256').update(bytes).digest('hex') };
}
