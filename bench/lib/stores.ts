/** Many stores, fast: provisioning through StoreService in this process, and bare store rows for migration runs. */
import { randomBytes } from 'node:crypto';
import { UserService } from '@storeloom/auth';
import { type Database, newId, schemaNameForStore, sql } from '@storeloom/db';
import { StoreService } from '@storeloom/stores';
import { randomSuffix } from './env.ts';
import { progress } from './report.ts';

/** A merchant who owns the filler stores (not the one whose store is read). */
export async function createOwner(db: Database): Promise<string> {
  const user = await new UserService(db).signup({
    email: `bench-owner-${randomSuffix()}@example.com`,
    password: randomBytes(18).toString('base64url'),
    name: 'Bench Owner',
  });
  return user.id;
}

export interface ProvisionResult {
  count: number;
  concurrency: number;
  ms: number;
  storesPerSecond: number;
}

/**
 * Creates and provisions `count` stores with StoreService.create (the code
 * behind POST /api/v1/stores: control rows, schema, tenant migrations),
 * `concurrency` at a time. Every store must end up active.
 */
export async function provisionStores(db: Database, ownerId: string, count: number, concurrency: number): Promise<ProvisionResult> {
  const stores = new StoreService(db);
  const run = randomSuffix(3);
  let next = 0;
  let done = 0;
  const notActive: string[] = [];
  const step = Math.max(1, Math.round(count / 10));
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { store } = await stores.create({ userId: ownerId }, { name: `Filler ${i}`, slug: `fill-${run}-${i}`, currency: 'EUR' });
      if (store.status !== 'active') notActive.push(`${store.slug}: ${store.status}`);
      // Benchmarks browse these stores as shoppers: open them (new stores show "opening soon").
      else await stores.launch(store.id, { userId: ownerId });
      if (++done % step === 0 || done === count) progress(`provisioned ${done}/${count} stores`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  const ms = performance.now() - started;
  if (notActive.length) throw new Error(`${notActive.length} stores were not provisioned: ${notActive.slice(0, 5).join('; ')}`);
  return { count, concurrency, ms, storesPerSecond: count / (ms / 1000) };
}

/**
 * Inserts `count` store rows whose schemas do not exist yet (status
 * `provisioning`, as StoreService leaves them before provisioning), so that
 * migrateAllTenants creates and migrates every schema from scratch.
 */
export async function insertUnprovisionedStores(db: Database, ownerId: string, count: number): Promise<void> {
  const run = randomSuffix(3);
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, k) => {
      const id = newId();
      return {
        id,
        slug: `mig-${run}-${start + k}`,
        schema_name: schemaNameForStore(id),
        name: `Migration ${start + k}`,
        status: 'provisioning' as const,
        currency: 'EUR',
        default_locale: 'en',
        created_by: ownerId,
        idempotency_key: null,
        custom_domain: null,
        provisioning_error: null,
        schema_version: null,
        deleted_at: null,
      };
    });
    await db.control.insertInto('stores').values(rows).execute();
  }
}

/** Drops every store schema (the rows stay), so the next migration run starts from nothing again. */
export async function dropStoreSchemas(db: Database): Promise<number> {
  const rows = await db.control.selectFrom('stores').select('schema_name').execute();
  for (const r of rows) await sql`drop schema if exists ${sql.id(r.schema_name)} cascade`.execute(db.kysely);
  await db.control.updateTable('stores').set({ schema_version: null }).execute();
  return rows.length;
}
