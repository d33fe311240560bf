/**
 * A load-balanced Tandem cluster on one machine: N nodes on PostgreSQL + Redis behind nginx
 * (Debian's package), with WebSocket upgrades and no sticky sessions.
 *
 *   npm run cluster                      2 nodes, nginx on http://127.0.0.1:8080
 *   npm run cluster -- --nodes 3 --port 9000
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tandem_cluster, created if missing)
 * and REDIS_URL (default redis://127.0.0.1:6379) say where the shared state lives. Ctrl-C stops
 * nginx and every node cleanly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../apps/server/scripts/server-process.ts';

export type ClusterOptions = {
  nodes: number;
  /** nginx's port; 0 picks a free one. */
  port: number;
  databaseUrl: string;
  redisUrl: string;
  /** Redis channel namespace (tests use their own). */
  redisPrefix: string;
  env?: Record<string, string>;
};

export type Cluster = {
  url: string;
  nodes: ServerProcess[];
  stop: () => Promise<void>;
};

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];

export function findNginx(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  return [onPath, ...NGINX_CANDIDATES].find((p) => p && fs.existsSync(p));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Says what is missing, in words, before anything starts. */
export async function checkPrerequisites(options: ClusterOptions): Promise<string[]> {
  const problems: string[] = [];
  if (!findNginx()) problems.push('nginx is not installed: sudo apt-get install -y nginx-light');
  const admin = new URL(options.databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const name = new URL(options.databaseUrl).pathname.slice(1);
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '')}"`);
  } catch (error) {
    problems.push(`PostgreSQL is not reachable at ${admin.host} (${String(error)}): start it, or set DATABASE_URL`);
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(`Redis is not reachable at ${options.redisUrl} (${String(error)}): start it, or set REDIS_URL`);
  } finally {
    redis.disconnect();
  }
  return problems;
}

/**
 * The cluster's nginx: deploy/nginx.conf's behaviour on one machine (see the comments there):
 * old workers let go of WebSockets 2 s after a reload, a node's 503 is passed on (not retried,
 * not counted as a failure), a frozen node is found by the REST read timeout and skipped for
 * 5 s, /readyz is answered to this machine only.
 */
export function nginxConfig(dir: string, port: number, upstreams: number[]): string {
  const proxyHeaders = `
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-Id $request_id;`;
  return `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_shutdown_timeout 2s;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  # Round robin, no sticky sessions: a client that lands elsewhere after a reconnect resumes.
  upstream tandem {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 30m;
    proxy_http_version 1.1;
    proxy_next_upstream error timeout http_502;
    proxy_connect_timeout 2s;
    location ^~ /ws {
      proxy_pass http://tandem;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;${proxyHeaders}
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
    location = /readyz {
      allow 127.0.0.0/8;
      deny all;
      proxy_pass http://tandem;
      proxy_set_header Connection "";${proxyHeaders}
      proxy_read_timeout 5s;
    }
    location / {
      proxy_pass http://tandem;
      proxy_set_header Connection "";${proxyHeaders}
      proxy_read_timeout 15s;
      proxy_send_timeout 15s;
    }
  }
}
`;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const nginx = findNginx();
  if (!nginx) throw new Error('nginx is not installed');
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    TRUST_PROXY: 'true',
    ...options.env,
  };
  // The first node migrates the empty database; the others start once it is ready.
  const first = await startServerProcess('node-1', env);
  const rest = await Promise.all(
    Array.from({ length: options.nodes - 1 }, (_, i) => startServerProcess(`node-${i + 2}`, env)),
  );
  const nodes = [first, ...rest];
  const port = options.port || (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    nginxConfig(
      dir,
      port,
      nodes.map((n) => Number(new URL(n.http).port)),
    ),
  );
  const proxy: ChildProcess = spawn(nginx, ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 50 || proxy.exitCode !== null) throw new Error(`nginx did not come up (see ${dir}/error.log)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    nodes,
    async stop() {
      proxy.kill('SIGQUIT');
      await Promise.all(nodes.map((n) => stopServerProcess(n.child)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.main) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const options: ClusterOptions = {
    nodes: arg('nodes', 2),
    port: arg('port', 8080),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tandem_cluster',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: process.env.REDIS_PREFIX ?? 'tandem-cluster',
  };
  const problems = await checkPrerequisites(options);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`cluster: ${p}\n`);
    process.exit(1);
  }
  const cluster = await startCluster(options);
  process.stdout.write(
    `Tandem cluster: ${cluster.nodes.length} nodes (${cluster.nodes.map((n) => n.http).join(', ')}) behind nginx at ${cluster.url}\nCtrl-C stops everything.\n`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write('\nstopping the cluster…\n');
      cluster.stop().then(() => process.exit(0));
    });
  }
}
