import { join, resolve } from 'node:path';
import { LocalDiskStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import type { Storage } from './storage.ts';

export * from './archive.ts';
export * from './local.ts';
export * from './s3.ts';
export * from './storage.ts';

export interface StorageSettings {
  driver: 'local' | 's3';
  /** Local: folder of the files. */
  uploadsDir: string;
  /** Public base URL of the media (local default: `<publicUrl>/media`). */
  mediaPublicUrl: string;
  s3?: { endpoint?: string | undefined; bucket?: string | undefined; region: string; accessKeyId?: string | undefined; secretAccessKey?: string | undefined };
}

/** Where stored media is served from when MEDIA_PUBLIC_URL is unset: the bucket (s3), else the console origin's /media. */
export function defaultMediaPublicUrl(o: {
  driver: 'local' | 's3';
  publicUrl: string;
  s3Endpoint?: string | undefined;
  s3Bucket?: string | undefined;
}): string {
  return o.driver === 's3' && o.s3Endpoint && o.s3Bucket ? `${o.s3Endpoint.replace(/\/$/, '')}/${o.s3Bucket}` : `${o.publicUrl.replace(/\/$/, '')}/media`;
}

export function storageFromSettings(s: StorageSettings): Storage {
  if (s.driver === 's3') {
    const c = s.s3;
    if (!c?.endpoint || !c.bucket || !c.accessKeyId || !c.secretAccessKey)
      throw new Error('STORAGE_DRIVER=s3 needs S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
    return new S3Storage({
      endpoint: c.endpoint,
      bucket: c.bucket,
      region: c.region,
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      publicBase: s.mediaPublicUrl,
    });
  }
  return new LocalDiskStorage(resolve(s.uploadsDir), s.mediaPublicUrl);
}

export const defaultUploadsDir = (dataDir: string) => join(dataDir, 'uploads');
