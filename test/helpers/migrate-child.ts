/**
 * A migration runner for the crash test: applies every tenant migration plus
 * a slow extra one (creates a table, writes a row, sleeps) to the schemas
 * given in argv[2], two at a time, reporting each finished schema. The parent
 * SIGKILLs it mid-run, then runs it again to completion.
 */
import { createDatabase, type Migration, migrateTenant, migrations, sql } from '@storeloom/db';

const cfg = JSON.parse(process.argv[2] as string) as { url: string; schemas: string[]; sleepMs: number };
const db = createDatabase({ url: cfg.url, poolMax: 4, applicationName: 'storeloom-migrate-crash-child' });

export const SLOW_MIGRATION = '29991231000000_crash_test_slow';
const slow: Migration = {
  name: SLOW_MIGRATION,
  async up(k) {
    await k.schema
      .createTable('crash_marker')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute();
    await k.insertInto('crash_marker').values({ id: 1 }).execute();
    await sql`select pg_sleep(${cfg.sleepMs / 1000})`.execute(k);
  },
};
const list = [...(await migrations('tenant')), slow];

let next = 0;
const worker = async () => {
  while (next < cfg.schemas.length) {
    const schema = cfg.schemas[next++] as string;
    process.send?.({ type: 'started', schema });
    const r = await migrateTenant(db, schema, list);
    process.send?.({ type: 'done', schema, applied: r.applied });
  }
};
await Promise.all([worker(), worker()]);
await db.destroy();
process.send?.({ type: 'finished' });
process.exit(0);
