/**
 * Loads the operator's exchange rates (issue 19) into control.exchange_rates: markets without their own
 * `exchangeRate` convert at the newest rate on or before today. Nothing is fetched at request time.
 *
 * npm run rates -- <file.json | file.csv> [--source NAME]
 *   JSON: [{"base":"GBP","quote":"EUR","rate":"1.1634","asOf":"2026-12-01"}, …]
 *   CSV:  base,quote,rate,asOf  (one rate per line; # comments)
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadExchangeRates, parseExchangeRatesFile } from '@storeloom/commerce';
import { createDatabase } from '@storeloom/db';
import { loadEnv, migrateEnvSchema } from '@storeloom/env';

const env = loadEnv(migrateEnvSchema);
const { values, positionals } = parseArgs({ allowPositionals: true, options: { source: { type: 'string' } } });
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: npm run rates -- <file.json|file.csv> [--source NAME]\n');
  process.exit(2);
}
if (!env.DATABASE_URL) {
  process.stderr.write('DATABASE_URL is not set\n');
  process.exit(2);
}
const db = createDatabase({ url: env.DATABASE_URL, poolMax: 2, applicationName: 'storeloom-rates', tenantIsolation: env.TENANT_ISOLATION });
try {
  const rows = parseExchangeRatesFile(await readFile(file, 'utf8'));
  const n = await loadExchangeRates(db, rows, values.source ?? basename(file));
  process.stdout.write(`${JSON.stringify({ loaded: n, source: values.source ?? basename(file) })}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
