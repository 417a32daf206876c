/**
 * `npm start`: the whole platform on one machine. Without DATABASE_URL it
 * serves an embedded Postgres (PGlite over the wire) from DATA_DIR; without
 * REDIS_URL the queues run on that database. Migrates, then runs the control
 * plane, the storefront and the worker as child processes and restarts any
 * that crash. Builds the merchant console first when it is missing or stale;
 * with `--dev` (npm run dev) runs the console's Vite dev server instead.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, describeConcurrencyCap, migrateAllTenants, migrateControl, prepareCluster, registerConfiguredClusters } from '@storeloom/db';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@storeloom/db/embedded';
import { loadEnv, platformEnvSchema, rawEnv } from '@storeloom/env';
import { Queues } from '@storeloom/jobs';
import { consoleDir, ensureConsoleBuilt, viteBin } from './console-build.ts';

const env = loadEnv(platformEnvSchema);
const say = (msg: string) => process.stdout.write(`[storeloom] ${msg}\n`);
const dataDir = resolve(env.DATA_DIR);
const devMode = process.argv.includes('--dev');
const CONSOLE_DEV_PORT = 5173;

if (!devMode) {
  try {
    await ensureConsoleBuilt(say);
  } catch (err) {
    say(`${(err as Error).message}\nthe API still starts; the console page explains how to build it`);
  }
}

let embedded: EmbeddedPostgres | null = null;
let databaseUrl = env.DATABASE_URL;
const lockFile = resolve(dataDir, 'platform.pid');

if (!databaseUrl) {
  mkdirSync(dataDir, { recursive: true });
  // One process owns the embedded database files at a time.
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        say(`another Storeloom (pid ${pid}) is using ${dataDir}; stop it first or set DATA_DIR`);
        process.exit(1);
      } catch {
        // stale lock from a crashed run
      }
    }
  } catch {
    // no lock
  }
  writeFileSync(lockFile, String(process.pid));
  say(`starting embedded Postgres (PGlite) in ${dataDir}/pgdata`);
  embedded = await startEmbeddedPostgres({ dataDir: resolve(dataDir, 'pgdata'), port: env.EMBEDDED_DATABASE_PORT });
  databaseUrl = embedded.url;
  say(`embedded Postgres listening at ${embedded.url}`);
}

const db = createDatabase({ url: databaseUrl as string, poolMax: 4, applicationName: 'storeloom-platform', clusters: env.DATABASE_CLUSTERS });
const control = await migrateControl(db);
if (control.length) say(`control schema: applied ${control.join(', ')}`);
const clustersAdded = await registerConfiguredClusters(db);
if (clustersAdded.length) say(`database clusters registered: ${clustersAdded.join(', ')}`);
for (const id of db.clusterIds) await prepareCluster(db, id);
const tenants = await migrateAllTenants(db, {
  concurrency: 4,
  onConcurrencyCapped: (cap) => say(`store schemas: ${describeConcurrencyCap(cap)}`),
  onProgress: ({ done, total }) => {
    if (done === total || done % 100 === 0) say(`store schemas: ${done}/${total} up to date`);
  },
});
for (const f of tenants.failed) say(`store ${f.storeId} failed to migrate: ${f.error}`);
await db.destroy();
// Embedded: one shared session, so BullMQ's unqualified SQL must find its tables on the default path.
const queuePgSchema = env.QUEUE_PG_SCHEMA ?? (embedded ? 'public' : undefined);
const queues = new Queues({ redisUrl: env.REDIS_URL, databaseUrl: databaseUrl as string, prefix: env.QUEUE_PREFIX, pgSchema: queuePgSchema });
await queues.init();
await queues.close();
say(`queues: ${env.REDIS_URL ? 'BullMQ on Redis' : 'BullMQ on Postgres (no Redis needed)'}`);

const appsDir = fileURLToPath(new URL('../../', import.meta.url));
const childEnv: Record<string, string> = Object.fromEntries(Object.entries(rawEnv()).filter((e): e is [string, string] => e[1] !== undefined));
childEnv.DATABASE_URL = databaseUrl as string;
// The embedded server multiplexes every connection onto one database: small pools are plenty.
if (embedded) childEnv.DATABASE_POOL_MAX ??= '4';
// PGlite runs one session for every connection (and in WebAssembly, without the timer signals that enforce
// them): per-connection statement/idle timeouts do not apply there.
if (embedded) childEnv.DATABASE_STATEMENT_TIMEOUT_MS ??= '0';
if (embedded) childEnv.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS ??= '0';
if (queuePgSchema) childEnv.QUEUE_PG_SCHEMA = queuePgSchema;
childEnv.STOREFRONT_SECRET ??= persistedSecret('storefront-secret');
childEnv.SECRETS_KEY ??= persistedSecret('secrets-key');
// Webhook signing secrets had a key of their own before the one secret box: an install that has it keeps passing it
// (as a previous key, so what it sealed stays readable and moves to SECRETS_KEY); a new install makes none.
if (existsSync(resolve(dataDir, 'webhook-secrets-key'))) childEnv.WEBHOOK_SECRETS_KEY ??= persistedSecret('webhook-secrets-key');
// The worker reads and writes media storage too (store exports and clones): same folder as the control plane.
childEnv.DATA_DIR = dataDir;
await buildStorefrontIfStale();

/**
 * Order-status links are signed with STOREFRONT_SECRET; two-factor seeds and webhook signing secrets are sealed with SECRETS_KEY; without them, a
 * random key is made once and kept in DATA_DIR (so a restart keeps links and two-factor sign-in working).
 */
