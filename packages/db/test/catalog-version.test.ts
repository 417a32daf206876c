/**
 * The catalogue version (issue 23): bumped by triggers in the transaction of every catalogue write, whoever writes —
 * on the machine's Postgres 15 and on the embedded PGlite server. A rolled-back write leaves it, a transaction bumps
 * it once however much it wrote, TRUNCATE bumps it, a write elsewhere in the store does not, and concurrent writers
 * of one store neither deadlock nor lose a bump.
 */
import { CatalogVersions, catalogVersion, type Database, migrateTenant, newId, schemaNameForStore, sql } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

function versionSuite(name: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(name, () => {
    let db: Database;
    let close: () => Promise<void>;
    const a = schemaNameForStore(newId());
    const b = schemaNameForStore(newId());
    const productId = newId();
    const version = async (schema = a) => BigInt(await catalogVersion(db.tenant(schema)));

    beforeAll(async () => {
      ({ db, close } = await open());
      await migrateTenant(db, a);
      await migrateTenant(db, b);
    }, 300_000);
    afterAll(async () => {
      await close?.();
    });

    it('starts at a time-based value and grows with every committed catalogue write, from any path', async () => {
      const start = await version();
      expect(start).toBeGreaterThan(1_700_000_000_000_000n);
      const t = db.tenant(a);
      await t.insertInto('products').values({ id: productId, handle: 'mug', title: 'Mug', description: '', options: '[]', status: 'draft' }).execute();
      const v1 = await version();
      expect(v1).toBeGreaterThan(start);
      await t
        .insertInto('variants')
        .values({ id: newId(), product_id: productId, sku: 'M-1', title: 'Default', option_values: '{}', price: 900, inventory_quantity: 3, position: 0 })
        .execute();
      const v2 = await version();
      expect(v2).toBeGreaterThan(v1);
      await t.updateTable('variants').set({ inventory_quantity: 2 }).where('product_id', '=', productId).execute();
      const v3 = await version();
      expect(v3).toBeGreaterThan(v2);
      await t.insertInto('images').values({ id: newId(), product_id: productId, url: 'https://example.com/m.png', alt: '', position: 0 }).execute();
      const v4 = await version();
      expect(v4).toBeGreaterThan(v3);
      await t.insertInto('product_translations').values({ product_id: productId, locale: 'de', title: 'Becher' }).execute();
      const v5 = await version();
      expect(v5).toBeGreaterThan(v4);
      await t.deleteFrom('images').where('product_id', '=', productId).execute();
      expect(await version()).toBeGreaterThan(v5);
      // The other store's version did not move with these.
      const other = await version(b);
      await t.updateTable('products').set({ title: 'Big mug' }).where('id', '=', productId).execute();
      expect(await version(b)).toBe(other);
    });

    it('a rolled-back write leaves it; a transaction bumps it once; a write outside the catalogue leaves it', async () => {
      const before = await version();
      await expect(
        db.tenantTransaction(a, async (trx) => {
          await trx.updateTable('products').set({ title: 'Never' }).where('id', '=', productId).execute();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await version()).toBe(before);
      const read = async (trx: Parameters<Parameters<Database['tenantTransaction']>[1]>[0]) =>
        BigInt((await trx.selectFrom('catalog_version').select(sql<string>`version::text`.as('v')).executeTakeFirstOrThrow()).v);
      const seen: bigint[] = [];
      await db.tenantTransaction(a, async (trx) => {
        for (const title of ['One', 'Two']) await trx.updateTable('products').set({ title }).where('id', '=', productId).execute();
        // Deferred to commit: inside the transaction the version is still the old one.
        seen.push(await read(trx));
        // Fire the deferred triggers now (as commit would): one bump for both writes.
        await sql`set constraints all immediate`.execute(trx);
        seen.push(await read(trx));
        await sql`set constraints all deferred`.execute(trx);
        await trx.updateTable('variants').set({ price: 1000 }).where('product_id', '=', productId).execute();
        await trx.updateTable('products').set({ title: 'Three' }).where('id', '=', productId).execute();
        await sql`set constraints all immediate`.execute(trx);
        // Already bumped in this transaction: no second bump.
        seen.push(await read(trx));
      });
      expect(seen[0]).toBe(before);
      expect(seen[1]).toBeGreaterThan(before);
      expect(seen[2]).toBe(seen[1]);
      const after = await version();
      expect(after).toBe(seen[1]);
      await db
        .tenant(a)
        .insertInto('store_settings')
        .values({ key: 'probe', value: JSON.stringify(1) })
        .execute();
      expect(await version()).toBe(after);
    });

    it('a listening CatalogVersions answers from memory and learns each committed write', async () => {
      const versions = new CatalogVersions({ maxAgeMs: 600_000 });
      try {
        const listening = await versions.listen(db);
        // On PGlite too: the embedded server relays notifications between its connections (they share one session).
        expect(listening).toBe(true);
        const t = db.tenant(a);
        const v0 = BigInt(await versions.current(a, t));
        await versions.current(a, t);
        expect(versions.stats().fromMemory).toBe(listening ? 1 : 0);
        const pushed = listening ? versions.nextNotification(a) : Promise.resolve();
        await t.updateTable('products').set({ title: 'Listened' }).where('id', '=', productId).execute();
        await pushed;
        expect(BigInt(await versions.current(a, t))).toBeGreaterThan(v0);
      } finally {
        await versions.close();
      }
    });

    it('TRUNCATE bumps it', async () => {
      const before = await version(b);
      await sql`truncate ${sql.table(`${b}.collection_products`)}`.execute(db.kysely);
      expect(await version(b)).toBeGreaterThan(before);
    });

    it('concurrent writers of one store commit without deadlock and the version ends above all of theirs', async () => {
      const before = await version();
      const ids = Array.from({ length: 6 }, () => newId());
      await Promise.all(
        ids.map((id, i) =>
          db.tenantTransaction(a, async (trx) => {
            await trx
              .insertInto('products')
              .values({ id, handle: `p-${i}`, title: `P${i}`, description: '', options: '[]', status: 'active' })
              .execute();
            await trx.updateTable('products').set({ title: 'Shared' }).where('id', '=', productId).execute();
          }),
        ),
      );
      expect(await version()).toBeGreaterThan(before);
    });
  });
}

versionSuite('catalogue version on Postgres 15', async () => {
  const tdb: TestDatabase = await createTestDatabase(ADMIN_URL, { poolMax: 4 });
  return { db: tdb.db, close: () => tdb.drop() };
});

versionSuite('catalogue version on embedded PGlite', async () => {
  const tdb: TestDatabase = await createEmbeddedTestDatabase({ poolMax: 4 });
  return { db: tdb.db, close: () => tdb.drop() };
});
