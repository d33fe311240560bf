import type { HistoryQuery, HistoryResponse, Message } from '@tandem/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from '../src/realtime.ts';
import { helloFrame, joinedFrame, message, roomId, ScriptedSocket, user } from './scripted-socket.ts';

// Two server nodes can deliver two messages of a room in the opposite order of their seqs, but a
// single real server never does, so these tests script the server side of the socket to produce
// such orders on demand (scripted-socket.ts). The client against the real server is tested in
// apps/server/test/resume.test.ts; faults a real socket server can script are in faults.test.ts.
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
    expect(historyCalls).toEqual([{ after: 1, limit: 100 }]);
    expect(seen).toEqual([2, 3, 4]);
    socket.deliver({ type: 'message', message: message(3) });
    expect(seen).toEqual([2, 3, 4]);
    client.close();
  });
});

/** A room's stored messages behind `history`, paged as the server pages (`after`: ascending, hasMore = newer exist). */
function storedHistory(stored: Message[]) {
  const calls: Array<{ query: HistoryQuery; at: number }> = [];
  let failures = 0;
  const history = async (_roomId: string, query: HistoryQuery = {}): Promise<HistoryResponse> => {
    calls.push({ query, at: Date.now() });
    if (failures > 0) {
      failures -= 1;
      throw new Error('network');
    }
    const limit = Number(query.limit ?? 50);
    const after = stored.filter((m) => m.seq > Number(query.after ?? 0));
    return { messages: after.slice(0, limit), hasMore: after.length > limit, latestSeq: stored.at(-1)?.seq ?? 0 };
  };
  return {
    history,
    calls,
    failNext(n: number) {
      failures = n;
    },
  };
}

describe('RealtimeClient filling gaps', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function joinedAtSeq1(rest: ReturnType<typeof storedHistory>) {
    vi.useFakeTimers();
    const client = new RealtimeClient({
      url: 'ws://tandem.test/ws',
      token: 'token',
      WebSocket: ScriptedSocket as unknown as typeof WebSocket,
      rest,
    });
    const seen: number[] = [];
    client.on('message', (m) => seen.push(m.seq));
    const joined = client.join({ roomId });
    await vi.advanceTimersByTimeAsync(0);
    const socket = ScriptedSocket.last as ScriptedSocket;
    socket.deliver(helloFrame());
    socket.deliver(joinedFrame([message(1)]));
    await joined;
    return { client, seen, socket };
  }

  it('catches up on 250 missed messages with 3 history requests back to back, in order', async () => {
    const stored = Array.from({ length: 252 }, (_, i) => message(i + 1));
    const rest = storedHistory(stored);
    const { client, seen, socket } = await joinedAtSeq1(rest);
    // 2..251 were missed (a node's bus was down); 252 arrives live.
    socket.deliver({ type: 'message', message: message(252) });
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(299);
    expect(rest.calls).toEqual([]);
    // After the 300 ms hold, the pages follow each other with no wait in between.
    await vi.advanceTimersByTimeAsync(1);
    expect(rest.calls.map((c) => c.query)).toEqual([
      { after: 1, limit: 100 },
      { after: 101, limit: 100 },
      { after: 201, limit: 100 },
    ]);
    expect(new Set(rest.calls.map((c) => c.at)).size).toBe(1);
    expect(seen).toEqual(Array.from({ length: 251 }, (_, i) => i + 2));
    expect(client.lastSeq).toBe(252);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rest.calls).toHaveLength(3);
    client.close();
  });

  it('fills several gaps with one request, and tries a failed fetch again with backoff', async () => {
    const stored = Array.from({ length: 9 }, (_, i) => message(i + 1));
    const rest = storedHistory(stored);
    rest.failNext(2);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { client, seen, socket } = await joinedAtSeq1(rest);
    socket.deliver({ type: 'message', message: message(5) });
    socket.deliver({ type: 'message', message: message(9) });
    await vi.advanceTimersByTimeAsync(300);
    expect(rest.calls).toHaveLength(1); // failed
    // Retries wait the retry backoff, at least the 300 ms hold: max(300, 249), then 499 ms.
    await vi.advanceTimersByTimeAsync(299);
    expect(rest.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rest.calls).toHaveLength(2); // failed again
    await vi.advanceTimersByTimeAsync(498);
    expect(rest.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(rest.calls.map((c) => c.query)).toEqual(Array.from({ length: 3 }, () => ({ after: 1, limit: 100 })));
    expect(seen).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    random.mockRestore();
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
