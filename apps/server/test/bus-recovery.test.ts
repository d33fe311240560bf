import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusRecovery } from '../src/bus/bus.ts';
import { createRedisBus } from '../src/bus/redis-bus.ts';
import {
  api,
  clusterEnv,
  errorsOf,
  guestOn,
  joinOn,
  metric,
  type Node,
  postgres,
  rejoin,
  roomOn,
  sleep,
  startTwoNodes,
  stopNodes,
} from './bus-cluster.ts';
import { type OwnRedis, redisServerAvailable, startOwnRedis } from './own-redis.ts';
import { startProxy } from './tcp-proxy.ts';
import type { TestSocket } from './ws-helpers.ts';

/**
 * Redis going away and coming back (issue 16, finding 3). The Redis here is the test's own
 * redis-server, killed and started again on its port; the shared one is never touched.
 */

const haveRedisServer = redisServerAvailable();

type Line = { level: 'warn' | 'info'; obj: object; msg: string };

/** A bus of the test's own on `url`, with its log lines, its recoveries and what it received. */
async function testBus(url: string, prefix: string) {
  const lines: Line[] = [];
  const log = {
    warn: (obj: object, msg: string) => void lines.push({ level: 'warn', obj, msg }),
    info: (obj: object, msg: string) => void lines.push({ level: 'info', obj, msg }),
  };
  const bus = await createRedisBus(url, log, prefix);
  const recoveries: Array<BusRecovery & { at: number }> = [];
  bus.onReconnect((recovery) => recoveries.push({ ...recovery, at: performance.now() }));
  const received = new Map<string, string[]>();
  const listen = (channel: string) => {
    received.set(channel, []);
    return bus.subscribe(channel, (payload) => received.get(channel)?.push(payload));
  };
  return { bus, lines, recoveries, received, listen };
}

