import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { findNginx, nginxConfig } from '../cluster.ts';

/**
 * The load balancer's settings that keep a cluster serving through faults: deploy/nginx.conf
 * (compose) and the nginx of `npm run cluster` (scripts/cluster.ts). Read as text everywhere;
 * where nginx is installed, also checked by `nginx -t` and run in front of stand-in nodes.
 */

const deployConf = fs.readFileSync(path.resolve(import.meta.dirname, '../../deploy/nginx.conf'), 'utf8');
const clusterConf = nginxConfig('/tmp/tandem-nginx-test', 8080, [8001, 8002]);
const nginx = findNginx();

/** Comments out. */
const code = (conf: string) => conf.replace(/#[^\n]*/g, '');

/** The directives of a `location <spec> { … }` block (locations here have no nested blocks). */
function location(conf: string, spec: string): string {
  const text = code(conf);
  const start = text.indexOf(`location ${spec} {`);
  if (start === -1) throw new Error(`no "location ${spec}" block`);
  return text.slice(start, text.indexOf('}', start));
}

/** A directive's value as seconds ("15s", "1h", "2"). */
function seconds(block: string, directive: string): number {
  const match = new RegExp(`\\b${directive}\\s+(\\d+)(ms|s|m|h)?;`).exec(block);
  if (!match) throw new Error(`no ${directive}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1;
  return Number(match[1]) * unit;
}

describe.each([
  ['deploy/nginx.conf', deployConf],
  ['the cluster script', clusterConf],
])('nginx settings in %s', (_name, conf) => {
  it('lets old workers go 2 s after a reload, instead of holding WebSockets forever', () => {
    expect(seconds(code(conf).split('http {')[0] ?? '', 'worker_shutdown_timeout')).toBe(2);
  });

  it("passes a node's 503 on: never retried elsewhere, never counted as the node failing", () => {
    const lines = code(conf).match(/proxy_next_upstream\s[^;]*;/g) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toMatch(/http_503/);
      expect(line).toMatch(/\berror\b/);
      expect(line).toMatch(/\btimeout\b/);
    }
  });

  it('skips a node that fails (passive health) and finds a frozen one by bounded timeouts on REST only', () => {
    const servers = code(conf).match(/^\s*server\s+[^\s;{]+:\d+[^;]*;/gm) ?? [];
    expect(servers.length).toBeGreaterThanOrEqual(2);
    for (const server of servers) expect(server).toMatch(/max_fails=\d+ fail_timeout=\d+s/);
    expect(seconds(code(conf), 'proxy_connect_timeout')).toBeLessThanOrEqual(5);
    const rest = location(conf, '/');
    expect(seconds(rest, 'proxy_read_timeout')).toBeLessThanOrEqual(30);
    expect(seconds(rest, 'proxy_send_timeout')).toBeLessThanOrEqual(30);
    // WebSockets are idle between messages by design: their timeouts stay far above the heartbeat.
    expect(seconds(location(conf, '^~ /ws'), 'proxy_read_timeout')).toBeGreaterThanOrEqual(600);
  });

  it('answers /readyz to local and internal callers only', () => {
    const readyz = location(conf, '= /readyz');
    expect(readyz).toMatch(/allow 127\.0\.0\.0\/8;/);
    expect(readyz).toMatch(/deny all;/);
    expect(readyz).not.toMatch(/allow all/);
  });
});

const freePort = async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe.skipIf(!nginx)('nginx running these settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-nginx-test-'));
  const cleanups: Array<() => Promise<void> | void> = [() => fs.rmSync(dir, { recursive: true, force: true })];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('accepts deploy/nginx.conf (nginx -t, the node names replaced by local addresses)', () => {
    const conf = path.join(dir, 'deploy.conf');
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    // Its logs go to /dev/stdout and /dev/stderr, which nginx cannot open on the sockets Node
    // gives a child for its output: files here instead.
    const local = deployConf
      .replace(/tandem-(\d):8000/g, '127.0.0.1:1800$1')
      .replaceAll('/dev/stdout', path.join(dir, 'access.log'))
      .replaceAll('/dev/stderr', path.join(dir, 'error.log'));
    fs.writeFileSync(conf, local);
    const result = spawnSync(nginx ?? 'nginx', ['-t', '-c', conf, '-p', dir, '-g', `pid ${dir}/t.pid;`], {
      encoding: 'utf8',
    });
    expect(result.stderr, result.stderr).toMatch(/test is successful/);
  });

  it('in front of two stand-in nodes: a 503 comes through and the node stays in; a reload lets go of WebSockets within seconds', async () => {
    // Two stand-in nodes: /status answers 503 on the first, 200 on the second; /ws upgrades.
    const hits = [0, 0];
    const ports = [await freePort(), await freePort()];
    for (const [i, port] of ports.entries()) {
      const server = http.createServer((request, response) => {
        hits[i] = (hits[i] ?? 0) + 1;
        response.statusCode = request.url === '/status' && i === 0 ? 503 : 200;
        response.end(String(i));
      });
      const sockets = new WebSocketServer({ server });
      sockets.on('connection', (socket) => socket.send('hello'));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            for (const client of sockets.clients) client.terminate();
            sockets.close();
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      );
    }
    const port = await freePort();
    const confFile = path.join(dir, 'cluster.conf');
    fs.writeFileSync(confFile, nginxConfig(dir, port, ports));
    const proxy: ChildProcess = spawn(nginx ?? 'nginx', ['-c', confFile, '-p', dir, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    cleanups.push(async () => {
      if (proxy.exitCode !== null || proxy.signalCode !== null) return;
      const exited = once(proxy, 'exit');
      proxy.kill('SIGTERM');
      await exited;
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/ok`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 100) throw new Error(`nginx did not come up (see ${dir}/error.log)`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // Round robin over both: the first node's 503s reach the client, and it keeps getting traffic.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${base}/status`)).status);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(2);
    const first = hits[0] ?? 0;
    for (let i = 0; i < 4; i++) await fetch(`${base}/status`);
    expect(hits[0]).toBeGreaterThan(first);
    // /readyz is answered to this machine.
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // A WebSocket through nginx, then a reload: the old worker closes it within seconds.
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await once(socket, 'message');
    const closed = once(socket, 'close');
    const reloadedAt = Date.now();
    proxy.kill('SIGHUP');
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still open'), 10_000)),
    ]);
    expect(outcome).toBe('closed');
    expect(Date.now() - reloadedAt).toBeLessThan(10_000);
  });
});
