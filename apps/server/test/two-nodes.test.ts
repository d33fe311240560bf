import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Message, ServerFrame } from '@tandem/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../scripts/server-process.ts';
import { api } from './bus-cluster.ts';
import { backends, uniqueName } from './helpers.ts';
import { connectAs, type TestSocket } from './ws-helpers.ts';

/**
 * Two real server processes (`node src/main.ts`) sharing one fresh PostgreSQL database and one
 * Redis, with users on real WebSockets spread over both. Needs TEST_DATABASE_URL and
 * TEST_REDIS_URL (`./tandem test` sets both when the services are up); skipped otherwise.
 */

const postgres = backends.find((b) => b.name === 'postgres');
const redisUrl = process.env.TEST_REDIS_URL;

const NODE_TIMEOUT_MS = 3000;
const TYPING_TIMEOUT_MS = 1000;
/** What the product promises: a dead node's users are gone from everyone's presence within this. */
const PRESENCE_CLEANUP_BOUND_MS = 15_000;

type Node = ServerProcess;

describe.skipIf(!postgres || !redisUrl)('two nodes sharing PostgreSQL and Redis', () => {
  let nodeA: Node;
  let nodeB: Node;
  /** Sockets opened by the current test, closed after it so no presence leaks into the next. */
  const open: TestSocket[] = [];

  beforeAll(async () => {
    if (!postgres || !redisUrl) throw new Error('unreachable: the suite is skipped');
    const database = await postgres.database();
    if (database.kind !== 'postgres') throw new Error('expected a PostgreSQL database');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      // A namespace of our own: parallel runs on the same Redis never hear each other.
      REDIS_PREFIX: `tandem-test-${process.pid}-${randomBytes(4).toString('hex')}`,
      NODE_TIMEOUT: `${NODE_TIMEOUT_MS}ms`,
      TYPING_TIMEOUT: `${TYPING_TIMEOUT_MS}ms`,
      DEFAULT_ROOMS: '',
      AUTH_RATE_LIMIT: '1000',
      SEND_RATE_LIMIT: '100000',
      LOG_LEVEL: 'info',
    };
    // Started together on the empty database: both migrate it at the same moment.
    [nodeA, nodeB] = await Promise.all([startServerProcess('A', env), startServerProcess('B', env)]);
  });

  /** Warnings and errors the nodes logged, newest last. */
  const problems = () =>
    [nodeA, nodeB]
      .filter((node) => node !== undefined)
      .flatMap((node) => node.problems.map((line) => `node ${node.name}: ${line}`));
  let problemsSeen = 0;

  afterEach((context) => {
    for (const socket of open.splice(0)) socket.close();
    const added = problems().slice(problemsSeen);
    problemsSeen += added.length;
    if (context.task.result?.state === 'fail') console.error(added.join('\n'));
    // A server-side error (a failed frame, a bus handler that threw) fails the test that caused it.
    expect(added.filter((line) => !/"level":40/.test(line))).toEqual([]);
  });

  afterAll(async () => {
    for (const socket of open.splice(0)) socket.close();
    // The database is dropped by the helpers once the file ends.
    await Promise.all([nodeA, nodeB].filter(Boolean).map((node) => stopServerProcess(node.child)));
  });

  type User = { token: string; user: { id: string; username: string }; name: string };

  /** A guest signed up over REST on `node` (its session works on both nodes: it is in the database). */
  async function guestOn(node: Node, prefix: string): Promise<User> {
    const body = await api<{ token: string; user: User['user'] }>(node, 'POST', '/auth/guest', {
      body: { username: uniqueName(prefix) },
    });
    return { ...body, name: prefix };
  }

  async function roomOn(node: Node, creator: User): Promise<string> {
    const body = await api<{ roomId: string }>(node, 'POST', '/rooms', {
      token: creator.token,
      body: { name: uniqueName('room') },
    });
    return body.roomId;
  }

  /** A socket of `user` on `node` that has joined `roomId`, and its join snapshot. */
  async function joinOn(node: Node, user: User, roomId: string) {
    const socket = await connectAs(node.ws, user.token);
    open.push(socket);
    const ref = `join-${user.name}`;
    socket.send({ type: 'join', roomId, ref });
    const snapshot = await socket.next('joined', (f) => f.ref === ref);
    return { socket, snapshot };
  }

  /** Waits for a frame on every socket (in parallel) and returns them in the same order. */
  function allGet<T extends ServerFrame['type']>(
    sockets: TestSocket[],
    type: T,
    match?: (f: Extract<ServerFrame, { type: T }>) => boolean,
    timeoutMs?: number,
  ) {
    return Promise.all(sockets.map((s) => s.next(type, match, timeoutMs)));
  }

  const ids = (users: Array<{ id: string }>) => users.map((u) => u.id).sort();

  it('delivers socket and REST messages across nodes, once each, and acks only the sender', async () => {
    const [a1, a2, b1, b2] = await Promise.all([
      guestOn(nodeA, 'a1'),
      guestOn(nodeB, 'a2'),
      guestOn(nodeA, 'b1'),
      guestOn(nodeB, 'b2'),
    ]);
    const roomId = await roomOn(nodeB, b1);
    const sa1 = (await joinOn(nodeA, a1, roomId)).socket;
    const sa2 = (await joinOn(nodeA, a2, roomId)).socket;
    const sb1 = (await joinOn(nodeB, b1, roomId)).socket;
    const sb2 = (await joinOn(nodeB, b2, roomId)).socket;

    // A socket on node A sends: the ack goes to the sender, the message to everyone on both nodes.
    sa1.send({ type: 'send', roomId, clientMessageId: 'from-a', body: 'hello from node A', ref: 'm1' });
    const ack = await sa1.next('ack');
    expect(ack).toMatchObject({
      ref: 'm1',
      message: { seq: 1, body: 'hello from node A', sender: { id: a1.user.id } },
    });
    const received = await allGet([sa1, sa2, sb1, sb2], 'message');
    for (const frame of received) expect(frame.message).toEqual(ack.message);

    // A message posted over REST on node B reaches the sockets on node A (and on B).
    const posted = await api<Message>(nodeB, 'POST', `/rooms/${roomId}/messages`, {
      token: b2.token,
      body: { clientMessageId: 'rest-b', body: 'posted over REST on node B' },
    });
    expect(posted).toMatchObject({ seq: 2, sender: { id: b2.user.id } });
    for (const frame of await allGet([sa1, sa2, sb1, sb2], 'message', (f) => f.message.seq === 2)) {
      expect(frame.message).toEqual(posted);
    }

    // And the other way round: node B's socket sends, node A's sockets hear it.
    sb1.send({ type: 'send', roomId, clientMessageId: 'from-b', body: 'hello from node B', ref: 'm3' });
    const ackB = await sb1.next('ack');
    expect(ackB).toMatchObject({ ref: 'm3', message: { seq: 3, sender: { id: b1.user.id } } });
    for (const frame of await allGet([sa1, sa2, sb1, sb2], 'message', (f) => f.message.seq === 3)) {
      expect(frame.message).toEqual(ackB.message);
    }

    // Nobody got a message twice (a node skips its own bus echo), and only senders got acks.
    await Promise.all([sa1, sa2, sb1, sb2].map((s) => s.none('message', 300)));
    for (const s of [sa2, sb2]) expect(s.frames.filter((f) => f.type === 'ack')).toEqual([]);
    expect(sb1.frames.filter((f) => f.type === 'ack')).toEqual([ackB]);
    expect(sa1.frames.filter((f) => f.type === 'ack')).toEqual([ack]);

    // Both nodes see the same history in the shared database.
    for (const node of [nodeA, nodeB]) {
      const history = await api<{ messages: Message[] }>(node, 'GET', `/rooms/${roomId}/messages`, {
        token: a2.token,
      });
      expect(history.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    }
  });

  it('keeps seqs gap-free and delivers every message once when both nodes send at the same time', async () => {
    const [a, b] = await Promise.all([guestOn(nodeA, 'ca'), guestOn(nodeB, 'cb')]);
    const roomId = await roomOn(nodeA, a);
    const sa = (await joinOn(nodeA, a, roomId)).socket;
    const sb = (await joinOn(nodeB, b, roomId)).socket;
    const perSender = 10;
    for (let i = 0; i < perSender; i++) {
      sa.send({ type: 'send', roomId, clientMessageId: `a-${i}`, body: `a ${i}` });
      sb.send({ type: 'send', roomId, clientMessageId: `b-${i}`, body: `b ${i}` });
    }
    const total = perSender * 2;
    for (const s of [sa, sb]) {
      const frames = [];
      for (let i = 0; i < total; i++) frames.push(await s.next('message'));
      expect(frames.map((f) => f.message.seq).sort((x, y) => x - y)).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      await s.none('message', 200);
    }
  });

  it('shows typing started and stopped on one node to the room on the other', async () => {
    const [t1, t2, t3] = await Promise.all([guestOn(nodeA, 't1'), guestOn(nodeB, 't2'), guestOn(nodeA, 't3')]);
    const roomId = await roomOn(nodeA, t1);
    const s1 = (await joinOn(nodeA, t1, roomId)).socket;
    const s2 = (await joinOn(nodeB, t2, roomId)).socket;
    const s3 = (await joinOn(nodeB, t3, roomId)).socket;

    // A → B: start, then stop.
    s1.send({ type: 'typing', roomId, active: true });
    const byT1 = (f: { user: { id: string } }) => f.user.id === t1.user.id;
    for (const frame of await allGet([s2, s3], 'typing', (f) => byT1(f) && f.active)) {
      expect(frame).toMatchObject({ roomId, active: true, user: { id: t1.user.id }, expiresInMs: TYPING_TIMEOUT_MS });
    }
    s1.send({ type: 'typing', roomId, active: false });
    for (const frame of await allGet([s2, s3], 'typing', (f) => byT1(f) && !f.active)) {
      expect(frame).toMatchObject({ roomId, user: { id: t1.user.id } });
    }

    // B → A: start, then sending ends it (the stop comes before the message).
    s2.send({ type: 'typing', roomId, active: true });
    const byT2 = (f: { user: { id: string } }) => f.user.id === t2.user.id;
    expect(await s1.next('typing', (f) => byT2(f) && f.active)).toMatchObject({
      roomId,
      expiresInMs: TYPING_TIMEOUT_MS,
    });
    s2.send({ type: 'send', roomId, clientMessageId: 'typed', body: 'done typing' });
    const stop = await s1.next('typing', (f) => byT2(f) && !f.active);
    const message = await s1.next('message');
    expect(s1.frames.indexOf(stop)).toBeLessThan(s1.frames.indexOf(message));

    // A lease on node B that is never refreshed runs out, and node A's sockets hear it end.
    s3.send({ type: 'typing', roomId, active: true });
    const byT3 = (f: { user: { id: string } }) => f.user.id === t3.user.id;
    await s1.next('typing', (f) => byT3(f) && f.active);
    const started = performance.now();
    await s1.next('typing', (f) => byT3(f) && !f.active, TYPING_TIMEOUT_MS + 3000);
    expect(performance.now() - started).toBeGreaterThan(TYPING_TIMEOUT_MS * 0.5);
  });

  it('shares presence: joins, snapshots and leaves cross nodes, and a user is present until its last socket anywhere goes', async () => {
    const [p1, p2, p3] = await Promise.all([guestOn(nodeA, 'p1'), guestOn(nodeB, 'p2'), guestOn(nodeA, 'p3')]);
    const roomId = await roomOn(nodeA, p1);
    const j1 = await joinOn(nodeA, p1, roomId);
    expect(ids(j1.snapshot.present)).toEqual([p1.user.id]);

    // p2 joins on node B: its snapshot lists p1 (present on A), and p1 on A is told.
    const j2 = await joinOn(nodeB, p2, roomId);
    expect(ids(j2.snapshot.present)).toEqual(ids([p1.user, p2.user]));
    expect(await j1.socket.next('presence')).toMatchObject({ roomId, action: 'join', user: { id: p2.user.id } });

    // p3 joins on node A: p2 on B is told, and p3's snapshot has all three.
    const j3 = await joinOn(nodeA, p3, roomId);
    expect(ids(j3.snapshot.present)).toEqual(ids([p1.user, p2.user, p3.user]));
    expect(await j2.socket.next('presence')).toMatchObject({ action: 'join', user: { id: p3.user.id } });
    expect(await j1.socket.next('presence')).toMatchObject({ action: 'join', user: { id: p3.user.id } });

    // p2 leaves on B (leave frame): both sockets on A are told.
    j2.socket.send({ type: 'leave', roomId, ref: 'bye' });
    await j2.socket.next('left', (f) => f.ref === 'bye');
    for (const frame of await allGet([j1.socket, j3.socket], 'presence')) {
      expect(frame).toMatchObject({ roomId, action: 'leave', user: { id: p2.user.id } });
    }

    // p2 comes back on B; then p1's socket on A closes: p2 on B hears p1 leave.
    j2.socket.send({ type: 'join', roomId, ref: 'back' });
    expect(ids((await j2.socket.next('joined', (f) => f.ref === 'back')).present)).toEqual(
      ids([p1.user, p2.user, p3.user]),
    );
    expect(await j1.socket.next('presence')).toMatchObject({ action: 'join', user: { id: p2.user.id } });
    expect(await j3.socket.next('presence')).toMatchObject({ action: 'join', user: { id: p2.user.id } });
    j1.socket.close();
    expect(await j2.socket.next('presence')).toMatchObject({ action: 'leave', user: { id: p1.user.id } });
    expect(await j3.socket.next('presence')).toMatchObject({ action: 'leave', user: { id: p1.user.id } });

    // p1 is back on A, watching; p3 opens a second socket on node B: nobody is told (p3 was
    // already present, on A).
    const watcher = await joinOn(nodeA, p1, roomId);
    expect(await j2.socket.next('presence')).toMatchObject({ action: 'join', user: { id: p1.user.id } });
    expect(await j3.socket.next('presence')).toMatchObject({ action: 'join', user: { id: p1.user.id } });
    const second = await joinOn(nodeB, p3, roomId);
    expect(ids(second.snapshot.present)).toEqual(ids([p1.user, p2.user, p3.user]));
    // Closing p3's socket on A leaves p3 present through node B: no leave on either node.
    j3.socket.close();
    await Promise.all([watcher.socket.none('presence', 500), j2.socket.none('presence', 500)]);
    // Closing the last one, on B, is a leave, seen on both nodes.
    second.socket.close();
    expect(await watcher.socket.next('presence')).toMatchObject({ action: 'leave', user: { id: p3.user.id } });
    expect(await j2.socket.next('presence')).toMatchObject({ action: 'leave', user: { id: p3.user.id } });
  });

  it('shares read receipts across nodes and in join snapshots on either node', async () => {
    const [r1, r2] = await Promise.all([guestOn(nodeA, 'r1'), guestOn(nodeB, 'r2')]);
    const roomId = await roomOn(nodeB, r1);
    const s1 = (await joinOn(nodeA, r1, roomId)).socket;
    const s2 = (await joinOn(nodeB, r2, roomId)).socket;
    for (let i = 1; i <= 3; i++) {
      await api(nodeA, 'POST', `/rooms/${roomId}/messages`, {
        token: r1.token,
        body: { clientMessageId: `r-${i}`, body: `message ${i}` },
      });
    }
    await allGet([s1, s2], 'message', (f) => f.message.seq === 3);

    // r2 reads on node B: r1 on node A sees it.
    s2.send({ type: 'read', roomId, seq: 2 });
    expect(await s1.next('read')).toEqual({ type: 'read', roomId, userId: r2.user.id, seq: 2 });
    expect(await s2.next('read')).toEqual({ type: 'read', roomId, userId: r2.user.id, seq: 2 });
    // r1 reads on node A: r2 on node B sees it.
    s1.send({ type: 'read', roomId, seq: 3 });
    expect(await s2.next('read', (f) => f.userId === r1.user.id)).toEqual({
      type: 'read',
      roomId,
      userId: r1.user.id,
      seq: 3,
    });
    // Going backwards changes nothing and tells nobody.
    s2.send({ type: 'read', roomId, seq: 1 });
    await s1.none('read', 400, (f) => f.type === 'read' && f.userId === r2.user.id);

    // A fresh join on either node has both positions (they are in the shared database).
    for (const node of [nodeA, nodeB]) {
      const { snapshot } = await joinOn(node, r1, roomId);
      expect(snapshot.reads).toEqual(
        expect.arrayContaining([
          { userId: r1.user.id, seq: 3 },
          { userId: r2.user.id, seq: 2 },
        ]),
      );
    }
  });

  // Last: it kills node B.
  it('streams room activity from either node to room-list watchers on the other', async () => {
    const watcherUser = await guestOn(nodeA, 'watcher');
    const watcher = await connectAs(nodeA.ws, watcherUser.token);
    open.push(watcher);
    watcher.send({ type: 'watch_rooms', active: true });
    await watcher.next('watching');
    const bob = await guestOn(nodeB, 'bob');
    const roomId = await roomOn(nodeB, bob);
    // A room created on B shows up at A's watcher, and so does bob entering it on B.
    await watcher.next('room_activity', (f) => f.roomId === roomId);
    const { socket } = await joinOn(nodeB, bob, roomId);
    await watcher.next('room_activity', (f) => f.roomId === roomId && f.onlineCount === 1);
    socket.send({ type: 'send', roomId, clientMessageId: 'lobby-b', body: 'from B' });
    expect(await watcher.next('room_activity', (f) => f.roomId === roomId && f.latestSeq === 1)).toMatchObject({
      onlineCount: 1,
    });
  });

  it("drops a SIGKILLed node's users from presence on the surviving node within 15 s", async () => {
    const [k1, k2, k3, k4, k5] = await Promise.all([
      guestOn(nodeA, 'k1'),
      guestOn(nodeB, 'k2'),
      guestOn(nodeB, 'k3'),
      guestOn(nodeA, 'k4'),
      guestOn(nodeB, 'k5'),
    ]);
    const roomId = await roomOn(nodeA, k1);
    const j1 = await joinOn(nodeA, k1, roomId);
    const onB = [];
    for (const user of [k2, k3, k5]) {
      onB.push(await joinOn(nodeB, user, roomId));
      await j1.socket.next('presence', (f) => f.action === 'join' && f.user.id === user.user.id);
    }
    expect(ids(onB[2]?.snapshot.present ?? [])).toEqual(ids([k1.user, k2.user, k3.user, k5.user]));

    // No goodbye: the process is gone at once, its sockets and Redis connections cut.
    const killed = once(nodeB.child, 'exit');
    nodeB.child.kill('SIGKILL');
    const started = performance.now();
    await killed;
    // k5 fails over to node A at once (before B is timed out): k5 never stops being present.
    // Its snapshot still has B's other users (B is not timed out yet); they leave below.
    const failover = await joinOn(nodeA, k5, roomId);
    expect(ids(failover.snapshot.present)).toEqual(ids([k1.user, k2.user, k3.user, k5.user]));

    const [gone2, gone3] = await Promise.all(
      [k2, k3].map((user) =>
        j1.socket.next(
          'presence',
          (f) => f.action === 'leave' && f.user.id === user.user.id,
          PRESENCE_CLEANUP_BOUND_MS,
        ),
      ),
    );
    const elapsed = performance.now() - started;
    expect(gone2).toMatchObject({ roomId, user: { username: k2.user.username } });
    expect(gone3).toMatchObject({ roomId, user: { username: k3.user.username } });
    expect(elapsed).toBeLessThan(PRESENCE_CLEANUP_BOUND_MS);
    console.info(`presence cleanup after SIGKILL took ${Math.round(elapsed)} ms (NODE_TIMEOUT=${NODE_TIMEOUT_MS}ms)`);

    // The clients of node B lost their connections.
    for (const { socket } of onB) expect((await socket.closed).code).toBe(1006);

    // A fresh join on A lists only the users on A (k5 included, k2 and k3 gone) ...
    const j4 = await joinOn(nodeA, k4, roomId);
    expect(ids(j4.snapshot.present)).toEqual(ids([k1.user, k4.user, k5.user]));
    for (const s of [j1.socket, failover.socket]) {
      expect(await s.next('presence', (f) => f.action === 'join')).toMatchObject({ user: { id: k4.user.id } });
    }
    // The failed-over socket saw the same leaves as everyone on A.
    for (const user of [k2, k3]) {
      await failover.socket.next('presence', (f) => f.action === 'leave' && f.user.id === user.user.id);
    }
    // ... and node A carries on serving the room.
    j4.socket.send({ type: 'send', roomId, clientMessageId: 'after', body: 'still here', ref: 'after' });
    expect(await j4.socket.next('ack')).toMatchObject({ ref: 'after' });
    expect((await j1.socket.next('message')).message.body).toBe('still here');
    expect((await failover.socket.next('message')).message.body).toBe('still here');
    // The failed-over user neither left nor re-joined, and nothing else turns up later.
    await Promise.all([j1.socket.none('presence', 500), failover.socket.none('presence', 0)]);
    expect(j1.socket.frames.filter((f) => f.type === 'presence' && f.user.id === k5.user.id)).toHaveLength(1);
  });
});
