import { createDeviceIdentity, deviceKeysOf, generateRoomKey, sealMessage } from '@tandem/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig, uniqueName } from './helpers.ts';
import { connectAs, listen } from './ws-helpers.ts';

describe.each(backends)('messages on $name', (backend) => {
  let app: App;
  beforeAll(async () => {
    // These tests post hundreds of messages back to back: the per-user send budget (its own
    // tests are in hostile/per-user-limits.test.ts) is raised out of the way.
    app = await startApp(
      testConfig(await backend.database(), { WS_SENDS_PER_SECOND: '100000', WS_SEND_BURST: '100000' }),
    );
  });
  afterAll(() => app.close());

  const post = (roomId: string, headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url: `/rooms/${roomId}/messages`, headers, payload: payload as object });

  it('stores a trimmed message with seq 1 and returns it with its sender', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const res = await post(roomId, a.headers, { clientMessageId: 'first', body: '  Anyone on for lunch today  ' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      roomId,
      seq: 1,
      body: 'Anyone on for lunch today',
      clientMessageId: 'first',
      sender: { id: a.user.id, username: a.user.username },
    });
    expect(Date.parse(res.json().createdAt)).toBeGreaterThan(0);
  });

  it('refuses a post from a non-member with 403 and a clear message', async () => {
    const owner = await guest(app);
    const stranger = await guest(app);
    const roomId = await createRoom(app, owner.headers);
    const res = await post(roomId, stranger.headers, { clientMessageId: 'x', body: 'let me in' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'forbidden' });
    expect(res.json().error.message).toContain('Join it');
    const read = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers: stranger.headers });
    expect(read.statusCode).toBe(403);
    expect((await post(roomId, {}, { clientMessageId: 'x', body: 'anon' })).statusCode).toBe(401);
    expect((await post('AAAAAAAAAAAAAAAAAAAAAA', owner.headers, { clientMessageId: 'x', body: 'hi' })).statusCode).toBe(
      404,
    );
  });

  it('refuses empty and over-long bodies with 400, and oversized requests with 413', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    for (const body of ['', '   \n  ', 'x'.repeat(4001)]) {
      const res = await post(roomId, a.headers, { clientMessageId: 'bad', body });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.issues[0].path).toBe('body.body');
    }
    expect((await post(roomId, a.headers, { clientMessageId: 'max', body: 'x'.repeat(4000) })).statusCode).toBe(201);
    const huge = await post(roomId, a.headers, { clientMessageId: 'huge', body: 'x'.repeat(70 * 1024) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    expect(
      (await post(roomId, a.headers, { clientMessageId: 'no spaces', body: 'x' })).json().error.details.issues[0].path,
    ).toBe('body.clientMessageId');
  });

  it('takes a body-only post (what curl and Postman send) and makes the clientMessageId itself', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const res = await post(roomId, a.headers, { body: 'hello' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ roomId, seq: 1, body: 'hello', sender: { id: a.user.id } });
    expect(res.json().clientMessageId).toMatch(/^srv-[A-Za-z0-9_-]{22}$/);
    // Nothing to recognise a retry by: the same request again is a second message, with its own id.
    const again = await post(roomId, a.headers, { body: 'hello' });
    expect(again.statusCode).toBe(201);
    expect(again.json().seq).toBe(2);
    expect(again.json().clientMessageId).not.toBe(res.json().clientMessageId);
    const history = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers: a.headers });
    expect(history.json().messages.map((m: { clientMessageId: string }) => m.clientMessageId)).toEqual([
      res.json().clientMessageId,
      again.json().clientMessageId,
    ]);
    // With an id, a retry is still stored once.
    const withId = await post(roomId, a.headers, { clientMessageId: 'mine-1', body: 'once' });
    const retry = await post(roomId, a.headers, { clientMessageId: 'mine-1', body: 'once' });
    expect([withId.statusCode, retry.statusCode]).toEqual([201, 200]);
    expect(retry.json()).toEqual(withId.json());
    expect((await app.inject({ method: 'GET', url: `/rooms/${roomId}` })).json().messageCount).toBe(3);
  });

  it('still requires clientMessageId on the socket send frame', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const { ws } = await listen(app);
    const s = await connectAs(ws, a.token);
    try {
      s.send({ type: 'join', ref: 'j', roomId });
      await s.next('joined');
      s.send({ type: 'send', ref: 'no-id', roomId, body: 'hello' });
      const refused = await s.next('error', (f) => f.ref === 'no-id');
      expect(refused).toMatchObject({ code: 'validation_failed' });
      expect(refused.message).toContain('clientMessageId');
      await s.none('message', 200);
      expect((await app.inject({ method: 'GET', url: `/rooms/${roomId}` })).json().messageCount).toBe(0);
    } finally {
      s.close();
    }
  });

  it("in an encrypted room, a post without an id takes the sealed message's own", async () => {
    const a = await guest(app);
    const device = createDeviceIdentity();
    const keys = deviceKeysOf(device, a.user.id);
    expect(
      (await app.inject({ method: 'PUT', url: `/devices/${keys.deviceId}`, headers: a.headers, payload: keys }))
        .statusCode,
    ).toBe(204);
    const created = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: a.headers,
      payload: { name: uniqueName('Secret '), encrypted: true },
    });
    const roomId = created.json().roomId as string;
    const roomKey = generateRoomKey();
    const sealed = sealMessage({
      roomKey,
      roomId,
      epoch: 1,
      sender: device,
      clientMessageId: 'e2e-1',
      plaintext: 'hi',
    });
    const first = await post(roomId, a.headers, { body: '', sealed });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ clientMessageId: 'e2e-1', body: '', sealed });
    // The id signed inside the ciphertext makes a retry recognisable even without one in the request.
    const retry = await post(roomId, a.headers, { body: '', sealed });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().id).toBe(first.json().id);
    // Plain text is still refused, with or without an id; a different outer id still does not match.
    const plain = await post(roomId, a.headers, { body: 'in the clear' });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.message).toContain('end-to-end encrypted');
    const other = sealMessage({ roomKey, roomId, epoch: 1, sender: device, clientMessageId: 'e2e-2', plaintext: 'x' });
    const mismatch = await post(roomId, a.headers, { clientMessageId: 'e2e-3', body: '', sealed: other });
    expect(mismatch.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/rooms/${roomId}` })).json().messageCount).toBe(1);
  });

  it('stores a retried post once and returns the same message', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const payload = { clientMessageId: '0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e8f', body: 'only once' };
    const first = await post(roomId, a.headers, payload);
    const retries = await Promise.all([post(roomId, a.headers, payload), post(roomId, a.headers, payload)]);
    expect(first.statusCode).toBe(201);
    for (const retry of retries) {
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toEqual(first.json());
    }
    const rows = await app.store.db.selectFrom('messages').select('id').where('room_id', '=', roomId).execute();
    expect(rows).toHaveLength(1);
    const reused = await post(roomId, a.headers, { ...payload, body: 'something else' });
    expect(reused.statusCode).toBe(409);
  });

  it('stores concurrent first sends of one message once', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const payload = { clientMessageId: 'raced', body: 'racing myself' };
    const results = await Promise.all(Array.from({ length: 5 }, () => post(roomId, a.headers, payload)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    const room = await app.inject({ method: 'GET', url: `/rooms/${roomId}` });
    expect(room.json().messageCount).toBe(1);
  });

  it('pages through 250 messages with no gap and no duplicate, both ways', async () => {
    const a = await guest(app);
    const b = await guest(app);
    const roomId = await createRoom(app, a.headers);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: b.headers });
    for (let i = 1; i <= 250; i++) {
      const sender = i % 2 ? a : b;
      const res = await post(roomId, sender.headers, { clientMessageId: `p${i}`, body: `message ${i}` });
      expect(res.statusCode).toBe(201);
    }

    const backwards: number[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const url = `/rooms/${roomId}/messages?limit=100${before === undefined ? '' : `&before=${before}`}`;
      const page = (await app.inject({ method: 'GET', url, headers: b.headers })).json();
      pages++;
      backwards.unshift(...page.messages.map((m: { seq: number }) => m.seq));
      expect(page.latestSeq).toBe(250);
      if (!page.hasMore) break;
      before = page.messages[0].seq;
    }
    expect(pages).toBe(3);
    expect(backwards).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));

    const forwards: string[] = [];
    let after = 0;
    for (;;) {
      const page = (
        await app.inject({
          method: 'GET',
          url: `/rooms/${roomId}/messages?after=${after}&limit=100`,
          headers: a.headers,
        })
      ).json();
      forwards.push(...page.messages.map((m: { body: string }) => m.body));
      if (!page.hasMore) break;
      after = page.messages.at(-1).seq;
    }
    expect(forwards).toEqual(Array.from({ length: 250 }, (_, i) => `message ${i + 1}`));

    const tooBig = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages?limit=101`, headers: a.headers });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().error.details.issues[0].path).toBe('querystring.limit');
  });

  it('counts messages per room and per user across rooms', async () => {
    const a = await guest(app);
    const roomOne = await createRoom(app, a.headers);
    const roomTwo = await createRoom(app, a.headers);
    await post(roomOne, a.headers, { clientMessageId: 's1', body: 'one' });
    await post(roomTwo, a.headers, { clientMessageId: 's2', body: 'two' });
    await post(roomTwo, a.headers, { clientMessageId: 's3', body: 'three' });
    const users = (await app.inject({ method: 'GET', url: '/stats/users?limit=1000', headers: a.headers })).json()
      .users;
    expect(users.find((u: { userId: string }) => u.userId === a.user.id)).toEqual({
      userId: a.user.id,
      username: a.user.username,
      messageCount: 3,
    });
    const rooms = (await app.inject({ method: 'GET', url: '/stats/rooms?limit=1000' })).json().rooms;
    expect(rooms.find((r: { roomId: string }) => r.roomId === roomTwo).messageCount).toBe(2);
  });
});
