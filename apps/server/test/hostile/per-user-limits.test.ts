import { randomBytes } from 'node:crypto';
import { CloseCode, type ServerFrame } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { createLimits } from '../../src/limits/limits.ts';
import { backends, createRoom, startApp, testConfig, uniqueName } from '../helpers.ts';
import { connect, connectAs, listen, type TestSocket } from '../ws-helpers.ts';

/**
 * Limits that were per socket or per node were holes per user: 25 sockets of one guest stored
 * 1,500 messages in 5.3 s, and one user could hold 500 sockets. The budgets are now the user's,
 * over all its sockets and REST, on every node (through Redis when there is one).
 */
const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');
const postgres = backends.find((b) => b.name === 'postgres');
const redisUrl = process.env.TEST_REDIS_URL;

const LIMITS = { WS_SENDS_PER_SECOND: '0.2', WS_SEND_BURST: '6', WS_MAX_SOCKETS_PER_USER: '4' };

/** A guest signed up from its own address, so that per-address limits of one test do not touch another's. */
async function guestOf(app: App, ip = `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`) {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/guest',
    payload: { username: uniqueName() },
    remoteAddress: ip,
  });
  if (res.statusCode !== 201) throw new Error(`guest sign-up failed: ${res.body}`);
  const body = res.json() as { token: string; user: { id: string } };
  return { token: body.token, user: body.user, headers: { authorization: `Bearer ${body.token}` } };
}

async function joined(url: string, token: string, roomId: string): Promise<TestSocket> {
  const s = await connectAs(url, token);
  s.send({ type: 'join', roomId });
  await s.next('joined');
  return s;
}

/** Waits until every send of `sockets` (refs `prefix…`) is answered: ack or error. Returns the acks. */
async function answers(sockets: TestSocket[], expected: number) {
  const deadline = Date.now() + 5000;
  const answered = (f: ServerFrame) => (f.type === 'ack' || f.type === 'error') && 'ref' in f && f.ref !== undefined;
  while (sockets.reduce((n, s) => n + s.frames.filter(answered).length, 0) < expected) {
    if (Date.now() > deadline) throw new Error('sends were not all answered');
    await new Promise((r) => setTimeout(r, 20));
  }
  const all = sockets.flatMap((s) => s.frames.filter(answered));
  return {
    acks: all.filter((f) => f.type === 'ack').length,
    limited: all.filter((f) => f.type === 'error' && f.code === 'rate_limited').length,
  };
}

describe('per-user limits on one node', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database(), LIMITS));
    url = (await listen(app)).ws;
  });
  afterAll(() => app.close());

  it('gives a user one send budget over all its sockets and REST', async () => {
    const g = await guestOf(app);
    const roomId = await createRoom(app, g.headers);
    const sockets = await Promise.all([1, 2, 3, 4].map(() => joined(url, g.token, roomId)));
    // Each socket sends a full burst at once. Before the fix every socket had its own burst: 24 acks.
    sockets.forEach((s, i) => {
      for (let k = 0; k < 6; k++)
        s.send({ type: 'send', ref: `s${i}-${k}`, roomId, clientMessageId: `m${i}-${k}`, body: 'hi' });
    });
    const { acks, limited } = await answers(sockets, 24);
    expect(acks).toBeGreaterThanOrEqual(6);
    expect(acks).toBeLessThanOrEqual(7);
    expect(limited).toBe(24 - acks);
    // REST takes from the same budget: it is spent.
    const rest = await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: g.headers,
      payload: { clientMessageId: 'rest-1', body: 'over REST' },
    });
    expect(rest.statusCode).toBe(429);
    expect(rest.json().error.message).toContain('per user');
    // Another user's budget is untouched.
    const other = await guestOf(app);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: other.headers });
    const theirs = await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: other.headers,
      payload: { clientMessageId: 'o-1', body: 'mine' },
    });
    expect(theirs.statusCode).toBe(201);
    for (const s of sockets) s.close();
  });

  it('refuses a user’s socket past WS_MAX_SOCKETS_PER_USER with 4429, and takes one again once a slot frees', async () => {
    const g = await guestOf(app);
    const sockets = await Promise.all([1, 2, 3, 4].map(() => connectAs(url, g.token)));
    // Before the fix the fifth (and the five-hundredth) got hello.
    const fifth = await connect(url, { token: g.token });
    const closed = await fifth.closed;
    expect(closed.code).toBe(CloseCode.tooManyConnections);
    expect(closed.reason).toContain('at most 4 per user');
    expect(fifth.frames.filter((f) => f.type === 'hello')).toEqual([]);
    // Someone else is not affected.
    const other = await guestOf(app);
    const theirs = await connectAs(url, other.token);
    theirs.close();
    // A closed socket gives its slot back.
    sockets[0]?.close();
    await sockets[0]?.closed;
    const deadline = Date.now() + 3000;
    for (;;) {
      const again = await connect(url, { token: g.token });
      const first = await Promise.race([again.next('hello').then(() => 'hello'), again.closed.then(() => 'closed')]);
      if (first === 'hello') {
        again.close();
        break;
      }
      if (Date.now() > deadline) throw new Error('the freed slot was never given back');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of sockets.slice(1)) s.close();
  });

  it('counts binary frames against the frame budget', async () => {
    const g = await guestOf(app);
    const s = await connectAs(url, g.token);
    for (let i = 0; i < 400; i++) s.sendRaw(Buffer.from([1, 2, 3]));
    s.send({ type: 'ping', ref: 'after' });
    await new Promise((r) => setTimeout(r, 500));
    const refused = s.frames.filter((f) => f.type === 'error' && f.code === 'bad_frame').length;
    // Before the fix every binary frame was answered (400), none was ever limited.
    expect(refused).toBeLessThan(150);
    expect(s.frames.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
    s.close();
  });
});

