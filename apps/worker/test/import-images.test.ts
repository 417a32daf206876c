/**
 * The CSV import's image fetcher against a loopback "CDN": images are copied
 * into storage under the explicit local policy, refused under the default
 * (strict) one, and anything that is not a small enough image is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDiskStorage } from '@storeloom/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImageServer, type ImageServer } from '../../../test/helpers/images.ts';
import { imageFetcher } from '../src/import-images.ts';

const STORE = '018f0000-0000-7000-8000-000000000001';
const LOCAL = { allowHttp: true, allowPrivateAddresses: true };

describe('import image fetcher', () => {
  let cdn: ImageServer;
  let dir: string;
  let storage: LocalDiskStorage;
  beforeAll(async () => {
    cdn = await startImageServer({ missing: (path) => path.includes('gone') });
    dir = mkdtempSync(join(tmpdir(), 'import-images-'));
    storage = new LocalDiskStorage(dir, 'http://shop.test/media');
  });
  afterAll(async () => {
    await cdn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies an image into the store storage under the local policy, typed by its bytes', async () => {
    const fetch = imageFetcher({ storage, storeId: STORE, policy: LOCAL, maxBytes: 1024 * 1024 });
    const got = await fetch(`${cdn.origin}/files/a.png?v=1`);
    expect(got.storageKey).toMatch(new RegExp(`^${STORE}/img-[0-9a-f]+\\.png$`));
    expect(got.url).toBe(`http://shop.test/media/${got.storageKey}`);
    const stored = await storage.get(got.storageKey);
    expect(stored?.contentType).toBe('image/png');
    expect(
      Buffer.from(stored?.body ?? [])
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('follows a redirect (re-checked) but refuses 404s, non-images and images over the cap', async () => {
    const fetch = imageFetcher({ storage, storeId: STORE, policy: LOCAL, maxBytes: 1024 * 1024 });
    expect((await fetch(`${cdn.origin}/redirect/files/b.png`)).storageKey).toMatch(/\.png$/);
    await expect(fetch(`${cdn.origin}/files/gone.png`)).rejects.toThrow('HTTP 404');
    await expect(fetch(`${cdn.origin}/html/page.png`)).rejects.toThrow('not an image (text/html)');
    const tiny = imageFetcher({ storage, storeId: STORE, policy: LOCAL, maxBytes: 200 });
    await expect(tiny(`${cdn.origin}/files/c.png`)).rejects.toThrow('larger than');
  });

  it('refuses loopback and plain http under the default policy (nothing stored)', async () => {
    const strict = imageFetcher({ storage, storeId: STORE, maxBytes: 1024 * 1024 });
    const hits = cdn.hits.length;
    await expect(strict(`${cdn.origin}/files/d.png`)).rejects.toThrow('https');
    await expect(strict(`https://127.0.0.1:${new URL(cdn.origin).port}/files/d.png`)).rejects.toThrow('loopback');
    await expect(strict('https://169.254.169.254/latest/meta-data/x.png')).rejects.toThrow('link-local');
    expect(cdn.hits.length).toBe(hits);
  });
});
