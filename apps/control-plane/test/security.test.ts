/**
 * Control-plane findings of the outside security review (issue 15) on real Postgres and Redis: a store's media
 * operations cannot touch another store's files (one store-scoped storage handle), an archive import refuses rows
 * naming media the archive did not bring, a gzip bomb is refused with 413 while inflating as a stream, and JSON
 * bodies above 1 MiB are refused with 413 before they are parsed.
 */
import { gzipSync } from 'node:zlib';
import { sql } from '@storeloom/db';
import { loadArchiveIntoStore, type VerifiedArchive } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]);
const imageForm = () => {
  const f = new FormData();
  f.set('file', new File([PNG], 'photo.png', { type: 'image/png' }));
  return f;
};

describe('control-plane security (issue 15)', () => {
  let p: TestPlatform;
  let attacker: { cookie: string };
  let victim: { cookie: string };
  let attackerStore: { id: string };
  let victimStore: { id: string };
  let victimKey: string;

  const schemaOf = async (storeId: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;

  beforeAll(async () => {
    p = await startTestPlatform();
    attacker = await signup(p);
    victim = await signup(p);
    attackerStore = await createStore(p, attacker.cookie);
    victimStore = await createStore(p, victim.cookie);
    const product = await createProduct(p, victim.cookie, victimStore.id);
    const up = await p.request('POST', `/api/v1/stores/${victimStore.id}/products/${product.id}/images`, { cookie: victim.cookie, form: imageForm() });
    expect(up.status).toBe(201);
    const t = p.db.tenant(await schemaOf(victimStore.id));
    victimKey = (await t.selectFrom('images').select('storage_key').executeTakeFirstOrThrow()).storage_key as string;
    expect(await p.services.storage.get(victimKey)).not.toBeNull();
  });
  afterAll(async () => {
    await p?.close();
  });

  it("never deletes another store's file, whatever key a row of this store holds", async () => {
    // A tampered image row and logo setting in the attacker's store naming the victim's key.
    const product = await createProduct(p, attacker.cookie, attackerStore.id);
    const t = p.db.tenant(await schemaOf(attackerStore.id));
    const image = await t.selectFrom('images').selectAll().executeTakeFirst();
    expect(image).toBeUndefined();
    const up = await p.request('POST', `/api/v1/stores/${attackerStore.id}/products/${product.id}/images`, { cookie: attacker.cookie, form: imageForm() });
    expect(up.status).toBe(201);
    await t.updateTable('images').set({ storage_key: victimKey }).where('id', '=', up.body.id).execute();
    const del = await p.request('DELETE', `/api/v1/stores/${attackerStore.id}/products/${product.id}/images/${up.body.id}`, { cookie: attacker.cookie });
    expect(del.status).toBe(204);
    expect(await p.services.storage.get(victimKey)).not.toBeNull();

    // Same through product deletion and the logo.
    const second = await p.request('POST', `/api/v1/stores/${attackerStore.id}/products/${product.id}/images`, { cookie: attacker.cookie, form: imageForm() });
    await t.updateTable('images').set({ storage_key: victimKey }).where('id', '=', second.body.id).execute();
    expect((await p.request('DELETE', `/api/v1/stores/${attackerStore.id}/products/${product.id}`, { cookie: attacker.cookie })).status).toBe(204);
    expect(await p.services.storage.get(victimKey)).not.toBeNull();
    await t
      .insertInto('store_settings')
      .values({ key: 'logo', value: JSON.stringify({ key: victimKey, url: 'http://x/y.png' }), updated_at: new Date() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify({ key: victimKey, url: 'http://x/y.png' }) }))
      .execute();
    expect((await p.request('DELETE', `/api/v1/stores/${attackerStore.id}/settings/logo`, { cookie: attacker.cookie })).status).toBe(200);
    expect(await p.services.storage.get(victimKey)).not.toBeNull();
  });

  it('refuses an archive whose rows name media it does not carry, before writing anything', async () => {
    // The attacker's own export, as rows: one product and one image whose file is in the archive.
    const source = await createStore(p, attacker.cookie);
    const product = await createProduct(p, attacker.cookie, source.id);
    expect((await p.request('POST', `/api/v1/stores/${source.id}/products/${product.id}/images`, { cookie: attacker.cookie, form: imageForm() })).status).toBe(
      201,
    );
    const sourceSchema = await schemaOf(source.id);
    const rowsOf = async (table: string) =>
      (await sql<{ row: Record<string, unknown> }>`select to_jsonb(x) as row from ${sql.table(`${sourceSchema}.${table}`)} x`.execute(p.db.kysely)).rows.map(
        (r) => r.row,
      );
    const [products, variants, images] = [await rowsOf('products'), await rowsOf('variants'), await rowsOf('images')];
    const ownName = String(images[0]?.storage_key).split('/')[1] as string;
    const archiveOf = (imageRows: Record<string, unknown>[]): VerifiedArchive => ({
      manifest: {
        store: { id: source.id },
        tables: {
          products: { file: 'data/products.json', rows: products.length, columns: Object.keys(products[0] ?? {}) },
          variants: { file: 'data/variants.json', rows: variants.length, columns: Object.keys(variants[0] ?? {}) },
          images: { file: 'data/images.json', rows: imageRows.length, columns: Object.keys(imageRows[0] ?? {}) },
        },
      } as never,
      data: { products, variants, images: imageRows },
      media: new Map([[ownName, PNG]]),
    });

    const target = await createStore(p, attacker.cookie);
    const targetSchema = await schemaOf(target.id);
    const tampered = images.map((r) => ({ ...r, storage_key: victimKey }));
    await expect(loadArchiveIntoStore(p.db, p.services.storage, archiveOf(tampered), { id: target.id, schema_name: targetSchema })).rejects.toMatchObject({
      code: 'archive_invalid',
    });
    expect(await p.db.tenant(targetSchema).selectFrom('products').select('id').execute()).toHaveLength(0);
    expect(await p.services.storage.get(`${target.id}/${ownName}`)).toBeNull();

    // The honest archive loads, and its image lives under the new store's own key with the archive's bytes.
    await loadArchiveIntoStore(p.db, p.services.storage, archiveOf(images), { id: target.id, schema_name: targetSchema });
    const loaded = await p.db.tenant(targetSchema).selectFrom('images').select('storage_key').executeTakeFirstOrThrow();
    expect(loaded.storage_key).toBe(`${target.id}/${ownName}`);
    expect(new Uint8Array((await p.services.storage.get(loaded.storage_key as string))?.body ?? [])).toEqual(PNG);
  });

  it('refuses a gzip bomb on import-archive with 413 archive_too_large', async () => {
    // ~300 MiB of zeros inside a tar, a few hundred KB compressed: passes the 25 MB upload limit, inflates past the cap.
    const bomb = gzipSync(Buffer.alloc(300 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const res = await p.request('POST', '/api/v1/stores/import-archive?name=Bomb&slug=bomb-shop', {
      cookie: attacker.cookie,
      binary: new Uint8Array(bomb),
      contentType: 'application/gzip',
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('archive_too_large');
    expect(await p.db.control.selectFrom('stores').select('id').where('slug', '=', 'bomb-shop').execute()).toHaveLength(0);
  });

  it('refuses JSON bodies over 1 MiB with 413 before parsing; uploads keep their own larger limit', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), slug: 'big-body', currency: 'USD' });
    const res = await p.request('POST', '/api/v1/stores', { cookie: attacker.cookie, rawBody: big });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const csv = `Handle,Title,Variant SKU,Variant Price\n${Array.from({ length: 40_000 }, (_, i) => `h-${i},Title ${i},SKU-${i},1.00`).join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    const imp = await p.request('POST', `/api/v1/stores/${attackerStore.id}/imports?filename=p.csv`, {
      cookie: attacker.cookie,
      rawBody: csv,
      contentType: 'text/csv',
    });
    expect(imp.status).not.toBe(413);
  });
});