/** Polls until `check` holds; the ms it took. Throws after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
  return Math.round(performance.now() - started);
}

describe.skipIf(!haveRedisServer)('the Redis bus, when its link breaks', () => {
  let redis: OwnRedis;
  const closing: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    if (!redis.running()) await redis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const prefix = () => `bus-test-${randomBytes(4).toString('hex')}`;

  it('reports the channels whose publishes were lost, replays the latest of each replay key in order, and drops no replayable event', async () => {
    const ns = prefix();
    // X reaches Redis through a proxy the test cuts: only X's link breaks; Y stays connected.
    const proxy = await startProxy(redis.port);
    closing.push(() => proxy.close());
    const x = await testBus(`redis://127.0.0.1:${proxy.port}`, ns);
    const y = await testBus(redis.url, ns);
    closing.push(
      () => x.bus.close(),
      () => y.bus.close(),
    );
    for (const channel of ['room:1', 'accounts', 'lobby']) y.listen(channel);
    x.bus.publish('room:1', 'before');
    await until('the first event', () => y.received.get('room:1')?.length === 1);

    proxy.setDown(true);
    await until('X to see its link is down', () => !x.bus.connected());
    expect(y.bus.connected()).toBe(true);
    x.bus.publish('room:1', 'a message while down'); // not replayable: dropped, and reported
    x.bus.publish('room:1', 'typing on', { replay: 'typing:u1' });
    x.bus.publish('accounts', 'session 1 ended', { replay: true });
    x.bus.publish('room:1', 'typing off', { replay: 'typing:u1' }); // supersedes "typing on"
    x.bus.publish('accounts', 'session 2 ended', { replay: true });
    x.bus.publish('lobby', 'room 7 seq 1', { replay: 'lobby:7' });
    x.bus.publish('lobby', 'room 7 seq 2', { replay: 'lobby:7' });
    await sleep(1500); // several reconnect attempts fail meanwhile
    expect(y.received.get('room:1')).toEqual(['before']);

    const back = performance.now();
    proxy.setDown(false);
    await until('X to recover', () => x.recoveries.length === 1);
    const recovered = Math.round((x.recoveries[0]?.at ?? 0) - back);
    console.info(`bus link back ${recovered} ms after the proxy let it through again`);
    expect(recovered).toBeLessThan(2500);
    expect(x.bus.connected()).toBe(true);
    const recovery = x.recoveries[0];
    expect(recovery?.missedIncoming).toBe(true);
    expect(recovery?.downMs).toBeGreaterThan(1000);
    expect([...(recovery?.droppedChannels ?? [])]).toEqual(['room:1']);
    // Y's link never broke: it reports nothing.
    expect(y.recoveries).toEqual([]);

    await until('the replay', () => y.received.get('lobby')?.length === 1);
    await sleep(300);
    // The latest of each key, everything unkeyed, in the order published; the message is not replayed.
    expect(y.received.get('room:1')).toEqual(['before', 'typing off']);
    expect(y.received.get('accounts')).toEqual(['session 1 ended', 'session 2 ended']);
    expect(y.received.get('lobby')).toEqual(['room 7 seq 2']);

    // Logged: the loss once at warn (not once per reconnect attempt or per publish), the recovery at info.
    const warnings = x.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warnings.filter((m) => m.includes('connection lost'))).toHaveLength(1);
    expect(warnings.filter((m) => m.includes('publish failed'))).toHaveLength(1);
    expect(warnings.filter((m) => m.includes('connection error')).length).toBeLessThanOrEqual(1);
    const info = x.lines.find((l) => l.msg === 'redis bus reconnected');
    expect(info?.obj).toMatchObject({ missedIncoming: true, droppedPublishes: 1, droppedChannels: 1, replayed: 4 });
  });

  it('subscribes every channel again after Redis restarts empty, including channels subscribed while it was down', async () => {
    const ns = prefix();
    const x = await testBus(redis.url, ns);
    const y = await testBus(redis.url, ns);
    closing.push(
      () => x.bus.close(),
      () => y.bus.close(),
    );
    y.listen('room:before');
    x.bus.publish('room:before', 'one');
    await until('the first event', () => y.received.get('room:before')?.length === 1);

    await redis.stop();
    await until('Y to see its link is down', () => !y.bus.connected());
    y.listen('room:during'); // entered while Redis is away
    const unlisten = y.listen('room:left');
    unlisten(); // and left again, while away
    await sleep(500);
    const restarted = performance.now();
    await redis.start();
    await until('both to recover', () => x.recoveries.length === 1 && y.recoveries.length === 1);
    const times = [x, y].map((b) => Math.round((b.recoveries[0]?.at ?? 0) - restarted));
    console.info(`bus recovered ${times.join(' and ')} ms after redis-server was ready again`);
    for (const t of times) expect(t).toBeLessThan(2500);

    // What Redis itself says: the channels with a handler are subscribed again.
    const probe = new Redis(redis.url);
    closing.push(() => probe.quit());
    const channels = (await probe.pubsub('CHANNELS', `${ns}:*`)) as string[];
    expect(channels).toEqual(expect.arrayContaining([`${ns}:room:before`, `${ns}:room:during`, `${ns}:_bus`]));
    expect(channels).not.toContain(`${ns}:room:left`);
    x.bus.publish('room:before', 'two');
    x.bus.publish('room:during', 'three');
    await until('delivery on both channels', () => y.received.get('room:during')?.length === 1);
    await until('delivery on both channels', () => y.received.get('room:before')?.length === 2);
    expect(y.recoveries[0]).toMatchObject({ missedIncoming: true });
  });

  it('replays again to a node that was not listening yet when the replay went out', async () => {
    const ns = prefix();
    // Y's link stays cut after Redis is back, until X has replayed.
    const proxy = await startProxy(redis.port);
    closing.push(() => proxy.close());
    const x = await testBus(redis.url, ns);
    const y = await testBus(`redis://127.0.0.1:${proxy.port}`, ns);
    closing.push(
      () => x.bus.close(),
      () => y.bus.close(),
    );
    y.listen('room:1');

    proxy.setDown(true);
    await redis.stop();
    await until('both links down', () => !x.bus.connected() && !y.bus.connected());
    x.bus.publish('room:1', 'typing off', { replay: 'typing:u1' });
    await redis.start();
    await until('X to recover', () => x.recoveries.length === 1);
    await sleep(500); // X's replay went out to nobody
    expect(y.received.get('room:1')).toEqual([]);
    proxy.setDown(false);
    await until('Y to recover', () => y.recoveries.length === 1);
    // Y said it is back; X sent its recent replayable events again.
    await until('the replay to reach Y', () => y.received.get('room:1')?.length === 1);
    expect(y.received.get('room:1')).toEqual(['typing off']);
  });
});

const NODE_TIMEOUT_MS = 3000;
const OUTAGE_MS = 10_000;

describe.skipIf(!haveRedisServer || !postgres)('two nodes when their Redis is down for 10 s', () => {
  let redis: OwnRedis;
  let nodeA: Node;
  let nodeB: Node;
  const open: TestSocket[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
    [nodeA, nodeB] = await startTwoNodes(
      await clusterEnv(redis.url, { NODE_TIMEOUT: `${NODE_TIMEOUT_MS}ms`, TYPING_TIMEOUT: '1000ms' }),
    );
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  afterAll(async () => {
    for (const socket of open.splice(0)) socket.close();
    await stopNodes([nodeA, nodeB]);
    await redis?.stop();
  });

  it('tells every socket in a room to resync once Redis is back: the rejoin brings what was sent meanwhile, and live delivery resumes within about a second', async () => {
    const [a, b] = await Promise.all([guestOn(nodeA, 'a'), guestOn(nodeB, 'b')]);
    const roomId = await roomOn(nodeA, a);
    const sa = (await joinOn(nodeA, a, roomId, open)).socket;
    const sb = (await joinOn(nodeB, b, roomId, open)).socket;
    sb.send({ type: 'send', roomId, clientMessageId: 'm1', body: 'before the outage' });
    expect((await sa.next('message')).message.seq).toBe(1);

    await redis.stop();
    await sleep(500);
    // Both nodes keep serving their own sockets: sends are stored and acknowledged.
    sb.send({ type: 'send', roomId, clientMessageId: 'm2', body: 'from B while Redis is down', ref: 'm2' });
    sa.send({ type: 'send', roomId, clientMessageId: 'm3', body: 'from A while Redis is down', ref: 'm3' });
    expect((await sb.next('ack', (f) => f.ref === 'm2')).message.seq).toBe(2);
    expect((await sa.next('ack', (f) => f.ref === 'm3')).message.seq).toBe(3);
    await sleep(OUTAGE_MS - 500);
    // Neither crossed over.
    expect(sa.frames.filter((f) => f.type === 'message' && f.message.seq === 2)).toEqual([]);
    expect(sb.frames.filter((f) => f.type === 'message' && f.message.seq === 3)).toEqual([]);

    const restarted = performance.now();
    await redis.start();
    const [resyncA, resyncB] = await Promise.all([
      sa.next('resync', undefined, 10_000),
      sb.next('resync', undefined, 10_000),
    ]);
    const resyncMs = Math.round(performance.now() - restarted);
    expect(resyncA).toMatchObject({ roomId });
    expect(resyncB).toMatchObject({ roomId });

    // The client's answer: rejoin with lastSeq. The snapshot has the messages each side missed.
    const [joinedA, joinedB] = await Promise.all([rejoin(sa, roomId, 1), rejoin(sb, roomId, 2)]);
    expect(joinedA).toMatchObject({ resumed: true });
    expect(joinedA.messages.map((m) => m.seq)).toEqual([2, 3]);
    expect(joinedB.messages.map((m) => m.seq)).toEqual([3]);

    // Live delivery across nodes works again, both ways.
    const sent = performance.now();
    sb.send({ type: 'send', roomId, clientMessageId: 'm4', body: 'after the outage' });
    expect((await sa.next('message', (f) => f.message.seq === 4)).message.body).toBe('after the outage');
    const liveMs = Math.round(performance.now() - sent);
    sa.send({ type: 'send', roomId, clientMessageId: 'm5', body: 'and back' });
    expect((await sb.next('message', (f) => f.message.seq === 5)).message.body).toBe('and back');
    console.info(
      `after a ${OUTAGE_MS} ms Redis outage: resync on both nodes ${resyncMs} ms after redis-server was ready; a message then crossed in ${liveMs} ms`,
    );
    expect(resyncMs).toBeLessThan(3000);

    // Counted and logged on both nodes: the outage at warn, the recovery at info.
    for (const node of [nodeA, nodeB]) {
      expect(await metric(node, 'tandem_bus_reconnects_total')).toBe(1);
      expect(node.output()).toMatch(/"level":40[^\n]*"msg":"redis bus connection lost/);
      expect(node.output()).toMatch(/"level":30[^\n]*"msg":"redis bus reconnected"/);
      expect(node.output()).toMatch(/"level":30[^\n]*"resyncedSockets":1[^\n]*sockets told to resync/);
      expect(errorsOf(node)).toEqual([]);
    }
    // Health is green again.
    await api(nodeA, 'GET', '/readyz');
  }, 90_000);
});
