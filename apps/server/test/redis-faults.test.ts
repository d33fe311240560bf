import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, type ServerProcess, startServerProcess, stopServerProcess } from '../scripts/server-process.ts';
import { backends } from './helpers.ts';

/**
 * A server process whose Redis (a `redis-server` of this test's own, never the shared one) goes
 * away and comes back. Skipped where redis-server is not installed.
 */

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** A throwaway redis-server on `port`: no persistence, gone with the test. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await until(() => accepts(port), `redis-server on port ${port}`);
  return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!hasRedis)('the server through a Redis outage', () => {
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let server: ServerProcess;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const database = await sqlite.database();
    if (database.kind !== 'sqlite') throw new Error('expected SQLite');
    server = await startServerProcess('redis-faults', {
      DATABASE_URL: `sqlite:${database.file}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DEFAULT_ROOMS: '',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    if (server) await stopServerProcess(server.child);
    await stopRedis(redis);
  });

  const readyz = async () => {
    const started = performance.now();
    const res = await fetch(`${server.http}/readyz`);
    const body = (await res.json()) as { checks: Record<string, string> };
    return { status: res.status, checks: body.checks, ms: performance.now() - started };
  };

  it('Redis goes away: /readyz answers 503 within a second; the code-room connections log JSON warnings, not "[ioredis] Unhandled error event"; all is well once it is back', async () => {
    expect((await readyz()).status).toBe(200);
    const logged = server.output().length;
    await stopRedis(redis);
    // Long enough for ioredis to fail a few reconnects (each one an `error` on every client).
    await new Promise((r) => setTimeout(r, 2500));

    for (let i = 0; i < 3; i++) {
      const probe = await readyz();
      expect(probe.status).toBe(503);
      expect(probe.checks.bus).toMatch(/unreachable/);
      expect(probe.ms).toBeLessThan(1500);
    }
    expect(isRunning(server.child)).toBe(true);

    const during = server.output().slice(logged);
    expect(during).not.toMatch(/Unhandled error event/);
    const warnings = during
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; connection?: string });
    expect(warnings.some((w) => w.level === 40 && w.msg === 'code-room Redis connection error')).toBe(true);
    // Rate limited: a handful a minute per connection, however often ioredis retries.
    expect(warnings.filter((w) => w.msg === 'code-room Redis connection error').length).toBeLessThanOrEqual(10);
    expect(server.problems.filter((p) => p.startsWith('stderr:'))).toEqual([]);

    redis = await startRedis(redisPort);
    await until(async () => (await readyz()).status === 200, '/readyz 200 once Redis is back');
    await until(() => server.output().includes('code-room Redis connection back'), 'the code-room connections back');
  });
});
