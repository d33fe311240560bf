import { randomBytes } from 'node:crypto';
import { CloseCode } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig, uniqueName } from '../helpers.ts';
import { connectAs, listen, type TestSocket } from '../ws-helpers.ts';

/**
 * Leaving a room, signing out or a session running out used to leave open sockets working.
 * Now the socket hears of it: on every node.
 */
const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');
const postgres = backends.find((b) => b.name === 'postgres');
const redisUrl = process.env.TEST_REDIS_URL;

async function joined(url: string, token: string, roomId: string): Promise<TestSocket> {
  const s = await connectAs(url, token);
  s.send({ type: 'join', roomId });
  await s.next('joined');
  return s;
}

async function login(app: App, username: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { login: username, password: 'correct horse battery' },
  });
  return res.json().token as string;
}

async function account(app: App) {
  const username = uniqueName();
  const res = await app.inject({
    method: 'POST',
    url: '/auth/register',
    payload: { name: 'Eve Doe', username, email: `${username}@example.com`, password: 'correct horse battery' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return { username, token: res.json().token as string, id: res.json().user.id as string };
}

describe('sockets follow the session and the membership', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database(), { WS_HEARTBEAT: '200ms', SESSION_TTL: '3s' }));
    url = (await listen(app)).ws;
  });
  afterAll(() => app.close());

  it('closes the sockets of a session that signs out with 4401, and only those', async () => {
    const user = await account(app);
    const laptop = await connectAs(url, user.token);
    const phoneToken = await login(app, user.username);
    const phone = await connectAs(url, phoneToken);
    const res = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(res.statusCode).toBe(204);
    // Before the fix the laptop's socket stayed open and working.
    expect(await laptop.closed).toEqual({
      code: CloseCode.unauthorized,
      reason: expect.stringContaining('signed out'),
    });
    phone.send({ type: 'ping', ref: 'still here' });
    expect(await phone.next('pong')).toMatchObject({ ref: 'still here' });
    phone.close();
  });

  it('takes the user’s sockets out of a room it left over REST, saying why; other rooms and users carry on', async () => {
    const [leaver, stayer] = [await guest(app), await guest(app)];
    const roomId = await createRoom(app, leaver.headers);
    const otherRoom = await createRoom(app, leaver.headers);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: stayer.headers });
    const tabs = [await joined(url, leaver.token, roomId), await joined(url, leaver.token, roomId)];
    const elsewhere = await joined(url, leaver.token, otherRoom);
    const watcher = await joined(url, stayer.token, roomId);

    const left = await app.inject({ method: 'POST', url: `/rooms/${roomId}/leave`, headers: leaver.headers });
    expect(left.statusCode).toBe(204);
    for (const tab of tabs) {
      // Before the fix no `left` came and the tab kept receiving the room's messages.
      expect(await tab.next('left')).toMatchObject({ roomId, reason: expect.stringContaining('You left this room') });
    }
    expect(await watcher.next('presence', (f) => f.action === 'leave')).toMatchObject({ user: { id: leaver.user.id } });
    watcher.send({ type: 'send', ref: 'w', roomId, clientMessageId: 'after-leave', body: 'are you gone?' });
    await watcher.next('message');
    for (const tab of tabs) {
      await tab.none('message', 300);
      tab.send({ type: 'send', ref: 'x', roomId, clientMessageId: 'ghost', body: 'still here?' });
      expect(await tab.next('error', (f) => f.ref === 'x')).toMatchObject({ code: 'not_in_room' });
    }
    elsewhere.send({ type: 'send', ref: 'e', roomId: otherRoom, clientMessageId: 'other-room', body: 'here' });
    expect(await elsewhere.next('ack', (f) => f.ref === 'e')).toBeTruthy();
    for (const s of [...tabs, elsewhere, watcher]) s.close();
  });

  it('closes a socket when its session expires', async () => {
    const g = await guest(app);
    const s = await connectAs(url, g.token);
    // SESSION_TTL is 3 s and the server checks at every heartbeat (200 ms here).
    // Before the fix the socket outlived its session for as long as it stayed connected.
    const closed = await Promise.race([s.closed, new Promise<null>((r) => setTimeout(() => r(null), 6000))]);
    expect(closed).toEqual({ code: CloseCode.unauthorized, reason: expect.stringContaining('session expired') });
  });

  it('keeps the sockets of a guest who registers open: the same user, now with an account', async () => {
    const g = await guest(app);
    const s = await connectAs(url, g.token);
    const username = uniqueName();
    const res = await app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: g.headers,
      payload: { name: 'Gus', username, email: `${username}@example.com`, password: 'correct horse battery' },
    });
    expect(res.statusCode).toBe(201);
    await s.none('reconnect', 300);
    s.send({ type: 'ping', ref: 'after register' });
    expect(await s.next('pong')).toMatchObject({ ref: 'after register' });
    s.close();
  });
});

describe.skipIf(!postgres || !redisUrl)('across two nodes (Redis)', () => {
  let a: App;
  let b: App;
  let urlB: string;
  beforeAll(async () => {
    if (!postgres || !redisUrl) throw new Error('unreachable: the suite is skipped');
    const database = await postgres.database();
    const env = { REDIS_URL: redisUrl, REDIS_PREFIX: `tandem-test-${process.pid}-${randomBytes(4).toString('hex')}` };
    a = await startApp(testConfig(database, env));
    b = await startApp(testConfig(database, env));
    await listen(a);
    urlB = (await listen(b)).ws;
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('signing out on one node closes the session’s sockets on the other', async () => {
    const user = await account(a);
    const onB = await connectAs(urlB, user.token);
    await a.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${user.token}` } });
    expect((await onB.closed).code).toBe(CloseCode.unauthorized);
  });

  it('leaving on one node takes the user’s sockets out of the room on the other', async () => {
    const g = await guest(a);
    const roomId = await createRoom(a, g.headers);
    const onB = await joined(urlB, g.token, roomId);
    await a.inject({ method: 'POST', url: `/rooms/${roomId}/leave`, headers: g.headers });
    expect(await onB.next('left')).toMatchObject({ roomId, reason: expect.any(String) });
    onB.close();
  });
});
