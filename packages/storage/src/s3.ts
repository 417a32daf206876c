/**
 * S3-compatible object storage (AWS S3, MinIO, R2, …) with SigV4-signed
 * requests. Signing comes from aws4fetch: a tiny, dependency-free, well-kept
 * SigV4 implementation on fetch, instead of the multi-megabyte AWS SDK.
 */
import { AwsClient } from 'aws4fetch';
import { assertValidKey, contentTypeOfKey, isArchiveKey, isPrivacyExportKey, type Storage, type StoredObject } from './storage.ts';

export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Public base for browsers; default `<endpoint>/<bucket>`. */
  publicBase?: string | undefined;
}

export class S3Storage implements Storage {
  readonly driver = 's3' as const;
  private readonly client: AwsClient;
  private readonly base: string;

  constructor(private readonly cfg: S3Config) {
    this.client = new AwsClient({ accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey, region: cfg.region, service: 's3' });
    // Path-style addressing works on every S3-compatible server.
    this.base = `${cfg.endpoint.replace(/\/$/, '')}/${encodeURIComponent(cfg.bucket)}`;
  }

  private url(key: string) {
    assertValidKey(key);
    return `${this.base}/${key}`;
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const res = await this.client.fetch(this.url(key), {
      method: 'PUT',
      body: body as never,
      headers: {
        'content-type': contentType,
        'cache-control': isArchiveKey(key) || isPrivacyExportKey(key) ? 'private, no-store' : 'public, max-age=31536000, immutable',
      },
    });
    if (!res.ok) throw new Error(`S3 PUT failed with HTTP ${res.status}`);
    await res.arrayBuffer().catch(() => {});
  }

  async get(key: string): Promise<StoredObject | null> {
    const res = await this.client.fetch(this.url(key), { method: 'GET' });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`S3 GET failed with HTTP ${res.status}`);
    const body = new Uint8Array(await res.arrayBuffer());
    return { body, contentType: res.headers.get('content-type') ?? contentTypeOfKey(key), size: body.length };
  }

  async delete(key: string): Promise<void> {
    const res = await this.client.fetch(this.url(key), { method: 'DELETE' });
    // 404: already gone, which is what a retried delete wants.
    if (!res.ok && res.status !== 404) throw new Error(`S3 DELETE failed with HTTP ${res.status}`);
    await res.arrayBuffer().catch(() => {});
  }

  publicUrl(key: string): string {
    assertValidKey(key);
    return `${(this.cfg.publicBase ?? this.base).replace(/\/$/, '')}/${key}`;
  }
}
