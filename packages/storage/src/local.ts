import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertValidKey, contentTypeOfKey, type Storage, type StoredObject } from './storage.ts';

/** Files under `root/<storeId>/<name>`, served by the control plane at `<publicBase>/<storeId>/<name>`. */
export class LocalDiskStorage implements Storage {
  readonly driver = 'local' as const;
  private readonly root: string;

  constructor(
    root: string,
    private readonly publicBase: string,
  ) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const p = resolve(join(this.root, key));
    // Defence in depth behind the key check.
    if (!p.startsWith(this.root + sep)) throw new Error('storage key escapes the uploads folder');
    return p;
  }

  async put(key: string, body: Uint8Array, _contentType?: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename: a reader never sees half a file.
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const body = await readFile(this.pathOf(key));
      return { body, contentType: contentTypeOfKey(key), size: body.length };
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  publicUrl(key: string): string {
    assertValidKey(key);
    return `${this.publicBase.replace(/\/$/, '')}/${key}`;
  }
}
