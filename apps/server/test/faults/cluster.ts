import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { isRunning, type ServerProcess, startServerProcess, stopServerProcess } from '../../scripts/server-process.ts';
import { startProxy } from '../tcp-proxy.ts';

/**
 * A small Tandem cluster for fault tests and the soak, every part of which the caller can break:
 *
 *   clients ──► balancer (round robin, TCP) ──┬──► node A ──┬──► PG proxy ──► PostgreSQL (a throwaway database)
 *                                             └──► node B ──┴──► redis-server of its own (killable, restartable)
 *
 * The nodes are real processes (`node src/main.ts`). PostgreSQL is reached through a TCP proxy
 * (`tcp-proxy.ts`) so that its connections can be cut, refused or silenced; the harness's own
 * checks use a direct connection. The Redis is started here on a free port so that it can be
 * killed and started again on the same port; the shared Redis and PostgreSQL are never stopped.
 * The balancer stands in for nginx: round robin per TCP connection, and a target that refuses
 * the connection is skipped (nginx's `proxy_next_upstream error`); a frozen node's connections
 * are accepted by its kernel and then hang, as they would behind nginx. It knows which node each
 * tagged client connection went to (`?fc=<tag>` in the upgrade request). REST goes through a
 * second balancer of the same kind, on its own port.
 *
 * No vitest here: the soak script uses it too.
 */

export const redisServerAvailable = (): boolean => {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
};

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it holds; the elapsed ms, or null after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<number | null> {
  const started = performance.now();
  for (;;) {
    if (await check()) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs) return null;
    await sleep(everyMs);
  }
}

// ------------------------------------------------------------------ Redis of our own

/** Resolves true when a Redis at `port` answers PING within `timeoutMs`. */
export function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += String(chunk);
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

export type RedisServer = {
  port: number;
  url: string;
  running: () => boolean;
  /** Kills the server (SIGKILL: no goodbye) and waits for it to be gone. */
  kill: () => Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  start: () => Promise<void>;
  stop: () => Promise<void>;
};

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-fault-redis-'));
  let child: ReturnType<typeof spawn> | null = null;
  const start = async () => {
    const spawned = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Keep the pipes drained.
    spawned.stdout?.resume();
    spawned.stderr?.resume();
    child = spawned;
    const up = await waitFor(() => redisPing(port, 200), 10_000, 50);
    if (up === null) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
  };
  const kill = async () => {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGKILL');
    await exited;
  };
  process.once('exit', () => {
    (child as ReturnType<typeof spawn> | null)?.kill('SIGKILL');
  });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    kill,
    start,
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ balancer

export type Balancer = {
  port: number;
  http: string;
  ws: string;
  setTargets: (targets: Array<{ name: string; port: number }>) => void;
  /** The node the tagged client's newest open connection went to. */
  nodeOf: (tag: string) => string | undefined;
  /** Open client connections per node. */
  counts: () => Record<string, number>;
  /** Drops every connection (to one node, or all). */
  cut: (node?: string) => void;
  /**
   * Active health checks, as HAProxy (`option httpchk`), a cloud load balancer or a Kubernetes
   * readiness probe do and open-source nginx does not: GET /healthz on every node each second
   * (1 s timeout); two failures in a row take a node out of the rotation, two successes put it
   * back. Off by default: plain round robin, which skips only a node that refuses connections.
   */
  healthChecks: (on: boolean) => void;
  /** Nodes taken out of the rotation by the health checks. */
  down: () => string[];
  close: () => Promise<void>;
};

type Pair = { client: net.Socket; upstream: net.Socket | null; node: string; tag: string | undefined };

