import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { Connection } from '../src/realtime/connection.ts';
import { ROOM_NOT_LOADED } from '../src/realtime/frame-handlers.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { connectAs, listen, type TestSocket } from './ws-helpers.ts';

/**
 * Frames that fail on our side (a store that does not answer), on a server in this process
 * whose services are made to fail on purpose. The same faults through a real database cut are in
 * db-faults.test.ts.
 */

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

describe('frames that fail on the server side', () => {
  let app: App;
  let url: string;
  const open: TestSocket[] = [];
  /** Undoes what a test patched (services made to fail, the hub watched), even when it failed. */
  const restores: Array<() => void> = [];
  afterEach(() => {
    for (const restore of restores.splice(0).reverse()) restore();
  });
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database()));
    url = (await listen(app)).ws;
  });
  afterAll(async () => {
    for (const socket of open.splice(0)) socket.close();
    await app.close();
  });

  /** The server-side connections that enter a room from now on (the hub is told of each). */
  function watchEntries(): Connection[] {
    const entered: Connection[] = [];
    const hub = app.realtime.hub;
    const enter = hub.enter.bind(hub);
    hub.enter = (connection: Connection, roomId: string) => {
      entered.push(connection);
      enter(connection, roomId);
    };
    restores.push(() => {
      hub.enter = enter;
    });
    return entered;
  }

  /** Makes `services.messages.page` fail until the returned function is called. */
  function failPages(): () => void {
    const messages = app.services.messages;
    const page = messages.page;
    messages.page = async () => {
      throw new Error('simulated: the database did not answer');
    };
    const restore = () => {
      messages.page = page;
    };
    restores.push(restore);
    return restore;
  }

  it('a join whose snapshot cannot be read answers with its ref, holds no events back and leaves the room; its retry gets the snapshot and then live events', async () => {
    const alice = await guest(app);
    const bob = await guest(app);
    const roomId = await createRoom(app, alice.headers);
    const a = await connectAs(url, alice.token);
    const b = await connectAs(url, bob.token);
    open.push(a, b);
    a.send({ type: 'join', roomId, ref: 'a-join' });
    await a.next('joined');
    const entered = watchEntries();

    const restore = failPages();
    b.send({ type: 'join', roomId, ref: 'b-join-1' });
    const failure = await b.next('error', (f) => f.ref === 'b-join-1');
    restore();
    expect(failure).toMatchObject({ code: 'internal', message: ROOM_NOT_LOADED });
    const bobs = entered.find((c) => c.user.id === bob.user.id);
    if (!bobs) throw new Error("Bob's join never entered the room");
    expect(bobs.roomId).toBeNull();

    // Alice talks meanwhile: nothing piles up for Bob, who is in no room.
    for (const body of ['one', 'two', 'three']) {
      a.send({ type: 'send', roomId, clientMessageId: body, body, ref: body });
      await a.next('ack', (f) => f.ref === body);
    }
    expect(bobs.heldCount).toBe(0);
    await b.none('message', 200);
    b.send({ type: 'send', roomId, clientMessageId: 'bob-1', body: 'me too', ref: 'bob-send' });
    expect(await b.next('error', (f) => f.ref === 'bob-send')).toMatchObject({ code: 'not_in_room' });

    // The retry: a snapshot with what was said meanwhile, then live messages, each once.
    b.send({ type: 'join', roomId, ref: 'b-join-2' });
    const joined = await b.next('joined', (f) => f.ref === 'b-join-2');
    expect(joined.messages.map((m) => m.body)).toEqual(['one', 'two', 'three']);
    a.send({ type: 'send', roomId, clientMessageId: 'four', body: 'four', ref: 'four' });
    expect((await b.next('message')).message.body).toBe('four');
    await b.none('message', 200);
    expect(bobs.heldCount).toBe(0);
  });

  it('a resume (join with lastSeq) of the room the socket is in that fails leaves nothing held and the socket out of the room', async () => {
    const alice = await guest(app);
    const roomId = await createRoom(app, alice.headers);
    const a = await connectAs(url, alice.token);
    open.push(a);
    const entered = watchEntries();
    a.send({ type: 'join', roomId, ref: 'first' });
    await a.next('joined', (f) => f.ref === 'first');
    a.send({ type: 'send', roomId, clientMessageId: 'm1', body: 'm1', ref: 'm1' });
    await a.next('ack');
    const connection = entered.find((c) => c.user.id === alice.user.id);
    if (!connection) throw new Error('the join never entered the room');

    const restore = failPages();
    a.send({ type: 'join', roomId, lastSeq: 0, ref: 'resume' });
    expect(await a.next('error', (f) => f.ref === 'resume')).toMatchObject({
      code: 'internal',
      message: ROOM_NOT_LOADED,
    });
    restore();
    expect(connection.roomId).toBeNull();
    expect(connection.heldCount).toBe(0);
    a.send({ type: 'join', roomId, lastSeq: 0, ref: 'resume-2' });
    const joined = await a.next('joined', (f) => f.ref === 'resume-2');
    expect(joined).toMatchObject({ resumed: true });
    expect(joined.messages.map((m) => m.body)).toEqual(['m1']);
  });

  it('a send, a read or a join that fails on our side gets an internal error with its ref', async () => {
    const alice = await guest(app);
    const roomId = await createRoom(app, alice.headers);
    const a = await connectAs(url, alice.token);
    open.push(a);
    a.send({ type: 'join', roomId, ref: 'join' });
    await a.next('joined');
    const { messages, rooms } = app.services;
    const saved = { post: messages.post, markRead: rooms.markRead, joinById: rooms.joinById };
    const fail = async () => {
      throw new Error('simulated: the database did not answer');
    };
    messages.post = fail;
    rooms.markRead = fail;
    rooms.joinById = fail;
    const restore = () => {
      Object.assign(messages, { post: saved.post });
      Object.assign(rooms, { markRead: saved.markRead, joinById: saved.joinById });
    };
    restores.push(restore);
    a.send({ type: 'send', roomId, clientMessageId: 'c1', body: 'hello', ref: 'send' });
    a.send({ type: 'read', roomId, seq: 1, ref: 'read' });
    a.send({ type: 'join', roomId, ref: 'join-again' });
    for (const ref of ['send', 'read', 'join-again']) {
      expect(await a.next('error', (f) => f.ref === ref)).toMatchObject({ code: 'internal' });
    }
    restore();
    // The socket is still usable and still in its room (the join failed before it moved).
    a.send({ type: 'send', roomId, clientMessageId: 'c1', body: 'hello', ref: 'send-2' });
    expect((await a.next('ack', (f) => f.ref === 'send-2')).message.seq).toBe(1);
  });
  it('someone who enters while a join snapshot is being read is announced to the joiner exactly once', async () => {
    const alice = await guest(app);
    const bob = await guest(app);
    const roomId = await createRoom(app, alice.headers);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: bob.headers });
    const a = await connectAs(url, alice.token);
    const b = await connectAs(url, bob.token);
    open.push(a, b);

    // Alice's snapshot read waits until Bob is in the room.
    const messages = app.services.messages;
    const page = messages.page.bind(messages);
    let bobIn!: () => void;
    const bobEntered = new Promise<void>((resolve) => {
      bobIn = resolve;
    });
    messages.page = async (...args: Parameters<typeof page>) => {
      messages.page = page;
      await bobEntered;
      return page(...args);
    };
    restores.push(() => {
      messages.page = page;
    });

    a.send({ type: 'join', roomId, ref: 'a-join' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    b.send({ type: 'join', roomId, ref: 'b-join' });
    await b.next('joined');
    bobIn();
    const joined = await a.next('joined');
    await a.none('presence', 300, (f) => f.type === 'presence' && f.user.id !== bob.user.id);
    const inSnapshot = joined.present.filter((u) => u.id === bob.user.id).length;
    const notices = a.frames.filter(
      (f) => f.type === 'presence' && f.action === 'join' && f.user.id === bob.user.id,
    ).length;
    expect(inSnapshot + notices).toBe(1);
  });
});
