import { CloseCode } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { connect, connectAs, listen } from './ws-helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

describe('realtime gateway', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database(), { TYPING_TIMEOUT: '600ms', WS_AUTH_TIMEOUT: '500ms' }));
    url = (await listen(app)).ws;
  });
  afterAll(() => app.close());

  /** Two or more users in one room, each with a socket that has joined it. */
  async function roomWith(count: number) {
    const users = await Promise.all(Array.from({ length: count }, () => guest(app)));
    const first = users[0];
    if (!first) throw new Error('no users');
    const roomId = await createRoom(app, first.headers);
    const sockets = [];
    for (const user of users) {
      const socket = await connectAs(url, user.token);
      socket.send({ type: 'join', roomId, ref: 'j' });
      await socket.next('joined');
      sockets.push(socket);
    }
    return { roomId, users, sockets };
  }

  describe('authentication', () => {
    it('accepts a bearer header, a session cookie, or a first auth frame, and says hello', async () => {
      const g = await guest(app);
      const byHeader = await connect(url, { token: g.token });
      expect(await byHeader.next('hello')).toMatchObject({ protocolVersion: 1, user: { id: g.user.id } });
      const byCookie = await connect(url, { headers: { cookie: `tandem_session=${g.token}` } });
      expect((await byCookie.next('hello')).user.username).toBe(g.user.username);
      const byFrame = await connect(url);
      byFrame.send({ type: 'auth', token: g.token, ref: 'a1' });
      expect(await byFrame.next('hello')).toMatchObject({ ref: 'a1', limits: { maxFrameBytes: 64 * 1024 } });
      for (const s of [byHeader, byCookie, byFrame]) s.close();
    });

    it('closes with 4401 for a bad token or a frame before auth, and 4408 when no auth comes', async () => {
      const bad = await connect(url);
      bad.send({ type: 'auth', token: 'forged' });
      expect(await bad.closed).toEqual({
        code: CloseCode.unauthorized,
        reason: 'session unknown or expired: sign in again',
      });
      const early = await connect(url);
      early.send({ type: 'ping' });
      expect((await early.closed).code).toBe(CloseCode.unauthorized);
      const silent = await connect(url);
      expect((await silent.closed).code).toBe(CloseCode.authTimeout);
      // A stale token on the upgrade is refused at once, not after the auth timeout.
      const stale = await connect(url, { token: 'expired-or-forged' });
      const started = Date.now();
      expect((await stale.closed).code).toBe(CloseCode.unauthorized);
      expect(Date.now() - started).toBeLessThan(400);
      const junk = await connect(url);
      junk.sendRaw('[1, 2]');
      expect((await junk.closed).code).toBe(CloseCode.unauthorized);
    });

    it('refuses a protocol version it does not speak with 4426', async () => {
      const g = await guest(app);
      const old = await connect(`${url}?v=99`, { token: g.token });
      expect(await old.closed).toMatchObject({ code: CloseCode.unsupportedVersion });
    });
  });

  describe('rooms', () => {
    it('sends the joiner a snapshot with the users present, the latest seq and recent messages', async () => {
      const a = await guest(app);
      const b = await guest(app);
      const roomId = await createRoom(app, a.headers);
      await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: b.headers });
      for (let i = 1; i <= 3; i++) {
        await app.inject({
          method: 'POST',
          url: `/rooms/${roomId}/messages`,
          headers: a.headers,
          payload: { clientMessageId: `s${i}`, body: `before ${i}` },
        });
      }
      const sa = await connectAs(url, a.token);
      sa.send({ type: 'join', roomId, ref: 'first' });
      const snapA = await sa.next('joined');
      expect(snapA).toMatchObject({ ref: 'first', latestSeq: 3, hasMore: false, resumed: false, room: { id: roomId } });
      expect(snapA.present.map((u) => u.id)).toEqual([a.user.id]);
      expect(snapA.messages.map((m) => m.body)).toEqual(['before 1', 'before 2', 'before 3']);

      const sb = await connectAs(url, b.token);
      sb.send({ type: 'join', roomId });
      const snapB = await sb.next('joined');
      expect(snapB.present.map((u) => u.id).sort()).toEqual([a.user.id, b.user.id].sort());
      // Everyone else is told who joined; the joiner is not told about itself.
      expect(await sa.next('presence')).toMatchObject({ roomId, action: 'join', user: { id: b.user.id } });
      await sb.none('presence');
      sa.close();
      sb.close();
    });

    it('joins by room name too, and refuses unknown rooms with an error frame', async () => {
      const a = await guest(app);
      const name = `Named ${Date.now()}`;
      await app.inject({ method: 'POST', url: '/rooms', payload: { name } });
      const s = await connectAs(url, a.token);
      s.send({ type: 'join', roomName: name.toUpperCase() });
      expect((await s.next('joined')).room.name).toBe(name);
      s.send({ type: 'join', roomName: 'No such room anywhere', ref: 'x' });
      expect(await s.next('error')).toMatchObject({ ref: 'x', code: 'not_found' });
      s.close();
    });

    it('tells the room who left when the user leaves or its last socket closes', async () => {
      const { roomId, users, sockets } = await roomWith(3);
      const [sa, sb, sc] = sockets;
      const [, b, c] = users;
      sb?.send({ type: 'leave', roomId, ref: 'bye' });
      expect(await sb?.next('left')).toMatchObject({ ref: 'bye', roomId });
      expect(await sa?.next('presence', (f) => f.action === 'leave')).toMatchObject({ user: { id: b?.user.id } });
      sc?.close();
      expect(await sa?.next('presence', (f) => f.action === 'leave')).toMatchObject({ user: { id: c?.user.id } });
      sa?.close();
    });

    it('keeps a user present while another of its sockets is still in the room', async () => {
      const { roomId, users, sockets } = await roomWith(2);
      const [sa] = sockets;
      const b = users[1];
      if (!b || !sa) throw new Error('setup');
      const secondTab = await connectAs(url, b.token);
      secondTab.send({ type: 'join', roomId });
      await secondTab.next('joined');
      secondTab.close();
      await sa.none('presence', 400, (f) => f.type === 'presence' && f.action === 'leave');
      sa.close();
    });

    it('is in one room at a time: joining another leaves the first, and that room is told', async () => {
      const { roomId, users, sockets } = await roomWith(2);
      const [sa, sb] = sockets;
      const b = users[1];
      if (!sa || !sb || !b) throw new Error('setup');
      const other = await createRoom(app, b.headers);
      sb.send({ type: 'join', roomId: other });
      await sb.next('joined', (f) => f.room.id === other);
      expect(await sa.next('presence', (f) => f.action === 'leave')).toMatchObject({ roomId, user: { id: b.user.id } });
      // b is no longer in the first room: sending there is refused.
      sb.send({ type: 'send', roomId, clientMessageId: 'stale', body: 'hello?', ref: 'r' });
      expect(await sb.next('error')).toMatchObject({ ref: 'r', code: 'not_in_room' });
      sa.close();
      sb.close();
    });
  });

  describe('messages', () => {
    it('persists, acks the sender, then delivers to everyone present', async () => {
      const { roomId, users, sockets } = await roomWith(3);
      const [sa, sb, sc] = sockets;
      if (!sa || !sb || !sc) throw new Error('setup');
      sa.send({ type: 'send', roomId, clientMessageId: 'hello-1', body: '  Anyone on for lunch today ', ref: 'm1' });
      const ack = await sa.next('ack');
      expect(ack).toMatchObject({
        ref: 'm1',
        message: { seq: 1, body: 'Anyone on for lunch today', clientMessageId: 'hello-1' },
      });
      // The ack comes before the sender's own copy of the broadcast.
      const ackIndex = sa.frames.indexOf(ack);
      const own = await sa.next('message');
      expect(sa.frames.indexOf(own)).toBeGreaterThan(ackIndex);
      for (const s of [sb, sc]) {
        const { message } = await s.next('message');
        expect(message).toEqual(ack.message);
        expect(message.sender).toMatchObject({ id: users[0]?.user.id, username: users[0]?.user.username });
      }
      const stored = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers: users[1]?.headers });
      expect(stored.json().messages).toEqual([ack.message]);
      for (const s of sockets) s.close();
    });

    it('stores a retried send once and acks it again', async () => {
      const { roomId, sockets } = await roomWith(2);
      const [sa, sb] = sockets;
      if (!sa || !sb) throw new Error('setup');
      const frame = { type: 'send', roomId, clientMessageId: 'retry-me', body: 'once' } as const;
      sa.send(frame);
      const first = await sa.next('ack');
      sa.send(frame);
      const second = await sa.next('ack');
      expect(second.message).toEqual(first.message);
      await sb.next('message');
      await sb.none('message');
      for (const s of sockets) s.close();
    });

    it('refuses a send from a socket that is not in the room', async () => {
      const { roomId, sockets } = await roomWith(1);
      const outsider = await guest(app);
      const so = await connectAs(url, outsider.token);
      so.send({ type: 'send', roomId, clientMessageId: 'x', body: 'let me in', ref: 'no' });
      expect(await so.next('error')).toMatchObject({ ref: 'no', code: 'not_in_room' });
      await sockets[0]?.none('message');
      const room = await app.inject({ method: 'GET', url: `/rooms/${roomId}` });
      expect(room.json().messageCount).toBe(0);
      so.close();
      sockets[0]?.close();
    });

    it('never lets a frame of room A reach a socket in room B', async () => {
      const roomA = await roomWith(2);
      const roomB = await roomWith(1);
      const [a1, a2] = roomA.sockets;
      const [b1] = roomB.sockets;
      if (!a1 || !a2 || !b1) throw new Error('setup');
      a1.send({ type: 'typing', roomId: roomA.roomId, active: true });
      a1.send({ type: 'send', roomId: roomA.roomId, clientMessageId: 'iso', body: 'only for A' });
      await a2.next('message');
      const other = await guest(app);
      await app.inject({ method: 'POST', url: `/rooms/${roomA.roomId}/join`, headers: other.headers });
      const late = await connectAs(url, other.token);
      late.send({ type: 'join', roomId: roomA.roomId });
      await late.next('joined');
      await b1.none('message', 300);
      expect(b1.frames.filter((f) => 'roomId' in f && f.roomId === roomA.roomId)).toEqual([]);
      expect(b1.frames.some((f) => f.type === 'message' || f.type === 'typing' || f.type === 'presence')).toBe(false);
      for (const s of [a1, a2, b1, late]) s.close();
    });

    it('delivers messages posted over REST the same way', async () => {
      const { roomId, users, sockets } = await roomWith(2);
      const res = await app.inject({
        method: 'POST',
        url: `/rooms/${roomId}/messages`,
        headers: users[0]?.headers,
        payload: { clientMessageId: 'rest-1', body: 'from curl' },
      });
      for (const s of sockets) expect((await s.next('message')).message).toEqual(res.json());
      for (const s of sockets) s.close();
    });
  });

  describe('typing', () => {
    it('tells the others when someone starts and stops typing', async () => {
      const { roomId, users, sockets } = await roomWith(2);
      const [sa, sb] = sockets;
      if (!sa || !sb) throw new Error('setup');
      sa.send({ type: 'typing', roomId, active: true });
      expect(await sb.next('typing')).toMatchObject({
        roomId,
        active: true,
        user: { id: users[0]?.user.id },
        expiresInMs: 600,
      });
      sa.send({ type: 'typing', roomId, active: false });
      expect(await sb.next('typing')).toMatchObject({ active: false, user: { id: users[0]?.user.id } });
      for (const s of sockets) s.close();
    });

    it('ends typing by itself after the timeout, on send, and when the socket closes', async () => {
      const { roomId, sockets } = await roomWith(2);
      const [sa, sb] = sockets;
      if (!sa || !sb) throw new Error('setup');
      sa.send({ type: 'typing', roomId, active: true });
      await sb.next('typing', (f) => f.active);
      const started = Date.now();
      await sb.next('typing', (f) => !f.active, 3000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);

      sa.send({ type: 'typing', roomId, active: true });
      await sb.next('typing', (f) => f.active);
      sa.send({ type: 'send', roomId, clientMessageId: 't-send', body: 'done typing' });
      const stop = await sb.next('typing', (f) => !f.active, 400);
      const message = await sb.next('message');
      expect(sb.frames.indexOf(stop)).toBeLessThan(sb.frames.indexOf(message));

      sa.send({ type: 'typing', roomId, active: true });
      await sb.next('typing', (f) => f.active);
      sa.close();
      await sb.next('typing', (f) => !f.active, 400);
      sb.close();
    });
  });

  describe('read receipts', () => {
    it('moves the last read seq forward only, tells the room, and unread counts follow', async () => {
      const { roomId, users, sockets } = await roomWith(2);
      const [sa, sb] = sockets;
      const [a, b] = users;
      if (!sa || !sb || !a || !b) throw new Error('setup');
      for (let i = 1; i <= 3; i++) {
        sa.send({ type: 'send', roomId, clientMessageId: `r${i}`, body: `m${i}` });
        await sa.next('ack');
      }
      sb.send({ type: 'read', roomId, seq: 2 });
      expect(await sa.next('read')).toEqual({ type: 'read', roomId, userId: b.user.id, seq: 2 });
      sb.send({ type: 'read', roomId, seq: 1 });
      await sa.none('read');
      sb.send({ type: 'read', roomId, seq: 999 });
      expect((await sa.next('read')).seq).toBe(3);
      const list = await app.inject({ method: 'GET', url: `/rooms/${roomId}`, headers: b.headers });
      expect(list.json().membership).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
      // A later joiner sees the read positions in its snapshot (for "seen").
      const again = await connectAs(url, a.token);
      again.send({ type: 'join', roomId });
      expect((await again.next('joined')).reads).toContainEqual({ userId: b.user.id, seq: 3 });
      for (const s of [sa, sb, again]) s.close();
    });
  });

  describe('room lists', () => {
    it('counts who is online in each room', async () => {
      const { roomId, users, sockets } = await roomWith(2);
      const list = await app.inject({ method: 'GET', url: '/rooms?limit=500' });
      expect(list.json().rooms.find((r: { id: string }) => r.id === roomId).onlineCount).toBe(2);
      sockets[1]?.close();
      await sockets[0]?.next('presence', (f) => f.action === 'leave');
      const one = await app.inject({ method: 'GET', url: `/rooms/${roomId}`, headers: users[0]?.headers });
      expect(one.json().onlineCount).toBe(1);
      sockets[0]?.close();
    });

    it('streams room activity to watchers: messages, presence and new rooms, coalesced per room', async () => {
      const watcherUser = await guest(app);
      const watcher = await connectAs(url, watcherUser.token);
      watcher.send({ type: 'watch_rooms', active: true, ref: 'w' });
      expect(await watcher.next('watching')).toEqual({ type: 'watching', ref: 'w', active: true });

      const { roomId, sockets } = await roomWith(1);
      const [sa] = sockets;
      if (!sa) throw new Error('setup');
      // The room was created and someone entered it.
      expect(await watcher.next('room_activity', (f) => f.roomId === roomId && f.onlineCount === 1)).toBeTruthy();

      for (let i = 1; i <= 10; i++) sa.send({ type: 'send', roomId, clientMessageId: `lobby${i}`, body: `m${i}` });
      const last = await watcher.next('room_activity', (f) => f.roomId === roomId && f.latestSeq === 10);
      expect(last).toMatchObject({ onlineCount: 1, latestSeq: 10 });
      expect(Date.parse(last.lastActivityAt ?? '')).toBeGreaterThan(0);
      // Ten messages in a burst reach the watcher as a few frames, not ten.
      const forRoom = watcher.frames.filter((f) => f.type === 'room_activity' && f.roomId === roomId);
      expect(forRoom.length).toBeLessThanOrEqual(4);

      watcher.send({ type: 'watch_rooms', active: false });
      await watcher.next('watching', (f) => !f.active);
      sa.send({ type: 'send', roomId, clientMessageId: 'after-unwatch', body: 'quiet' });
      await sa.next('ack', (f) => f.message.clientMessageId === 'after-unwatch');
      await watcher.none('room_activity', 500, (f) => f.type === 'room_activity' && f.latestSeq === 11);
      sa.close();
      watcher.close();
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON, unknown types and schema violations with error frames and stays open', async () => {
      const g = await guest(app);
      const s = await connectAs(url, g.token);
      s.sendRaw('{not json');
      expect(await s.next('error')).toMatchObject({ code: 'bad_frame' });
      s.sendRaw('[1, 2]');
      expect(await s.next('error')).toMatchObject({ code: 'bad_frame', message: 'A frame must be one JSON object.' });
      s.send({ type: 'dance', ref: 'd' });
      const unknown = await s.next('error');
      expect(unknown).toMatchObject({ code: 'unknown_type', ref: 'd' });
      expect(unknown.message).toContain('"dance"');
      s.send({ type: 'send', roomId: 'short', clientMessageId: 'x', body: '', ref: 'v' });
      const invalid = await s.next('error');
      expect(invalid).toMatchObject({ code: 'validation_failed', ref: 'v' });
      expect(invalid.message).toContain('roomId');
      expect(invalid.message).toContain('body');
      s.send({ type: 'join', ref: 'both' });
      expect((await s.next('error')).message).toContain('exactly one of roomId and roomName');
      s.sendRaw(Buffer.from([1, 2, 3]));
      expect(await s.next('error')).toMatchObject({ code: 'bad_frame' });
      s.send({ type: 'ping', ref: 'still-here' });
      expect(await s.next('pong')).toEqual({ type: 'pong', ref: 'still-here' });
      s.close();
    });

    it('closes with 1009 on a frame over the size cap', async () => {
      const g = await guest(app);
      const s = await connectAs(url, g.token);
      s.sendRaw(JSON.stringify({ type: 'ping', ref: 'x'.repeat(70 * 1024) }));
      expect((await s.closed).code).toBe(CloseCode.tooBig);
    });
  });
});
