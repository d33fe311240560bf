import { describe, expect, it } from 'vitest';
import { RealtimeClient } from '../src/realtime.ts';
import { joinedFrame, message, roomId, ScriptedSocket, user } from './scripted-socket.ts';

// Two server nodes can deliver two messages of a room in the opposite order of their seqs, but a
// single real server never does, so these tests script the server side of the socket to produce
// such orders on demand (scripted-socket.ts). The client against the real server is tested in
// apps/server/test/resume.test.ts; faults a socket server can script are in fault-server.test.ts.
describe('RealtimeClient ordering', () => {
  it('holds a message that arrives after a gap, fetches the gap from history, and hands over all in order', async () => {
    const historyCalls: unknown[] = [];
    const client = new RealtimeClient({
      url: 'ws://tandem.test/ws',
      token: 'token',
      WebSocket: ScriptedSocket as unknown as typeof WebSocket,
      gapWaitMs: 20,
      rest: {
        history: async (_roomId, query) => {
          historyCalls.push(query);
          return { messages: [message(2), message(3)], hasMore: false, latestSeq: 4 };
        },
      },
    });
    const seen: number[] = [];
    client.on('message', (m) => seen.push(m.seq));
    const joined = client.join({ roomId });
    await new Promise((r) => setTimeout(r, 0));
    const socket = ScriptedSocket.last;
    if (!socket) throw new Error('no socket');
    expect(socket.sent[0]).toEqual({ type: 'auth', token: 'token' });
    socket.deliver({
      type: 'hello',
      protocolVersion: 1,
      connectionId: 'c',
      user,
      heartbeatMs: 30_000,
      limits: { maxFrameBytes: 65536, sendsPerSecond: 20, typingTimeoutMs: 5000 },
    });
    expect(socket.sent[1]).toMatchObject({ type: 'join', roomId });
    socket.deliver(joinedFrame([message(1)]));
    await joined;
    socket.deliver({ type: 'message', message: message(4) });
    expect(seen).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(historyCalls).toEqual([{ after: 1, before: 4, limit: 100 }]);
    expect(seen).toEqual([2, 3, 4]);
    socket.deliver({ type: 'message', message: message(3) });
    expect(seen).toEqual([2, 3, 4]);
    client.close();
  });
});

describe('RealtimeClient waking up (a phone back from the background)', () => {
  const hello = (socket: ScriptedSocket) =>
    socket.deliver({
      type: 'hello',
      protocolVersion: 1,
      connectionId: 'c',
      user,
      heartbeatMs: 30_000,
      limits: { maxFrameBytes: 65_536, sendsPerSecond: 20, typingTimeoutMs: 5000 },
    });
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('replaces an open socket that no longer answers, and keeps one that does', async () => {
    const client = new RealtimeClient({
      url: 'ws://tandem.test/ws',
      token: 'token',
      WebSocket: ScriptedSocket as unknown as typeof WebSocket,
      backoff: { baseMs: 1, maxMs: 1 },
    });
    client.connect();
    await tick(0);
    const alive = ScriptedSocket.last as ScriptedSocket;
    hello(alive);
    client.wake(30);
    expect(alive.sent.at(-1)).toEqual({ type: 'ping' });
    alive.deliver({ type: 'pong' });
    await tick(50);
    expect(ScriptedSocket.last).toBe(alive);

    client.wake(30);
    await tick(60);
    // No answer: the old socket is dropped and a new one opened.
    expect(ScriptedSocket.last).not.toBe(alive);
    expect(alive.readyState).toBe(3);
    client.close();
  });

  it('reconnects at once instead of waiting out the backoff', async () => {
    const client = new RealtimeClient({
      url: 'ws://tandem.test/ws',
      token: 'token',
      WebSocket: ScriptedSocket as unknown as typeof WebSocket,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    client.connect();
    await tick(0);
    const first = ScriptedSocket.last as ScriptedSocket;
    hello(first);
    first.onclose?.({ code: 1006, reason: '' });
    expect(client.status).toBe('reconnecting');
    client.wake();
    expect(ScriptedSocket.last).not.toBe(first);
    client.close();
  });
});
