/**
 * The same SQL on the embedded database (PGlite, a newer Postgres than the
 * machine's 15): provisioning, catalogue writes, atomic stock decrements and
 * idempotent store creation through the real services.
 */
import { InventoryService, ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { type Database, migrateAllTenants, newId } from '@storeloom/db';
import { createEmbeddedTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { StoreService } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('embedded Postgres (PGlite over the wire)', () => {
  let tdb: TestDatabase;
  let db: Database;
  let owner: string;
  beforeAll(async () => {
    tdb = await createEmbeddedTestDatabase({ poolMax: 8 });
    db = tdb.db;
    owner = newId();
    await db.control.insertInto('users').values({ id: owner, email: 'o@example.com', name: 'O', password_hash: 'x' }).execute();
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('provisions stores idempotently, even when the same key arrives concurrently', async () => {
    const stores = new StoreService(db);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => stores.create({ userId: owner }, { name: 'A', slug: 'alpha', currency: 'EUR' }, 'key-1')),
    );
    expect(new Set(results.map((r) => r.store.id)).size).toBe(1);
    expect(results[0]?.store.status).toBe('active');
    const count = await db.control
      .selectFrom('stores')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('slug', '=', 'alpha')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    const again = await migrateAllTenants(db);
    expect(again).toMatchObject({ total: 1, upToDate: 1, failed: [] });
  });

  it('writes the catalogue and never oversells under concurrent decrements', async () => {
    const stores = new StoreService(db);
    const { store } = await stores.create({ userId: owner }, { name: 'B', slug: 'bravo', currency: 'JPY' });
    const row = await stores.getRow(store.id);
    const tenant = db.tenant(row?.schema_name as string);
    const product = await new ProductService(tenant, UNLIMITED_CATALOG).create({
      title: 'Teapot',
      status: 'active',
      options: [{ name: 'Colour', values: ['Black', 'Red'] }],
      variants: [
        { sku: 'TP-B', price: 3200, inventoryQuantity: 10, options: { Colour: 'Black' } },
        { sku: 'TP-R', price: 3200, inventoryQuantity: 0, options: { Colour: 'Red' } },
      ],
    });
    expect(product.variants.map((v) => v.title)).toEqual(['Black', 'Red']);
    const variantId = product.variants[0]?.id as string;
    const inventory = new InventoryService(tenant);
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => inventory.adjust(variantId, -1, { reason: 'sold' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const after = await new ProductService(tenant, UNLIMITED_CATALOG).get(product.id);
    expect(after?.variants[0]?.inventoryQuantity).toBe(0);
    const stale = new ProductService(tenant, UNLIMITED_CATALOG).update(product.id, { version: 99, title: 'X' });
    await expect(stale).rejects.toMatchObject({ code: 'version_conflict' });
  });

  it('stores non-ASCII handles and reused SKUs, and its handle check still refuses spaces and capitals', async () => {
    const stores = new StoreService(db);
    const { store } = await stores.create({ userId: owner }, { name: 'C', slug: 'charlie', currency: 'JPY' });
    const row = await stores.getRow(store.id);
    const tenant = db.tenant(row?.schema_name as string);
    const products = new ProductService(tenant, UNLIMITED_CATALOG);
    const a = await products.create({ title: '有機抹茶', handle: '抹茶-有機-30g', variants: [{ sku: 'SAME', price: 2800, inventoryQuantity: 3 }] });
    const b = await products.create({ title: 'ほうじ茶', variants: [{ sku: 'SAME', price: 980, inventoryQuantity: 5 }] });
    expect([a.handle, b.handle]).toEqual(['抹茶-有機-30g', 'ほうじ茶']);
    expect((await products.getByHandle('抹茶-有機-30g'))?.id).toBe(a.id);
    // Past the application's validation, the database's own check.
    for (const handle of ['抹茶 セット', 'Matcha', '-抹茶', '抹茶/セット']) {
      await expect(
        tenant.insertInto('products').values({ id: newId(), handle, title: 'x', status: 'draft', description: '', options: '[]' }).execute(),
        handle,
      ).rejects.toThrow(/products_handle_check/);
    }
  });
});