function persistedSecret(fileName: string): string {
  const file = resolve(dataDir, fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * The storefront serves a Vite build of its Solid UI: its build script rebuilds it when missing or out of date. It runs as a
 * child process, like the apps themselves: the launcher imports no app's code.
 */
function buildStorefrontIfStale(): Promise<void> {
  return new Promise((done, fail) => {
    const proc = fork(resolve(appsDir, 'storefront/src/build-cli.ts'), ['--if-stale', '--quiet'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    proc.once('error', fail);
    proc.once('exit', (code, signal) => (code === 0 ? done() : fail(new Error(`the storefront UI build failed (${signal ?? `exit code ${code}`})`))));
  });
}
// The Vite dev server proxies the API; its origin must pass the CSRF origin check.
if (devMode) childEnv.TRUSTED_ORIGINS = [childEnv.TRUSTED_ORIGINS, `http://localhost:${CONSOLE_DEV_PORT}`].filter(Boolean).join(',');

interface Child {
  name: string;
  entry: string;
  proc?: ChildProcess;
  restarts: number;
  ready: boolean;
}
const children: Child[] = [
  { name: 'control-plane', entry: 'control-plane/src/main.ts', restarts: 0, ready: false },
  { name: 'storefront', entry: 'storefront/src/main.ts', restarts: 0, ready: false },
  { name: 'worker', entry: 'worker/src/main.ts', restarts: 0, ready: false },
];
let stopping = false;
let announced = false;

function announce() {
  if (announced || !children.every((c) => c.ready)) return;
  announced = true;
  const sfPort = env.STOREFRONT_PORT === 80 ? '' : `:${env.STOREFRONT_PORT}`;
  say('ready');
  if (devMode) say(`  console (dev)   http://localhost:${CONSOLE_DEV_PORT}/  (hot reload; API proxied to :${env.PORT})`);
  say(`  console + API   http://localhost:${env.PORT}/`);
  say(`  API reference   http://localhost:${env.PORT}/api/v1/docs`);
  say(`  storefronts     http://<store-slug>.${env.STORE_ROOT_DOMAIN}${sfPort}/`);
  say(`  database        ${embedded ? `embedded (${dataDir}/pgdata)` : 'DATABASE_URL'}`);
  say('  demo data       npm run demo (in another terminal)');
}

function start(child: Child) {
  const proc = fork(resolve(appsDir, child.entry), [], { env: childEnv, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  child.proc = proc;
  proc.on('message', (m: { type?: string }) => {
    if (m?.type === 'listening') {
      child.ready = true;
      child.restarts = 0;
      announce();
    }
  });
  proc.on('exit', (code, signal) => {
    child.ready = false;
    if (stopping) return;
    child.restarts++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(child.restarts, 6));
    say(`${child.name} exited (${signal ?? code}); restarting in ${delay} ms`);
    setTimeout(() => start(child), delay).unref();
  });
}

for (const c of children) start(c);

let vite: ChildProcess | undefined;
if (devMode) {
  vite = spawn(process.execPath, [viteBin(), '--port', String(CONSOLE_DEV_PORT), '--strictPort'], {
    cwd: consoleDir,
    env: { ...childEnv, CONSOLE_API_ORIGIN: `http://localhost:${env.PORT}`, CONSOLE_DEV_PORT: String(CONSOLE_DEV_PORT) },
    stdio: 'inherit',
  });
  vite.on('exit', (code) => {
    if (!stopping) say(`console dev server exited (${code})`);
  });
}

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping`);
  vite?.kill('SIGTERM');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          const p = c.proc;
          if (!p || p.exitCode !== null || p.signalCode !== null) return done();
          const t = setTimeout(() => p.kill('SIGKILL'), 35_000);
          p.once('exit', () => {
            clearTimeout(t);
            done();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
  await embedded?.stop();
  if (embedded) rmSync(lockFile, { force: true });
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
