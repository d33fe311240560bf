import { performance } from 'node:perf_hooks';
import type { ServerFrame } from '@tandem/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../scripts/server-process.ts';
import {
  clusterEnv,
  errorsOf,
  guestOn,
  ids,
  joinOn,
  type Node,
  notices,
  postgres,
  roomOn,
  sleep,
  startTwoNodes,
  stopNodes,
  type User,
} from './bus-cluster.ts';
import { type OwnRedis, redisServerAvailable, startOwnRedis } from './own-redis.ts';
import type { TestSocket } from './ws-helpers.ts';

/**
 * Presence and typing across two real nodes when their Redis goes away or a node is stopped
 * (issue 16, finding 4). The Redis is the test's own redis-server (stopped and restarted here);
 * the shared Redis and PostgreSQL are never stopped.
 */

const NODE_TIMEOUT_MS = 3000;
const TYPING_TIMEOUT_MS = 1000;
/** How soon after Redis (or a stopped node) is back presence and typing must be right again. */
const RECOVERY_BOUND_MS = 5000;

describe.skipIf(!redisServerAvailable() || !postgres)('presence and typing across a bus outage', () => {
  let redis: OwnRedis;
  let env: Record<string, string>;
  let nodeA: Node;
  let nodeB: Node;
  const open: TestSocket[] = [];
  /** Display names by user id, for readable notice lists. */
  const names = new Map<string, string>();

  beforeAll(async () => {
    redis = await startOwnRedis();
    env = await clusterEnv(redis.url, {
      NODE_TIMEOUT: `${NODE_TIMEOUT_MS}ms`,
      TYPING_TIMEOUT: `${TYPING_TIMEOUT_MS}ms`,
    });
    [nodeA, nodeB] = await startTwoNodes(env);
  });
  afterEach(async () => {
    for (const socket of open.splice(0)) socket.close();
    if (!redis.running()) await redis.start();
    // Let the closes reach both nodes, so the next test starts from an empty room list.
    await sleep(300);
  });
  afterAll(async () => {
    for (const socket of open.splice(0)) socket.close();
    await stopNodes([nodeA, nodeB]);
    await redis?.stop();
  });

  async function guests(spec: Array<[Node, string]>): Promise<User[]> {
    const users = await Promise.all(spec.map(([node, name]) => guestOn(node, name)));
    for (const u of users) names.set(u.user.id, u.name);
    return users;
  }

  /** The notices a socket got after the first `from`. */
  const since = (socket: TestSocket, from: number) => notices(socket, names).slice(from);

  /** Joins each user on its node in order and waits until `watcher` has heard of every later one. */
  async function populate(roomId: string, members: Array<[Node, User]>) {
    const sockets: TestSocket[] = [];
    for (const [node, user] of members) {
      const { socket } = await joinOn(node, user, roomId, open);
      for (const earlier of sockets) {
        await earlier.next('presence', (f) => f.action === 'join' && f.user.id === user.user.id, 10_000);
      }
      sockets.push(socket);
    }
    return sockets;
  }

  const freshPresent = async (node: Node, user: User, roomId: string) =>
    ids((await joinOn(node, user, roomId, open)).snapshot.present);

  it('keeps everyone who stayed present through a Redis outage longer than the node timeout; the one real leave arrives once it is back', async () => {
    const [wa, a2, wb, b1, b2, f1, f2] = await guests([
      [nodeA, 'wa'],
      [nodeA, 'a2'],
      [nodeB, 'wb'],
      [nodeB, 'b1'],
      [nodeB, 'b2'],
      [nodeA, 'f1'],
      [nodeB, 'f2'],
    ]);
    if (!wa || !a2 || !wb || !b1 || !b2 || !f1 || !f2) throw new Error('unreachable');
    const roomId = await roomOn(nodeA, wa);
    const [sa, , sb, , sb2] = await populate(roomId, [
      [nodeA, wa],
      [nodeA, a2],
      [nodeB, wb],
      [nodeB, b1],
      [nodeB, b2],
    ]);
    if (!sa || !sb || !sb2) throw new Error('unreachable');
    const [fromA, fromB] = [notices(sa, names).length, notices(sb, names).length];

    await redis.stop();
    await sleep(1000);
    sb2.close(); // b2 really leaves, while the nodes cannot tell each other
    await sleep(NODE_TIMEOUT_MS); // down for NODE_TIMEOUT + 1 s in all
    const restarted = performance.now();
    await redis.start();
    await sa.next('presence', (f) => f.action === 'leave' && f.user.id === b2.user.id, RECOVERY_BOUND_MS);
    const leaveMs = Math.round(performance.now() - restarted);
    await sleep(NODE_TIMEOUT_MS); // a whole heartbeat round: any flap would show by now

    // Only the real change, once, on either node (B told its own sockets when b2 left).
    expect(since(sa, fromA)).toEqual(['leave b2']);
    expect(since(sb, fromB)).toEqual(['leave b2']);
    // A fresh join on either node sees the truth, and each real join is announced once.
    expect(await freshPresent(nodeA, f1, roomId)).toEqual(ids([wa, a2, wb, b1, f1].map((u) => u.user)));
    expect(await freshPresent(nodeB, f2, roomId)).toEqual(ids([wa, a2, wb, b1, f1, f2].map((u) => u.user)));
    await sleep(500);
    expect(since(sa, fromA)).toEqual(['leave b2', 'join f1', 'join f2']);
    expect(since(sb, fromB)).toEqual(['leave b2', 'join f1', 'join f2']);
    console.info(`Redis down ${NODE_TIMEOUT_MS + 1000} ms: b2's leave reached node A ${leaveMs} ms after it was back`);
    for (const node of [nodeA, nodeB]) expect(errorsOf(node)).toEqual([]);
  }, 60_000);

  it('announces nobody again when nodes exchange their full state (a third node starting)', async () => {
    const [wa, wb, b1] = await guests([
      [nodeA, 'wa'],
      [nodeB, 'wb'],
      [nodeB, 'b1'],
    ]);
    if (!wa || !wb || !b1) throw new Error('unreachable');
    const roomId = await roomOn(nodeA, wa);
    const [sa, sb] = await populate(roomId, [
      [nodeA, wa],
      [nodeB, wb],
      [nodeB, b1],
    ]);
    if (!sa || !sb) throw new Error('unreachable');
    const [fromA, fromB] = [notices(sa, names).length, notices(sb, names).length];
    // A new node asks everyone for their state; A and B hear each other's answers too.
    let nodeC: ServerProcess | undefined;
    try {
      nodeC = await startServerProcess('C', env);
      await sleep(1500);
    } finally {
      if (nodeC) await stopServerProcess(nodeC.child);
    }
    await sleep(500);
    expect(since(sa, fromA)).toEqual([]);
    expect(since(sb, fromB)).toEqual([]);
  }, 60_000);

  it('after a node is stopped (SIGSTOP) past the node timeout and continued, the stopped node expires nobody and the other announces each of its users back once', async () => {
    const [wa, a2, wb, b1, f1, f2] = await guests([
      [nodeA, 'wa'],
      [nodeA, 'a2'],
      [nodeB, 'wb'],
      [nodeB, 'b1'],
      [nodeA, 'f1'],
      [nodeB, 'f2'],
    ]);
    if (!wa || !a2 || !wb || !b1 || !f1 || !f2) throw new Error('unreachable');
    const roomId = await roomOn(nodeA, wa);
    const [sa, , sb] = await populate(roomId, [
      [nodeA, wa],
      [nodeA, a2],
      [nodeB, wb],
      [nodeB, b1],
    ]);
    if (!sa || !sb) throw new Error('unreachable');
    const [fromA, fromB] = [notices(sa, names).length, notices(sb, names).length];
    const onB = [wb, b1];

    const stopped = performance.now();
    nodeB.child.kill('SIGSTOP');
    let resumed = 0;
    try {
      // Node A cannot tell a stopped node from a dead one: B's users leave after the timeout.
      for (const user of onB) {
        await sa.next('presence', (f) => f.action === 'leave' && f.user.id === user.user.id, NODE_TIMEOUT_MS + 5000);
      }
      const expiredMs = Math.round(performance.now() - stopped);
      await sleep(1500);
      resumed = performance.now();
      console.info(
        `node B stopped ${Math.round(resumed - stopped)} ms; node A dropped its users after ${expiredMs} ms`,
      );
    } finally {
      nodeB.child.kill('SIGCONT');
    }
    for (const user of onB) {
      await sa.next('presence', (f) => f.action === 'join' && f.user.id === user.user.id, RECOVERY_BOUND_MS);
    }
    const backMs = Math.round(performance.now() - resumed);
    await sleep(NODE_TIMEOUT_MS);

    // A: one leave and one join for each of B's users, nothing else. B: nothing at all (A never left).
    const seenOnA = since(sa, fromA);
    expect(seenOnA.filter((n) => n.startsWith('leave')).sort()).toEqual(['leave b1', 'leave wb']);
    expect(seenOnA.filter((n) => n.startsWith('join')).sort()).toEqual(['join b1', 'join wb']);
    expect(seenOnA).toHaveLength(4);
    expect(since(sb, fromB)).toEqual([]);
    expect(await freshPresent(nodeA, f1, roomId)).toEqual(ids([wa, a2, wb, b1, f1].map((u) => u.user)));
    expect(await freshPresent(nodeB, f2, roomId)).toEqual(ids([wa, a2, wb, b1, f1, f2].map((u) => u.user)));
    expect(nodeB.output()).toMatch(/"level":40[^\n]*"stalledMs":\d+[^\n]*stopped or blocked/);
    console.info(`node B's users were back on node A ${backMs} ms after SIGCONT`);
    for (const node of [nodeA, nodeB]) expect(errorsOf(node)).toEqual([]);
  }, 60_000);

  it('shows the end of typing that happened while Redis was down once it is back (an explicit stop, and a lease that ran out)', async () => {
    const [wa, t1, t2] = await guests([
      [nodeA, 'wa'],
      [nodeB, 't1'],
      [nodeB, 't2'],
    ]);
    if (!wa || !t1 || !t2) throw new Error('unreachable');
    const roomId = await roomOn(nodeA, wa);
    const [sa, s1, s2] = await populate(roomId, [
      [nodeA, wa],
      [nodeB, t1],
      [nodeB, t2],
    ]);
    if (!sa || !s1 || !s2) throw new Error('unreachable');
    type Typing = Extract<ServerFrame, { type: 'typing' }>;
    const typingOf = (user: User) => (f: Typing) => f.user.id === user.user.id;
    s1.send({ type: 'typing', roomId, active: true });
    s2.send({ type: 'typing', roomId, active: true });
    for (const user of [t1, t2]) await sa.next('typing', (f) => typingOf(user)(f) && f.active);

    await redis.stop();
    s1.send({ type: 'typing', roomId, active: false }); // t1 stops: node A cannot be told now
    s2.send({ type: 'typing', roomId, active: true }); // t2 goes on, then stops refreshing: its lease runs out
    await sleep(TYPING_TIMEOUT_MS + 1000);
    const restarted = performance.now();
    await redis.start();
    for (const user of [t1, t2]) {
      await sa.next('typing', (f) => typingOf(user)(f) && !f.active, RECOVERY_BOUND_MS);
    }
    const stoppedMs = Math.round(performance.now() - restarted);
    await sleep(1000);
    // The last word node A's socket had on each is "stopped".
    for (const user of [t1, t2]) {
      const last = sa.frames.filter((f): f is Typing => f.type === 'typing' && typingOf(user)(f)).at(-1);
      expect(last).toMatchObject({ active: false });
    }
    console.info(`typing ended during the outage reached node A ${stoppedMs} ms after Redis was back`);
    for (const node of [nodeA, nodeB]) expect(errorsOf(node)).toEqual([]);
  }, 60_000);
});
