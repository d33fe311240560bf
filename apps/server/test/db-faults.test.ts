import type { Message } from '@tandem/protocol';
import { CloseCode } from '@tandem/protocol';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, type ServerProcess, startServerProcess, stopServerProcess } from '../scripts/server-process.ts';
import { api as nodeApi } from './bus-cluster.ts';
import { backends, uniqueName } from './helpers.ts';
import { startProxy } from './tcp-proxy.ts';
import { connect, connectAs, type TestSocket } from './ws-helpers.ts';

/**
 * A real server process (`node src/main.ts`) on PostgreSQL reached through a TCP proxy, so that
 * the tests can cut its database connections (as a failover, a restart or a network fault
 * would), refuse new ones, or let them hang. Needs TEST_DATABASE_URL; skipped otherwise.
 */

const postgres = backends.find((b) => b.name === 'postgres');

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!postgres)('the server through database faults', () => {
  let server: ServerProcess;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  /** The test database, reached directly (not through the proxy). */
  let directUrl: string;
  const open: TestSocket[] = [];

  beforeAll(async () => {
    if (!postgres) throw new Error('unreachable: the suite is skipped');
    const database = await postgres.database();
    if (database.kind !== 'postgres') throw new Error('expected a PostgreSQL database');
    directUrl = database.url;
    const url = new URL(database.url);
    proxy = await startProxy(Number(url.port || 5432));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    server = await startServerProcess('db-faults', {
      DATABASE_URL: url.toString(),
      DEFAULT_ROOMS: '',
      AUTH_RATE_LIMIT: '1000',
      SEND_RATE_LIMIT: '100000',
      LOG_LEVEL: 'info',
    });
  });

  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
    proxy.blackhole(false);
    proxy.setDown(false);
    // Whatever a test did to the database, the process must have survived it.
    if (!isRunning(server.child)) console.error(server.output().slice(-5000));
    expect(isRunning(server.child)).toBe(true);
  });

  afterAll(async () => {
    for (const socket of open.splice(0)) socket.close();
    if (server) await stopServerProcess(server.child);
    await proxy?.close();
  });

  /** A REST call to the server under test; throws unless it answers `status` (201 POST, 200 GET). */
  const api = <T>(method: 'GET' | 'POST', url: string, options?: Parameters<typeof nodeApi>[3]) =>
    nodeApi<T>(server, method, url, options);

  /** A guest with a room of its own, on a socket that has joined it. */
  async function member() {
    const { token } = await api<{ token: string }>('POST', '/auth/guest', { body: { username: uniqueName() } });
    const { roomId } = await api<{ roomId: string }>('POST', '/rooms', { token, body: { name: uniqueName('room') } });
    const socket = await connectAs(server.ws, token);
    open.push(socket);
    socket.send({ type: 'join', roomId, ref: 'join' });
    await socket.next('joined', (f) => f.ref === 'join');
    return { token, roomId, socket };
  }

  const history = (token: string, roomId: string) =>
    api<{ messages: Message[] }>('GET', `/rooms/${roomId}/messages?limit=100`, { token });

  /** Runs `statement` on the test database directly, in a transaction left open until `end()`. */
  async function holdLock(statement: string, values: unknown[]) {
    const client = new pg.Client({ connectionString: directUrl });
    await client.connect();
    await client.query('begin');
    await client.query(statement, values);
    return {
      end: async () => {
        await client.query('rollback');
        await client.end();
      },
    };
  }

  /** Queries of the server waiting for a lock in the test database. */
  async function waitingOnLocks(): Promise<number> {
    const client = new pg.Client({ connectionString: directUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      return Number(rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  }

  it('a connection cut while a send waits on the database fails that send with its ref; the process lives on and a retry is stored once', async () => {
    const { token, roomId, socket } = await member();
    // The room's row is locked elsewhere: the send's transaction waits on it, its connection busy.
    const lock = await holdLock('select id from rooms where id = $1 for update', [roomId]);
    const frame = { type: 'send', roomId, clientMessageId: 'cut-1', body: 'sent as the line went down' } as const;
    socket.send({ ...frame, ref: 'send-1' });
    await until(async () => (await waitingOnLocks()) > 0, 'the send to wait on the lock');
    proxy.cut();
    await lock.end();

    const failure = await socket.next('error', (f) => f.ref === 'send-1', 10_000);
    expect(failure.code).toBe('internal');
    expect(isRunning(server.child)).toBe(true);

    // The same message again (same clientMessageId), now that the database answers: stored once.
    socket.send({ ...frame, ref: 'send-2' });
    const ack = await socket.next('ack', (f) => f.ref === 'send-2', 10_000);
    socket.send({ ...frame, ref: 'send-3' });
    const replay = await socket.next('ack', (f) => f.ref === 'send-3', 10_000);
    expect(replay.message.id).toBe(ack.message.id);
    const { messages } = await history(token, roomId);
    expect(messages.filter((m) => m.clientMessageId === 'cut-1')).toHaveLength(1);
    expect(messages.map((m) => m.seq)).toEqual([1]);
  });

  it('idle database connections cut at once: the process lives on and the next send is stored', async () => {
    const { socket, roomId } = await member();
    // Several connections in the pool, all idle, then all cut.
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        fetch(`${server.http}/rooms/${roomId}/messages`, { headers: { authorization: 'Bearer nope' } }).then(
          (r) => r.text(),
          () => String(i),
        ),
      ),
    );
    expect(proxy.connections()).toBeGreaterThan(0);
    proxy.cut();
    await new Promise((r) => setTimeout(r, 300));
    expect(isRunning(server.child)).toBe(true);
    socket.send({ type: 'send', roomId, clientMessageId: 'after-idle-cut', body: 'still here', ref: 'after' });
    await socket.next('ack', (f) => f.ref === 'after', 10_000);
  });

  it('a database that stops answering mid-query: the query is cut, the process lives on, the send retried later is stored', async () => {
    const { socket, token, roomId } = await member();
    proxy.blackhole(true);
    socket.send({ type: 'send', roomId, clientMessageId: 'hang-1', body: 'into the void', ref: 'hang-1' });
    await new Promise((r) => setTimeout(r, 300));
    // The connection that swallowed the query is lost for good, mid-transaction.
    proxy.cut();
    proxy.blackhole(false);
    const failure = await socket.next('error', (f) => f.ref === 'hang-1', 10_000);
    expect(failure.code).toBe('internal');
    socket.send({ type: 'send', roomId, clientMessageId: 'hang-1', body: 'into the void', ref: 'hang-2' });
    await socket.next('ack', (f) => f.ref === 'hang-2', 10_000);
    const { messages } = await history(token, roomId);
    expect(messages.filter((m) => m.clientMessageId === 'hang-1')).toHaveLength(1);
  });

  it('sends, joins and reads that fail on the database each get an internal error carrying their ref', async () => {
    const { socket, roomId } = await member();
    socket.send({ type: 'send', roomId, clientMessageId: 'before', body: 'one', ref: 'before' });
    const { message } = await socket.next('ack', (f) => f.ref === 'before');
    proxy.setDown(true);
    socket.send({ type: 'send', roomId, clientMessageId: 'down-1', body: 'two', ref: 'send-down' });
    socket.send({ type: 'read', roomId, seq: message.seq, ref: 'read-down' });
    socket.send({ type: 'join', roomId, ref: 'join-down' });
    for (const ref of ['send-down', 'read-down', 'join-down']) {
      const failure = await socket.next('error', (f) => f.ref === ref, 10_000);
      expect(failure.code).toBe('internal');
    }
    proxy.setDown(false);
    socket.send({ type: 'join', roomId, ref: 'join-up' });
    await socket.next('joined', (f) => f.ref === 'join-up', 10_000);
    socket.send({ type: 'send', roomId, clientMessageId: 'down-1', body: 'two', ref: 'send-up' });
    expect((await socket.next('ack', (f) => f.ref === 'send-up', 10_000)).message.seq).toBe(message.seq + 1);
  });

  it('a session that cannot be checked (database unreachable) closes the socket with 1013, not 4401; an unknown token still gets 4401', async () => {
    const { token } = await api<{ token: string }>('POST', '/auth/guest', { body: { username: uniqueName() } });
    proxy.setDown(true);

    // A token in an `auth` frame.
    const byFrame = await connect(server.ws);
    open.push(byFrame);
    byFrame.send({ type: 'auth', token, ref: 'auth' });
    const frameClose = await byFrame.closed;
    expect(frameClose.code).toBe(CloseCode.tryAgainLater);
    expect(frameClose.reason).toMatch(/could not check your session just now; reconnect shortly/);

    // A bearer token on the upgrade.
    const byBearer = await connect(server.ws, { token });
    open.push(byBearer);
    expect((await byBearer.closed).code).toBe(CloseCode.tryAgainLater);

    // The session cookie on the upgrade.
    const byCookie = await connect(server.ws, { headers: { cookie: `tandem_session=${token}` } });
    open.push(byCookie);
    expect((await byCookie.closed).code).toBe(CloseCode.tryAgainLater);

    proxy.setDown(false);
    // Unknown tokens, with the database up, are still refused as signed out.
    const unknownFrame = await connect(server.ws);
    open.push(unknownFrame);
    unknownFrame.send({ type: 'auth', token: 'not-a-session-token-at-all' });
    expect((await unknownFrame.closed).code).toBe(CloseCode.unauthorized);
    const unknownBearer = await connect(server.ws, { token: 'not-a-session-token-at-all' });
    open.push(unknownBearer);
    expect((await unknownBearer.closed).code).toBe(CloseCode.unauthorized);
    // And the real token works again.
    const back = await connectAs(server.ws, token);
    open.push(back);
  });

  it('REST: a request the database cannot serve answers 503 with Retry-After, logged at warn once per node, not at error per request', async () => {
    const before = server.output().length;
    proxy.setDown(true);
    // No session to check: a guest sign-in goes straight to the database.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.http}/auth/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: uniqueName() }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unavailable');
      expect(body.error.message).toMatch(/database is not answering.*try again/i);
    }
    proxy.setDown(false);
    const lines = server
      .output()
      .slice(before)
      .split('\n')
      .filter((line) => line.includes('the database is not answering'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 40 });
    const ok = await fetch(`${server.http}/auth/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: uniqueName() }),
    });
    expect(ok.status).toBe(201);
  });

  it('REST: a session that cannot be checked answers 503 with a retry message, not 401', async () => {
    const { token } = await api<{ token: string }>('POST', '/auth/guest', { body: { username: uniqueName() } });
    const { roomId } = await api<{ roomId: string }>('POST', '/rooms', { token, body: { name: uniqueName('room') } });
    // `/auth/me` takes a session if there is one; the history needs one.
    const urls = ['/auth/me', `/rooms/${roomId}/messages`];
    proxy.setDown(true);
    for (const url of urls) {
      for (const headers of [{ authorization: `Bearer ${token}` }, { cookie: `tandem_session=${token}` }]) {
        const res = await fetch(`${server.http}${url}`, { headers });
        expect(res.status, url).toBe(503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('unavailable');
        expect(body.error.message).toMatch(/could not check your session just now.*try again/i);
      }
    }
    proxy.setDown(false);
    for (const url of urls) {
      const res = await fetch(`${server.http}${url}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, url).toBe(200);
    }
    // An unknown token, with the database up: signed out, as before.
    const unknown = { authorization: 'Bearer unknown-token' };
    const me = await fetch(`${server.http}/auth/me`, { headers: unknown });
    expect(await me.json()).toEqual({ user: null });
    expect((await fetch(`${server.http}/rooms/${roomId}/messages`, { headers: unknown })).status).toBe(401);
  });

  it('/readyz answers 503 within a second while the database refuses connections or stops answering', async () => {
    expect((await fetch(`${server.http}/readyz`)).status).toBe(200);
    for (const fault of ['down', 'hang'] as const) {
      if (fault === 'down') proxy.setDown(true);
      else {
        proxy.cut();
        proxy.blackhole(true);
      }
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const res = await fetch(`${server.http}/readyz`);
        const took = performance.now() - started;
        expect(res.status).toBe(503);
        expect(((await res.json()) as { checks: Record<string, string> }).checks.database).toMatch(/unreachable/);
        expect(took).toBeLessThan(1500);
      }
      proxy.blackhole(false);
      proxy.setDown(false);
      proxy.cut();
    }
    await until(async () => (await fetch(`${server.http}/readyz`)).status === 200, '/readyz 200 again');
  });
});
