import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

/**
 * A redis-server of a test's own, on a free port, that the test may stop and start again on
 * the same port (the shared Redis at 6379 is never touched). No persistence: a restart is an
 * empty Redis, as after a crash.
 */
export type OwnRedis = {
  port: number;
  url: string;
  running: () => boolean;
  /** Kills it (SIGKILL: connections are cut at once, as when the host or process dies). */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
};

export const redisServerAvailable = (): boolean =>
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child) throw new Error('redis-server is already running');
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    children.add(started);
    started.once('exit', () => {
      children.delete(started);
      if (child === started) child = undefined;
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += String(chunk);
        if (!output.includes('Ready to accept connections')) return;
        clearTimeout(timer);
        started.stdout?.off('data', onData);
        started.stdout?.resume();
        resolve();
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', (chunk) => {
        output += String(chunk);
      });
      started.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}):\n${output}`));
      });
    });
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, running: () => child !== undefined, stop, start };
}