export async function startBalancer(initial: Array<{ name: string; port: number }>): Promise<Balancer> {
  let targets = initial.slice();
  let turn = 0;
  const pairs = new Set<Pair>();
  const unhealthy = new Set<string>();
  const streaks = new Map<string, number>();
  let checker: ReturnType<typeof setInterval> | undefined;
  const check = async () => {
    await Promise.all(
      targets.map(async (target) => {
        const ok = await fetch(`http://127.0.0.1:${target.port}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          (res) => res.ok,
          () => false,
        );
        // Positive: successes in a row; negative: failures in a row.
        const streak = streaks.get(target.name) ?? 0;
        const next = ok ? Math.max(streak, 0) + 1 : Math.min(streak, 0) - 1;
        streaks.set(target.name, next);
        if (next <= -2) unhealthy.add(target.name);
        if (next >= 2) unhealthy.delete(target.name);
      }),
    );
  };
  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: null, node: '', tag: undefined };
    pairs.add(pair);
    const waiting: Buffer[] = [];
    let head = '';
    let connected = false;
    let attemptSocket: net.Socket | null = null;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
      attemptSocket?.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (pair.tag === undefined) {
        // The upgrade may follow other requests on a kept-alive connection: look at each.
        head = (head + chunk.toString('latin1')).slice(-4096);
        const tag = /GET [^ ?]*\?(?:[^ ]*&)?fc=([\w.-]+)/.exec(head)?.[1];
        if (tag) pair.tag = tag;
      }
      if (connected && pair.upstream) pair.upstream.write(chunk);
      else waiting.push(chunk);
    });
    client.on('close', end);
    client.on('error', end);
    const healthy = targets.filter((t) => !unhealthy.has(t.name));
    // With every node out of the rotation, try them all anyway (as nginx does).
    const list = healthy.length > 0 ? healthy : targets.slice();
    const first = turn++;
    let tries = 0;
    const attempt = () => {
      if (ended) return;
      if (tries >= list.length) return end();
      const target = list[(first + tries) % list.length];
      tries += 1;
      if (!target) return end();
      const upstream = net.connect(target.port, '127.0.0.1');
      attemptSocket = upstream;
      upstream.once('error', () => {
        if (!connected) attempt();
      });
      upstream.once('connect', () => {
        if (ended) return upstream.destroy();
        connected = true;
        attemptSocket = null;
        pair.upstream = upstream;
        pair.node = target.name;
        for (const chunk of waiting.splice(0)) upstream.write(chunk);
        upstream.on('data', (chunk) => client.write(chunk));
        upstream.on('close', end);
        upstream.on('error', end);
      });
    };
    attempt();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    setTargets: (next) => {
      targets = next.slice();
    },
    nodeOf: (tag) => {
      let node: string | undefined;
      for (const pair of pairs) if (pair.tag === tag && pair.node) node = pair.node;
      return node;
    },
    counts: () => {
      const counts: Record<string, number> = {};
      for (const pair of pairs) if (pair.node) counts[pair.node] = (counts[pair.node] ?? 0) + 1;
      return counts;
    },
    cut: (node) => {
      for (const pair of [...pairs]) {
        if (node !== undefined && pair.node !== node) continue;
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream?.destroy();
      }
    },
    healthChecks: (on) => {
      clearInterval(checker);
      checker = undefined;
      unhealthy.clear();
      streaks.clear();
      if (on) {
        let running = false;
        checker = setInterval(() => {
          if (running) return;
          running = true;
          void check().finally(() => {
            running = false;
          });
        }, 1000);
      }
    },
    down: () => [...unhealthy],
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(checker);
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream?.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------ the cluster

/** The name the harness's own database connections carry, so that terminating "every backend" spares them. */
const HARNESS_APP_NAME = 'tandem-fault-harness';

export type ClusterOptions = {
  /** A PostgreSQL URL allowed to create and drop databases (TEST_DATABASE_URL). */
  adminUrl: string;
  nodes?: string[];
  /** Extra environment for every node. */
  env?: Record<string, string>;
};

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

export async function startCluster(options: ClusterOptions) {
  const names = options.nodes ?? ['A', 'B'];
  const dbName = `tandem_fault_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.adminUrl, application_name: HARNESS_APP_NAME });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const adminUrl = new URL(options.adminUrl);
  const directUrl = new URL(options.adminUrl);
  directUrl.pathname = `/${dbName}`;
  const pgProxy = await startProxy(Number(adminUrl.port || 5432));
  const viaProxy = new URL(directUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(pgProxy.port);
  // The harness's checks go straight to PostgreSQL: they must work while the nodes' path is broken.
  const db = new pg.Pool({ connectionString: directUrl.toString(), max: 3, application_name: HARNESS_APP_NAME });
  db.on('error', () => {});
  const redis = await startRedisServer();
  const env: Record<string, string> = {
    DATABASE_URL: viaProxy.toString(),
    REDIS_URL: redis.url,
    REDIS_PREFIX: `tandem-fault-${process.pid}-${randomBytes(4).toString('hex')}`,
    NODE_TIMEOUT: '3000ms',
    DEFAULT_ROOMS: '',
    AUTH_RATE_LIMIT: '100000',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...options.env,
  };
  const nodes = new Map<string, ServerProcess>();
  /** Node processes that exited without being told to: a crash, with the end of their output. */
  const deaths: string[] = [];
  const expectedExits = new Set<ServerProcess['child']>();
  const start = async (name: string) => {
    const started = await startServerProcess(name, env);
    started.child.once('exit', (code, signal) => {
      if (expectedExits.has(started.child)) return;
      const tail = started
        .output()
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('{') || /"level":(5|6)\d/.test(line))
        .slice(-8)
        .join('\n');
      deaths.push(`node ${name} exited (${code ?? signal}); its last error output:\n${tail.slice(-3000)}`);
    });
    return started;
  };
  const stop = (child: ServerProcess['child']) => {
    expectedExits.add(child);
    return stopServerProcess(child);
  };
  const dropDatabase = async () => {
    const cleanup = new pg.Client({ connectionString: options.adminUrl, application_name: HARNESS_APP_NAME });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${dbName} with (force)`);
    await cleanup.end();
  };
  try {
    // Node A first: it migrates the empty database; the others start on the migrated schema.
    const [firstName, ...otherNames] = names;
    if (!firstName) throw new Error('a cluster needs a node');
    nodes.set(firstName, await start(firstName));
    for (const [name, node] of await Promise.all(otherNames.map(async (name) => [name, await start(name)] as const))) {
      nodes.set(name, node);
    }
  } catch (error) {
    // Nothing is left behind when the cluster cannot start.
    await Promise.all([...nodes.values()].map((n) => stop(n.child)));
    await pgProxy.close();
    await redis.stop();
    await db.end().catch(() => {});
    await dropDatabase();
    throw error;
  }
  const portOf = (node: ServerProcess) => Number(new URL(node.http).port);
  const targets = () => [...nodes].map(([name, node]) => ({ name, port: portOf(node) }));
  // Sockets and REST on separate ports: fetch keeps HTTP connections alive per origin, and an
  // upgrade sent on one of them would go to that connection's node instead of the next in turn.
  const balancer = await startBalancer(targets());
  const restBalancer = await startBalancer(targets());
  const retarget = () => {
    balancer.setTargets(targets());
    restBalancer.setTargets(targets());
  };

  const node = (name: string): ServerProcess => {
    const found = nodes.get(name);
    if (!found) throw new Error(`no node ${name}`);
    return found;
  };

  return {
    names,
    env,
    dbName,
    db,
    pgProxy,
    redis,
    balancer,
    restBalancer,
    node,
    nodes: () => [...nodes.values()],
    http: restBalancer.http,
    ws: balancer.ws,
    running: (name: string) => isRunning(node(name).child),
    signal: (name: string, signal: NodeJS.Signals) => node(name).child.kill(signal),
    /** SIGKILL, and wait for the process to be gone. */
    kill: async (name: string) => {
      const child = node(name).child;
      if (!isRunning(child)) return;
      expectedExits.add(child);
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    /** Starts a node that was stopped or killed again, and puts it back in the balancer. */
    restart: async (name: string) => {
      const old = node(name);
      if (isRunning(old.child)) await stop(old.child);
      nodes.set(name, await start(name));
      retarget();
    },
    /**
     * Ends every PostgreSQL backend of the nodes as an administrator would: the server sends each
     * connection a FATAL "terminating connection due to administrator command" and closes it.
     */
    terminateBackends: async (): Promise<number> => {
      const client = new pg.Client({ connectionString: options.adminUrl, application_name: HARNESS_APP_NAME });
      await client.connect();
      try {
        const result = await client.query<{ ended: boolean }>(
          `select pg_terminate_backend(pid) as ended from pg_stat_activity
            where datname = $1 and pid <> pg_backend_pid() and application_name <> $2`,
          [dbName, HARNESS_APP_NAME],
        );
        return result.rows.filter((r) => r.ended).length;
      } finally {
        await client.end();
      }
    },
    /** Every warning or error line the nodes logged so far (the newest node process of each name). */
    problems: () => [...nodes.values()].flatMap((n) => n.problems.map((line) => `node ${n.name}: ${line}`)),
    /** Crashes so far (exits the harness did not cause), oldest first. */
    deaths: () => deaths.slice(),
    close: async () => {
      for (const n of nodes.values()) if (isRunning(n.child)) n.child.kill('SIGCONT');
      await Promise.all([...nodes.values()].map((n) => stop(n.child)));
      await balancer.close();
      await restBalancer.close();
      await pgProxy.close();
      await redis.stop();
      await db.end().catch(() => {});
      await dropDatabase();
    },
  };
}