describe('the shared limiter when Redis cannot be reached', () => {
  it('falls back to this node’s memory and warns, rather than failing or letting everything through', async () => {
    const warnings: string[] = [];
    const limits = await createLimits({
      redisUrl: 'redis://127.0.0.1:1',
      prefix: `tandem-test-${randomBytes(4).toString('hex')}`,
      log: { warn: (_obj, msg) => warnings.push(msg) },
    });
    try {
      const rule = { ratePerSecond: 0.01, burst: 2 };
      expect([await limits.take('k', rule), await limits.take('k', rule), await limits.take('k', rule)]).toEqual([
        true,
        true,
        false,
      ]);
      const first = await limits.acquireSocket('u', 1);
      expect(first).not.toBeNull();
      expect(await limits.acquireSocket('u', 1)).toBeNull();
      first?.();
      expect(await limits.acquireSocket('u', 1)).not.toBeNull();
      expect(warnings.some((w) => w.includes('unreachable'))).toBe(true);
    } finally {
      await limits.close();
    }
  });
});

describe.skipIf(!postgres || !redisUrl)('per-user limits across two nodes (Redis)', () => {
  let a: App;
  let b: App;
  let urlA: string;
  let urlB: string;
  beforeAll(async () => {
    if (!postgres || !redisUrl) throw new Error('unreachable: the suite is skipped');
    const database = await postgres.database();
    const env = {
      ...LIMITS,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `tandem-test-${process.pid}-${randomBytes(4).toString('hex')}`,
      LOGIN_MAX_FAILURES: '3',
      AUTH_RATE_LIMIT: '4',
    };
    a = await startApp(testConfig(database, env));
    b = await startApp(testConfig(database, env));
    urlA = (await listen(a)).ws;
    urlB = (await listen(b)).ws;
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('caps a user’s sockets over both nodes', async () => {
    const g = await guestOf(a);
    const sockets = [
      await connectAs(urlA, g.token),
      await connectAs(urlB, g.token),
      await connectAs(urlA, g.token),
      await connectAs(urlB, g.token),
    ];
    // Before the fix each node counted its own: 4 per node.
    const fifth = await connect(urlA, { token: g.token });
    expect((await fifth.closed).code).toBe(CloseCode.tooManyConnections);
    for (const s of sockets) s.close();
  });

  it('shares one send budget over both nodes', async () => {
    const g = await guestOf(a);
    const roomId = await createRoom(a, g.headers);
    const onA = await joined(urlA, g.token, roomId);
    for (let k = 0; k < 6; k++) onA.send({ type: 'send', ref: `a${k}`, roomId, clientMessageId: `a${k}`, body: 'hi' });
    expect((await answers([onA], 6)).acks).toBe(6);
    const onB = await joined(urlB, g.token, roomId);
    onB.send({ type: 'send', ref: 'b0', roomId, clientMessageId: 'b0', body: 'from B' });
    // Before the fix node B had a budget of its own and acked it.
    expect(await onB.next('error', (f) => f.ref === 'b0')).toMatchObject({ code: 'rate_limited' });
    const rest = await b.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: g.headers,
      payload: { clientMessageId: 'rest-b', body: 'over REST on B' },
    });
    expect(rest.statusCode).toBe(429);
    onA.close();
    onB.close();
  });

  it('counts failed sign-ins on every node', async () => {
    const username = uniqueName();
    const ip = '10.200.0.1';
    const registered = await a.inject({
      method: 'POST',
      url: '/auth/register',
      remoteAddress: '10.200.0.2',
      payload: { name: 'Dana', username, email: `${username}@example.com`, password: 'correct horse battery' },
    });
    expect(registered.statusCode).toBe(201);
    const login = (app: App, password: string) =>
      app.inject({ method: 'POST', url: '/auth/login', remoteAddress: ip, payload: { login: username, password } });
    expect((await login(a, 'wrong password 1')).statusCode).toBe(401);
    expect((await login(b, 'wrong password 2')).statusCode).toBe(401);
    expect((await login(a, 'wrong password 3')).statusCode).toBe(401);
    // Before the fix node B had counted one failure only and answered 401 again.
    const limited = await login(b, 'wrong password 4');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('shares the per-address sign-up rate limit', async () => {
    const ip = '10.201.0.1';
    const signUp = (app: App) =>
      app.inject({ method: 'POST', url: '/auth/guest', remoteAddress: ip, payload: { username: uniqueName() } });
    const statuses = [];
    for (const app of [a, b, a, b, a]) statuses.push((await signUp(app)).statusCode);
    // AUTH_RATE_LIMIT is 4 a minute: before the fix each node allowed 4 (the fifth was 201).
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
  });
});
