import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig, uniqueName } from './helpers.ts';

describe.each(backends)('rooms on $name', (backend) => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database(), { DEFAULT_ROOMS: 'Room 1,Room 2,Room 3' }));
  });
  afterAll(() => app.close());

  it('creates a room without a session: 201 with a roomId and a generated readable name', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(201);
    const { roomId, room } = res.json();
    expect(roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(room).toMatchObject({ id: roomId, kind: 'chat', encrypted: false, createdBy: null });
    expect(room.name).toMatch(/^[a-z]+-[a-z]+-\d{3}$/);
    // And with no body at all.
    expect((await app.inject({ method: 'POST', url: '/rooms' })).statusCode).toBe(201);
  });

  it('creates named code and encrypted rooms; the signed-in creator is their first member', async () => {
    const g = await guest(app);
    // (A code room cannot be encrypted too: see hostile/rooms.test.ts.)
    for (const payload of [
      { name: uniqueName('Pair '), kind: 'code', encrypted: false },
      { name: uniqueName('Secret '), kind: 'chat', encrypted: true },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/rooms', headers: g.headers, payload });
      expect(res.statusCode).toBe(201);
      expect(res.json().room).toMatchObject({ kind: payload.kind, encrypted: payload.encrypted, createdBy: g.user.id });
      const members = await app.inject({
        method: 'GET',
        url: `/rooms/${res.json().roomId}/members`,
        headers: g.headers,
      });
      expect(members.json().members.map((m: { user: { id: string } }) => m.user.id)).toEqual([g.user.id]);
    }
  });

  it('keeps room names unique without regard to case and spacing (409)', async () => {
    const name = uniqueName('Team Unicorns ');
    await app.inject({ method: 'POST', url: '/rooms', payload: { name } });
    const res = await app.inject({
      method: 'POST',
      url: '/rooms',
      payload: { name: `  ${name.toUpperCase().replace(' ', '   ')} ` },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details).toEqual({ field: 'name' });
  });

  it('rejects bad room input with 400 naming the field', async () => {
    for (const [payload, path] of [
      [{ name: '' }, 'body.name'],
      [{ name: 'x'.repeat(65) }, 'body.name'],
      [{ kind: 'voice' }, 'body.kind'],
      [{ encrypted: 'yes' }, 'body.encrypted'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/rooms', payload });
      expect(res.statusCode, path).toBe(400);
      expect(res.json().error.details.issues[0].path).toBe(path);
    }
  });

  it('an empty or blank name is one problem, "must not be empty" (not also "control characters")', async () => {
    for (const name of ['', '   ']) {
      const res = await app.inject({ method: 'POST', url: '/rooms', payload: { name } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.issues).toEqual([{ path: 'body.name', message: 'must not be empty' }]);
    }
  });

  it('has the default rooms after the first start', async () => {
    const res = await app.inject({ method: 'GET', url: '/rooms' });
    const names = res.json().rooms.map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(['Room 1', 'Room 2', 'Room 3']));
  });

  it('joins by id; joining twice changes nothing; unknown ids answer 404', async () => {
    const owner = await guest(app);
    const roomId = await createRoom(app, owner.headers);
    const joiner = await guest(app);
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: joiner.headers });
      expect(res.statusCode).toBe(200);
      expect(res.json().room).toMatchObject({
        id: roomId,
        memberCount: 2,
        membership: { lastReadSeq: 0, unreadCount: 0 },
      });
    }
    const missing = await app.inject({
      method: 'POST',
      url: '/rooms/AAAAAAAAAAAAAAAAAAAAAA/join',
      headers: joiner.headers,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const anonymous = await app.inject({ method: 'POST', url: `/rooms/${roomId}/join` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('joins by name, creating the room when it does not exist (201), joining it when it does (200)', async () => {
    const a = await guest(app);
    const b = await guest(app);
    const name = uniqueName('Lunch ');
    const created = await app.inject({ method: 'POST', url: '/rooms/join', headers: a.headers, payload: { name } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ created: true, room: { name, memberCount: 1 } });
    const joined = await app.inject({
      method: 'POST',
      url: '/rooms/join',
      headers: b.headers,
      payload: { name: name.toLowerCase() },
    });
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toMatchObject({ created: false, room: { id: created.json().room.id, memberCount: 2 } });
    const noCreate = await app.inject({
      method: 'POST',
      url: '/rooms/join',
      headers: b.headers,
      payload: { name: uniqueName('nowhere'), create: false },
    });
    expect(noCreate.statusCode).toBe(404);
  });

  it('joins by name as a new guest in one call (the join page), returning a session', async () => {
    const username = uniqueName();
    const res = await app.inject({ method: 'POST', url: '/rooms/join', payload: { name: 'Room 1', username } });
    expect(res.statusCode).toBe(200);
    expect(res.json().session.user).toMatchObject({ username, guest: true });
    expect(res.cookies.find((c) => c.name === 'tandem_session')?.value).toBe(res.json().session.token);
    const me = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer ${res.json().session.token}` },
    });
    expect(me.json().user.username).toBe(username);
    const noName = await app.inject({ method: 'POST', url: '/rooms/join', payload: { name: 'Room 1' } });
    expect(noName.statusCode).toBe(401);
  });

  it('leaves a room; the member list and counts follow', async () => {
    const a = await guest(app);
    const b = await guest(app);
    const roomId = await createRoom(app, a.headers);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: b.headers });
    const left = await app.inject({ method: 'POST', url: `/rooms/${roomId}/leave`, headers: b.headers });
    expect(left.statusCode).toBe(204);
    const members = await app.inject({ method: 'GET', url: `/rooms/${roomId}/members`, headers: a.headers });
    expect(members.json().members).toHaveLength(1);
    expect(members.json().members[0].user).toMatchObject({ id: a.user.id, username: a.user.username, guest: true });
    const room = await app.inject({ method: 'GET', url: `/rooms/${roomId}` });
    expect(room.json().memberCount).toBe(1);
    expect(
      (await app.inject({ method: 'GET', url: '/rooms/AAAAAAAAAAAAAAAAAAAAAA/members', headers: a.headers }))
        .statusCode,
    ).toBe(404);
  });

  it('lists rooms with message count, member count, last activity and my unread count', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    for (let i = 0; i < 3; i++) {
      await app.inject({
        method: 'POST',
        url: `/rooms/${roomId}/messages`,
        headers: a.headers,
        payload: { clientMessageId: `l${i}`, body: `hello ${i}` },
      });
    }
    const list = await app.inject({ method: 'GET', url: '/rooms', headers: a.headers });
    const first = list.json().rooms[0];
    // Most recently active first.
    expect(first).toMatchObject({
      id: roomId,
      messageCount: 3,
      memberCount: 1,
      latestSeq: 3,
      membership: { unreadCount: 3 },
    });
    expect(Date.parse(first.lastActivityAt)).toBeGreaterThan(0);
    const mine = await app.inject({ method: 'GET', url: '/rooms?joined=true', headers: a.headers });
    expect(mine.json().rooms.map((r: { id: string }) => r.id)).toEqual([roomId]);
    expect((await app.inject({ method: 'GET', url: '/rooms?joined=true' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/rooms?limit=0' })).statusCode).toBe(400);
  });
});

describe('room creation budget', () => {
  it('answers 429 when one address creates rooms too fast', async () => {
    const sqlite = backends[0];
    if (!sqlite) throw new Error('no SQLite backend');
    const app = await startApp(testConfig(await sqlite.database(), { AUTH_RATE_LIMIT: '2' }));
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'POST', url: '/rooms' })).statusCode);
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await app.close();
    }
  });
});
