import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, guest, startApp, testConfig } from '../helpers.ts';
import { connectAs, listen } from '../ws-helpers.ts';

/**
 * Slowloris: 50 connections sending 8 bytes each were all still open after 150 s. With small
 * settings here (headers 1 s, request 2 s, keep-alive 1 s), every slow connection is closed within
 * its bound plus the server's check interval, while a WebSocket and a slow but steady upload live on.
 */
const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

const HEADERS_MS = 1000;
const REQUEST_MS = 2000;
const KEEP_ALIVE_MS = 1000;
/** The bound plus Node's check interval and scheduling slack on a busy machine. */
const SLACK_MS = 2500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a raw TCP connection; `closedAt` resolves with the time the server closed it, `received` holds what it said. */
function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  const closedAt = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  return { socket, closedAt, received: () => received };
}

/** Writes `text` one byte every `everyMs` while the socket is open. */
async function trickle(socket: net.Socket, text: string, everyMs: number) {
  for (const ch of text) {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(ch);
    await sleep(everyMs);
  }
}

describe('slow clients', () => {
  let app: App;
  let port: number;
  let ws: string;
  beforeAll(async () => {
    app = await startApp(
      testConfig(await sqlite.database(), {
        HEADERS_TIMEOUT: `${HEADERS_MS}ms`,
        REQUEST_TIMEOUT: `${REQUEST_MS}ms`,
        KEEP_ALIVE_TIMEOUT: `${KEEP_ALIVE_MS}ms`,
        WS_HEARTBEAT: '60s',
      }),
    );
    const urls = await listen(app);
    port = Number(new URL(urls.http).port);
    ws = urls.ws;
  });
  afterAll(() => app.close());

  it('closes connections that trickle their headers, within HEADERS_TIMEOUT', async () => {
    const started = Date.now();
    const conns = Array.from({ length: 20 }, () => rawConnection(port));
    // 8 bytes each, then a byte every 300 ms: never a complete request line and headers.
    for (const c of conns) c.socket.write('GET / HT');
    for (const c of conns) void trickle(c.socket, `TP/1.1\r\nX-Slow: ${'a'.repeat(200)}`, 300);
    const closed = await Promise.race([
      Promise.all(conns.map((c) => c.closedAt)),
      sleep(HEADERS_MS + SLACK_MS + 2000).then(() => null),
    ]);
    // Before the fix every one was still open (Node's default is 60 s, checked every 30 s).
    expect(closed).not.toBeNull();
    for (const at of closed ?? []) expect(at - started).toBeLessThan(HEADERS_MS + SLACK_MS);
  });

  it('answers 408 and closes a connection that trickles its body, within REQUEST_TIMEOUT', async () => {
    const started = Date.now();
    const c = rawConnection(port);
    c.socket.write(
      'POST /auth/guest HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{',
    );
    void trickle(c.socket, `"username":"slowpoke"${' '.repeat(170)}`, 100);
    const closedAt = await Promise.race([c.closedAt, sleep(REQUEST_MS + SLACK_MS + 2000).then(() => null)]);
    expect(closedAt).not.toBeNull();
    expect((closedAt ?? 0) - started).toBeLessThan(REQUEST_MS + SLACK_MS);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT', async () => {
    const c = rawConnection(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const answeredAt = await new Promise<number>((resolve) => c.socket.once('data', () => resolve(Date.now())));
    const closedAt = await Promise.race([c.closedAt, sleep(KEEP_ALIVE_MS + SLACK_MS + 2000).then(() => null)]);
    // Before the fix Fastify's default kept it for 72 s.
    expect(closedAt).not.toBeNull();
    expect((closedAt ?? 0) - answeredAt).toBeLessThan(KEEP_ALIVE_MS + SLACK_MS);
  });

  it('keeps an upgraded WebSocket open and working past every timeout', async () => {
    const g = await guest(app);
    const s = await connectAs(ws, g.token);
    await sleep(REQUEST_MS + HEADERS_MS + KEEP_ALIVE_MS + 500);
    s.send({ type: 'ping', ref: 'still' });
    expect(await s.next('pong')).toMatchObject({ ref: 'still' });
    s.close();
  });

  it('lets a slow but steady upload run longer than REQUEST_TIMEOUT', async () => {
    const g = await guest(app);
    const boundary = 'tandemboundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunk = Buffer.alloc(32 * 1024, 7);
    const chunks = 40; // 1.25 MiB at ~320 KiB/s: about 4 s, twice REQUEST_TIMEOUT
    const length = head.length + chunk.length * chunks + tail.length;
    const started = Date.now();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/uploads',
          headers: {
            authorization: `Bearer ${g.token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': length,
          },
        },
        (response) => {
          let body = '';
          response.on('data', (d) => {
            body += d;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      void (async () => {
        req.write(head);
        for (let i = 0; i < chunks; i++) {
          req.write(chunk);
          await sleep(100);
        }
        req.end(tail);
      })();
    });
    expect(Date.now() - started).toBeGreaterThan(REQUEST_MS);
    expect(res.status, res.body).toBe(201);
    expect(JSON.parse(res.body)[0]).toMatchObject({ size: chunk.length * chunks });
  });
});
