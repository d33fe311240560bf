import { CloseCode } from '@tandem/protocol';
import { describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.ts';
import { memoryLimits } from '../src/limits/limits.ts';
import type { Connection } from '../src/realtime/connection.ts';
import type { FrameHandlers } from '../src/realtime/frame-handlers.ts';
import type { LobbyFeed } from '../src/realtime/lobby.ts';
import {
  type SessionContext,
  type SessionRegistry,
  type SessionSocket,
  SocketSession,
} from '../src/realtime/socket-session.ts';
import { tokenBucket } from '../src/realtime/token-bucket.ts';
import type { Authenticated } from '../src/services/accounts.service.ts';
import type { Services } from '../src/services/index.ts';
import { asUser } from './helpers.ts';

const options: Config['realtime'] = {
  maxFrameBytes: 1024,
  sendBufferLimit: 1e6,
  sendsPerSecond: 5,
  sendBurst: 10,
  heartbeatMs: 30_000,
  authTimeoutMs: 60_000,
  maxSocketsPerUser: 2,
  typingTimeoutMs: 5000,
  nodeTimeoutMs: 15_000,
};

const ada: Authenticated = {
  user: asUser({ id: 'u1', username: 'ada' }),
  tokenHash: 'hash-1',
  expiresAt: 1_000_000,
};

const [r1, r2] = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];

/** Lets the session's frame queue run (every step of it is a promise). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A session on a fake socket, with frame handlers that only move the connection between rooms. */
function harness(overrides: Partial<SessionContext> = {}) {
  const sent: Array<Record<string, unknown>> = [];
  const closes: Array<[number, string]> = [];
  const socket: SessionSocket = {
    send: (data) => sent.push(JSON.parse(data)),
    bufferedAmount: 0,
    sendPrepared: () => true,
    close: (code, reason) => closes.push([code, reason]),
    terminate: () => {},
  };
  const handlers = {
    join: async (connection: Connection, frame: { roomId?: string }) => {
      connection.roomId = frame.roomId ?? null;
    },
    leave: (connection: Connection) => {
      connection.roomId = null;
    },
    leaveCurrentRoom: (connection: Connection) => {
      const roomId = connection.roomId;
      connection.roomId = null;
      return roomId;
    },
    sendMessage: async () => {},
    setTyping: () => {},
    read: async () => {},
    typingExpired: () => {},
  };
  const registry = {
    framesOf: () => tokenBucket(100, 100),
    opened: vi.fn<SessionRegistry['opened']>(),
    closed: vi.fn<SessionRegistry['closed']>(),
  };
  const lobby = { watch: vi.fn() };
  const services = {
    accounts: { authenticate: async (token: string) => (token === 'good' ? ada : null) },
  } as unknown as Services;
  const ctx: SessionContext = {
    services,
    handlers: handlers as unknown as FrameHandlers,
    lobby: lobby as unknown as LobbyFeed,
    options,
    limits: memoryLimits(),
    log: { warn: () => {} },
    frameFailures: { log: () => true, flush: () => {}, close: () => {} },
    registry,
    ...overrides,
  };
  const start = (auth: Authenticated | null) => new SocketSession(socket, ctx, { auth });
  const frame = (session: SocketSession, value: unknown) => session.received(Buffer.from(JSON.stringify(value)), false);
  return { start, sent, closes, registry, lobby, handlers, frame };
}

