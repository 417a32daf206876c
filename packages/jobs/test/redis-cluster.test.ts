/**
 * The jobs suite on a Redis Cluster: three masters started here on loopback
 * ports in a temporary directory (redis-server --cluster-enabled, joined with
 * `redis-cli --cluster create`), removed afterwards. BullMQ needs every key of
 * a queue in one slot; the hash-tagged prefix `{prefix}` guarantees it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fairSuite } from './fair-suite.ts';

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('jobs on a 3-master Redis Cluster', () => {
  let dir: string;
  const nodes: { port: number; proc: ChildProcess }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'storeloom-redis-cluster-'));
    // Cluster bus ports are port + 10000: pick ports whose bus port is free too.
    while (nodes.length < 3) {
      const port = await freePort();
      if (port > 55_000) continue;
      const proc = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ port, proc });
    }
    for (const n of nodes)
      for (let i = 0; ; i++) {
        try {
          await run('redis-cli', ['-p', String(n.port), 'ping']);
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (let i = 0; ; i++) {
      const { stdout } = await run('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info']);
      if (stdout.includes('cluster_state:ok')) break;
      if (i > 100) throw new Error(`cluster never became ok:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) n.proc.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is a real cluster: three masters sharing the 16384 slots', async () => {
    const { stdout } = await run('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info']);
    expect(stdout).toMatch(/cluster_known_nodes:3/);
    expect(stdout).toMatch(/cluster_slots_assigned:16384/);
    expect(stdout).toMatch(/cluster_size:3/);
  });

  fairSuite('Redis Cluster', () => ({ redisUrl: nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','), redisCluster: true }));
});
