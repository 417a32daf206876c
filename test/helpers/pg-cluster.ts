/**
 * A second, throwaway PostgreSQL 15 cluster for placement tests: `initdb` (run
 * as the `postgres` OS user, since initdb refuses root) into a temp dir, trust
 * auth, loopback only on a free port, started with `pg_ctl start -w`; stop()
 * stops it and removes the directory. Fails loudly when the binaries are missing.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });

function asPostgres(args: string[]): string {
  const isRoot = process.getuid?.() === 0;
  const [cmd, rest] = isRoot ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0] as string, args.slice(1)];
  return execFileSync(cmd as string, rest as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startPgCluster(): Promise<PgCluster> {
  if (!existsSync(join(PG_BIN, 'initdb')))
    throw new Error(`PostgreSQL 15 binaries not found in ${PG_BIN}: the placement tests need initdb to start a second cluster`);
  const base = mkdtempSync(join(tmpdir(), 'storeloom-pg2-'));
  const dataDir = join(base, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(base, uid, gid);
  }
  const port = await freePort();
  try {
    asPostgres([join(PG_BIN, 'initdb'), '-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    asPostgres([
      join(PG_BIN, 'pg_ctl'),
      '-D',
      dataDir,
      '-l',
      join(base, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=16MB`,
      'start',
    ]);
  } catch (e) {
    rmSync(base, { recursive: true, force: true });
    const err = e as { stderr?: string; message: string };
    throw new Error(`could not start a second Postgres cluster: ${err.stderr || err.message}`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        asPostgres([join(PG_BIN, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  };
}
