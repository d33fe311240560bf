import type { PublicUser } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import {
  BUS_PROTOCOL_VERSION,
  decode,
  decodeRoomEvent,
  encode,
  encodeRoomEvent,
  PresenceMessage,
} from '../src/bus/protocol.ts';
import { systemClock } from '../src/clock.ts';
import type { Config } from '../src/config.ts';
import { createMetrics } from '../src/metrics.ts';
import type { Connection } from '../src/realtime/connection.ts';
import { createRealtimeCore, type RealtimeCore } from '../src/realtime/index.ts';
import type { PreparedFrame } from '../src/realtime/prepared-frame.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { connectAs, listen } from './ws-helpers.ts';

/**
 * Node-to-node messages are one versioned union (bus/protocol.ts), checked on receipt. Two
 * realtime cores on one in-process bus stand for two nodes; junk and next-version payloads are
 * published on every channel between them: dropped, counted, logged (rate limited), nothing
 * crashes, and the good traffic around them still flows.
 */

const ada: PublicUser = { id: 'u-ada', username: 'ada', name: null, guest: true };

type Node = { core: RealtimeCore; metrics: ReturnType<typeof createMetrics>; warnings: object[] };
const started: Node[] = [];

function node(bus: ReturnType<typeof createMemoryBus>): Node {
  const metrics = createMetrics();
  const warnings: object[] = [];
  const log = { warn: (obj: object) => void warnings.push(obj), info: () => {}, error: () => {} };
  const core = createRealtimeCore({
    bus,
    clock: systemClock,
    options: { nodeTimeoutMs: 60_000 } as Config['realtime'],
    metrics,
    log,
  });
  const n = { core, metrics, warnings };
  started.push(n);
  return n;
}

/** A socket in a room, as the hub sees it: records the frames it is handed. */
function socketIn(n: Node, roomId: string) {
  const frames: string[] = [];
  const connection = {
    deliver: (frame: PreparedFrame) => frames.push(frame.text),
  } as unknown as Connection;
  n.core.hub.enter(connection, roomId);
  return frames;
}