describe('a socket session, as a state machine', () => {
  it('goes awaiting auth → authenticated → in room → authenticated → closing', async () => {
    const { start, sent, registry, lobby, frame } = harness();
    const session = start(null);
    expect(session.state.kind).toBe('awaitingAuth');
    expect(session.connection).toBeNull();

    frame(session, { type: 'auth', token: 'good', ref: 'a1' });
    await settle();
    expect(session.state.kind).toBe('authenticated');
    expect(sent.at(-1)).toMatchObject({ type: 'hello', ref: 'a1', user: { id: 'u1' } });
    expect(registry.opened).toHaveBeenCalledTimes(1);

    frame(session, { type: 'join', roomId: r1 });
    await settle();
    expect(session.state).toMatchObject({ kind: 'inRoom', roomId: r1 });

    frame(session, { type: 'leave', roomId: r1 });
    await settle();
    expect(session.state.kind).toBe('authenticated');

    frame(session, { type: 'join', roomId: r2 });
    await settle();
    const connection = session.connection;
    session.closed();
    expect(session.state).toEqual({ kind: 'closing', connection });
    expect(registry.closed).toHaveBeenCalledTimes(1);
    expect(lobby.watch).toHaveBeenCalledWith(connection, false);
    expect(connection?.isOpen).toBe(false);
    await settle();
    // The room is left once the queue gets there; the session stays closing.
    expect(connection?.roomId).toBeNull();
    expect(session.state.kind).toBe('closing');
  });

  it('closes with 4401 for anything but an auth frame before authentication, and answers binary junk', async () => {
    const { start, sent, closes, frame } = harness();
    const session = start(null);
    session.received(Buffer.from([1, 2, 3]), true);
    await settle();
    expect(sent).toEqual([expect.objectContaining({ type: 'error', code: 'bad_frame' })]);
    expect(closes).toEqual([]);
    frame(session, { type: 'ping' });
    await settle();
    expect(closes).toEqual([[CloseCode.unauthorized, 'authenticate first: send an auth frame']]);
    expect(session.state.kind).toBe('awaitingAuth');
  });

  it('stays awaiting auth while the slot is taken, and gives it back if the socket closed meanwhile', async () => {
    const limits = memoryLimits();
    let slotTaken: (release: (() => void) | null) => void = () => {};
    const release = vi.fn();
    const { start, sent, registry } = harness({
      limits: { ...limits, acquireSocket: () => new Promise((resolve) => (slotTaken = resolve)) },
    });
    const session = start(ada);
    expect(session.state.kind).toBe('awaitingAuth');
    session.closed();
    expect(session.state).toEqual({ kind: 'closing', connection: null });
    slotTaken(release);
    await settle();
    expect(release).toHaveBeenCalledTimes(1);
    expect(registry.opened).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
  });

  it('refuses a socket past the per-user cap with 4429', async () => {
    const limits = memoryLimits();
    const { start, closes } = harness({ limits, options: { ...options, maxSocketsPerUser: 1 } });
    const first = start(ada);
    const second = start(ada);
    await settle();
    expect(first.state.kind).toBe('authenticated');
    expect(second.state.kind).toBe('awaitingAuth');
    expect(closes.map(([code]) => code)).toEqual([CloseCode.tooManyConnections]);
  });

  it('runs the frames queued before the close with the connection, then leaves the room', async () => {
    let storeSend: () => void = () => {};
    const { start, handlers, frame } = harness();
    const sendMessage = vi.fn(() => new Promise<void>((resolve) => (storeSend = resolve)));
    handlers.sendMessage = sendMessage;
    const session = start(ada);
    frame(session, { type: 'join', roomId: r1 });
    frame(session, { type: 'send', roomId: r1, clientMessageId: 'c1', body: 'hi' });
    await settle();
    const connection = session.connection;
    expect(sendMessage).toHaveBeenCalledWith(connection, expect.objectContaining({ clientMessageId: 'c1' }));
    expect(session.state).toMatchObject({ kind: 'inRoom', roomId: r1 });
    session.closed();
    session.membershipEnded(r1); // a closing socket is in no room the gateway acts on
    await settle();
    // The send under way is not cut short: the room is left after it.
    expect(connection?.roomId).toBe(r1);
    storeSend();
    await settle();
    expect(connection?.roomId).toBeNull();
    expect(session.state.kind).toBe('closing');
  });

  it('leaves a room whose membership ended, only that room, and tells the client', async () => {
    const { start, sent, frame } = harness();
    const session = start(ada);
    frame(session, { type: 'join', roomId: r1 });
    await settle();
    session.membershipEnded(r2);
    expect(session.state).toMatchObject({ kind: 'inRoom', roomId: r1 });
    session.membershipEnded(r1);
    expect(session.state.kind).toBe('authenticated');
    expect(sent.at(-1)).toMatchObject({ type: 'left', roomId: r1 });
  });

  it('ends a session that ran out, on the heartbeat after its expiry', async () => {
    const { start, closes } = harness();
    const session = start(ada);
    await settle();
    session.expireBy(ada.expiresAt - 1);
    expect(closes).toEqual([]);
    session.expireBy(ada.expiresAt);
    expect(closes).toEqual([[CloseCode.unauthorized, 'session expired: sign in again']]);
  });
});
