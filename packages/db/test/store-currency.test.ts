/**
 * The control migration that turns `stores.currency` from char(3) into checked text, on the machine's Postgres 15 and
 * on PGlite: existing rows keep their code, the column reads back without padding, and the check still refuses
 * anything but three upper-case letters.
 */
import { randomBytes } from 'node:crypto';
import { type Database, type Kysely, migrateControl, migrations, newId, sql } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, describe, expect, it } from 'vitest';

const MIGRATION = '20261206062545_store_currency_text';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function columnType(db: Database) {
  const r = await sql<{ data_type: string }>`
    select data_type from information_schema.columns where table_schema = 'control' and table_name = 'stores' and column_name = 'currency'`.execute(db.kysely);
  return r.rows[0]?.data_type;
}

async function insertStore(db: Database, currency: string) {
  const owner = newId();
  await db.control
    .insertInto('users')
    .values({ id: owner, email: `o${randomBytes(4).toString('hex')}@example.com`, name: 'O', password_hash: 'x' })
    .execute();
  const id = newId();
  const slug = `s${randomBytes(4).toString('hex')}`;
  await db.control
    .insertInto('stores')
    .values({ id, slug, schema_name: `t_${slug}`, name: 'S', currency, created_by: owner } as never)
    .execute();
  return id;
}

async function exercise(db: Database) {
  await migrateControl(db);
  const migration = (await migrations('control')).find((m) => m.name === MIGRATION);
  expect(migration).toBeDefined();
  expect(await columnType(db)).toBe('text');

  // Replay the migration over a char(3) column holding a store, as on a database migrated before it.
  await db.kysely.schema
    .withSchema('control')
    .alterTable('stores')
    .alterColumn('currency', (c) => c.setDataType('char(3)'))
    .execute();
  expect(await columnType(db)).toBe('character');
  const id = await insertStore(db, 'EUR');
  await (db.kysely as Kysely<any>).transaction().execute((trx) => (migration as { up(k: Kysely<any>): Promise<void> }).up(trx.withSchema('control')));
  expect(await columnType(db)).toBe('text');
  const row = await db.control.selectFrom('stores').select(['currency']).where('id', '=', id).executeTakeFirstOrThrow();
  expect(row.currency).toBe('EUR');
  const padded = await sql<{ n: number }>`select octet_length(currency)::int as n from control.stores where id = ${id}`.execute(db.kysely);
  expect(padded.rows[0]?.n).toBe(3);

  for (const bad of ['usd', 'US', 'USDX', 'U1D', '']) {
    const err = await insertStore(db, bad).catch((e) => e);
    expect([bad, err?.code, err?.constraint]).toEqual([bad, '23514', 'stores_currency_check']);
  }
  await insertStore(db, 'JPY');
}

describe('stores.currency is checked text', () => {
  it('migrates on Postgres 15', async () => {
    const tdb = await createTestDatabase(loadEnv(testEnvSchema).TEST_DATABASE_URL);
    cleanups.push(() => tdb.drop());
    await exercise(tdb.db);
  });

  it('migrates on PGlite', async () => {
    const tdb = await createEmbeddedTestDatabase({ poolMax: 4 });
    cleanups.push(() => tdb.drop());
    await exercise(tdb.db);
  }, 120_000);
});