async function rejected(n: Node) {
  const metric = await n.metrics.busRejected.get();
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.channel}/${v.labels.reason}`, v.value]));
}

afterEach(() => {
  for (const n of started.splice(0)) {
    n.core.presence.stop();
    n.core.lobby.stop();
    n.core.closeLog();
  }
});

describe('bus protocol', () => {
  it('encodes what it decodes, room events with the frame untouched', () => {
    const frame = JSON.stringify({ type: 'pong' });
    const decoded = decodeRoomEvent(encodeRoomEvent('node-a', 7, frame));
    expect(decoded).toEqual({ ok: true, message: { node: 'node-a', seq: 7, frame } });
    expect(decode(PresenceMessage, encode<PresenceMessage>({ t: 'beat', node: 'n' }))).toEqual({
      ok: true,
      message: { v: BUS_PROTOCOL_VERSION, t: 'beat', node: 'n' },
    });
  });

  it('tells junk, another version and a wrong shape apart', () => {
    expect(decodeRoomEvent('junk')).toMatchObject({ ok: false, rejection: { reason: 'malformed' } });
    expect(decodeRoomEvent('node-a\t0\t{}')).toMatchObject({ ok: false, rejection: { reason: 'malformed' } });
    expect(decodeRoomEvent(`${BUS_PROTOCOL_VERSION + 1}\tnode-a\t0\t{}`)).toMatchObject({
      ok: false,
      rejection: { reason: 'version' },
    });
    expect(decodeRoomEvent(`${BUS_PROTOCOL_VERSION}\tnode-a\tx\t{}`)).toMatchObject({
      ok: false,
      rejection: { reason: 'invalid' },
    });
    expect(decodeRoomEvent(`${BUS_PROTOCOL_VERSION}\tnode-a\t1\tnot json`)).toMatchObject({
      ok: false,
      rejection: { reason: 'invalid' },
    });
    expect(decode(PresenceMessage, '{')).toMatchObject({ ok: false, rejection: { reason: 'malformed' } });
    expect(decode(PresenceMessage, '{"t":"beat","node":"n"}')).toMatchObject({
      ok: false,
      rejection: { reason: 'malformed' },
    });
    expect(
      decode(PresenceMessage, JSON.stringify({ v: BUS_PROTOCOL_VERSION + 1, t: 'beat', node: 'n' })),
    ).toMatchObject({ ok: false, rejection: { reason: 'version' } });
    expect(
      decode(PresenceMessage, JSON.stringify({ v: BUS_PROTOCOL_VERSION, t: 'delta', node: 'n', room: 'r' })),
    ).toMatchObject({ ok: false, rejection: { reason: 'invalid' } });
  });

  it('drops and counts malformed and next-version messages between two nodes; good traffic still flows', async () => {
    const bus = createMemoryBus((error) => {
      throw error;
    });
    const a = node(bus);
    const b = node(bus);
    a.core.presence.start();
    b.core.presence.start();
    a.core.lobby.start();
    b.core.lobby.start();
    const onB = socketIn(b, 'r1');
    socketIn(a, 'r1');

    const next = BUS_PROTOCOL_VERSION + 1;
    // A node of the next version, and a publisher of junk, on every channel.
    bus.publish('room:r1', `${next}\tnode-z\t3\t${JSON.stringify({ type: 'pong' })}`);
    bus.publish('room:r1', 'garbage');
    bus.publish('presence', JSON.stringify({ v: next, t: 'delta', node: 'node-z', room: 'r1', user: ada, on: true }));
    bus.publish('presence', '{"t":"delta"');
    bus.publish('presence', JSON.stringify({ v: BUS_PROTOCOL_VERSION, t: 'delta', node: 'node-z', room: 'r1' }));
    bus.publish('lobby', JSON.stringify({ v: next, t: 'activity', node: 'node-z', roomId: 'r1' }));
    bus.publish('lobby', 'null');
    bus.publish('accounts', JSON.stringify({ v: next, t: 'session', tokenHash: 'h', why: 'signed_out' }));
    bus.publish('accounts', '[]');

    // Nothing of it reached a socket or presence.
    expect(onB).toEqual([]);
    expect(b.core.presence.isPresent('r1', ada.id)).toBe(false);

    // Good traffic: a room event from A reaches B's socket as the same text; presence is shared.
    a.core.hub.broadcast('r1', { type: 'pong' }, 0);
    expect(onB).toEqual([JSON.stringify({ type: 'pong' })]);
    a.core.presence.add('r1', ada);
    expect(b.core.presence.isPresent('r1', ada.id)).toBe(true);

    for (const n of [a, b]) {
      const counts = await rejected(n);
      expect(counts['room/version']).toBe(1);
      expect(counts['room/malformed']).toBe(1);
      expect(counts['presence/version']).toBe(1);
      expect(counts['presence/malformed']).toBe(1);
      expect(counts['presence/invalid']).toBe(1);
      expect(counts['lobby/version']).toBe(1);
      expect(counts['lobby/malformed']).toBe(1);
      // The accounts channel is heard by the gateway (registerRealtime), not by the core.
      expect(n.warnings.length).toBeGreaterThan(0);
    }
  });

  it('logs a flood of rejected messages a few times a minute, and counts every one', async () => {
    const bus = createMemoryBus();
    const a = node(bus);
    a.core.presence.start();
    for (let i = 0; i < 100; i += 1) bus.publish('presence', 'junk');
    expect((await rejected(a))['presence/malformed']).toBe(100);
    expect(a.warnings.length).toBeLessThanOrEqual(5);
  });
});

describe('bus protocol in a whole server', () => {
  const sqlite = backends[0];
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('drops junk and next-version account events; a real sign-out still closes the socket', async () => {
    if (!sqlite) throw new Error('no SQLite backend');
    app = await startApp(testConfig(await sqlite.database(), { METRICS_TOKEN: 'scrape-token-0123456789' }));
    const { ws } = await listen(app);
    const g = await guest(app);
    const room = await createRoom(app, g.headers);
    const socket = await connectAs(ws, g.token);
    socket.send({ type: 'join', roomId: room });
    await socket.next('joined');

    const next = BUS_PROTOCOL_VERSION + 1;
    app.bus.publish('accounts', JSON.stringify({ v: next, t: 'session', tokenHash: 'h', why: 'signed_out' }));
    app.bus.publish('accounts', '{"v":1,"t":"left"}');
    app.bus.publish('accounts', 'junk');
    app.bus.publish(`room:${room}`, `${next}\tnode-z\t99\t${JSON.stringify({ type: 'pong' })}`);
    // The socket is still served.
    socket.send({ type: 'ping' });
    await socket.next('pong');

    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(metrics.body).toContain('tandem_bus_rejected_total{channel="accounts",reason="version"} 1');
    expect(metrics.body).toContain('tandem_bus_rejected_total{channel="accounts",reason="invalid"} 1');
    expect(metrics.body).toContain('tandem_bus_rejected_total{channel="accounts",reason="malformed"} 1');
    expect(metrics.body).toContain('tandem_bus_rejected_total{channel="room",reason="version"} 1');

    // Good traffic on the same channel still acts: signing out closes the socket.
    await app.inject({ method: 'POST', url: '/auth/logout', headers: g.headers });
    const closed = await socket.closed;
    expect(closed.code).toBeGreaterThanOrEqual(4000);
  });
});
