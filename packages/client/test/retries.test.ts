import type { ServerFrameOf } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, RealtimeError, type RealtimeEvents } from '../src/realtime.ts';
import { helloFrame, joinedFrame, message, roomId, ScriptedSocket } from './scripted-socket.ts';

// Sends and joins the server refuses for now, on a scripted socket with fake timers: the waits
// between tries are exact (Math.random is pinned to 0.999, the top of each jitter range).

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.999);
  ScriptedSocket.all = [];
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** What the default retry backoff (250 ms doubling to 10 s, full jitter) waits with random = 0.999. */
const RETRY_WAITS = [249, 499, 999, 1998, 3996, 7992, 9990, 9990];

function newClient() {
  const client = new RealtimeClient({
    url: 'ws://tandem.test/ws',
    token: 'token',
    WebSocket: ScriptedSocket as unknown as typeof WebSocket,
  });
  const events = {
    retrying: [] as RealtimeEvents['sendRetrying'][],
    failed: [] as RealtimeEvents['sendFailed'][],
    errors: [] as RealtimeEvents['error'][],
  };
  client.on('sendRetrying', (e) => events.retrying.push(e));
  client.on('sendFailed', (e) => events.failed.push(e));
  client.on('error', (e) => events.errors.push(e));
  return { client, events };
}

const socketNow = () => {
  const socket = ScriptedSocket.last;
  if (!socket) throw new Error('no socket');
  return socket;
};

/** Connects, says hello, and answers the join with a room whose last message is seq 1. */
async function joinedClient() {
  const { client, events } = newClient();
  const joined = client.join({ roomId });
  await vi.advanceTimersByTimeAsync(0);
  const socket = socketNow();
  socket.deliver(helloFrame());
  const join = socket.sentOf('join')[0];
  socket.deliver(joinedFrame([message(1)], { ref: join?.ref }));
  await joined;
  return { client, events, socket };
}

const error = (ref: string, code: ServerFrameOf<'error'>['code']): ServerFrameOf<'error'> => ({
  type: 'error',
  ref,
  code,
  message: `refused: ${code}`,
});

describe('a send the server refuses for now', () => {
  it('goes again with the same clientMessageId after 250 ms, doubling with jitter to 10 s, until it is acknowledged', async () => {
    const { client, events, socket } = await joinedClient();
    const { clientMessageId, done } = client.send('hello');
    expect(socket.sentOf('send')).toHaveLength(1);

    const codes = [
      'internal',
      'rate_limited',
      'not_in_room',
      'internal',
      'internal',
      'internal',
      'internal',
      'internal',
    ];
    for (const [i, code] of codes.entries()) {
      socket.deliver(error(clientMessageId, code as ServerFrameOf<'error'>['code']));
      const wait = RETRY_WAITS[i] as number;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(socket.sentOf('send')).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(socket.sentOf('send')).toHaveLength(i + 2);
    }
    expect(events.retrying.map((e) => [e.attempt, e.delayMs, e.code])).toEqual(
      codes.map((code, i) => [i + 1, RETRY_WAITS[i], code]),
    );
    // Every try is the same send: the server stores it once whichever try gets through.
    const sends = socket.sentOf('send');
    expect(new Set(sends.map((s) => s.clientMessageId))).toEqual(new Set([clientMessageId]));
    expect(new Set(sends.map((s) => s.ref))).toEqual(new Set([clientMessageId]));
    expect(sends.every((s) => s.body === 'hello' && s.roomId === roomId)).toBe(true);
    expect(client.pending).toBe(1);

    socket.deliver({ type: 'ack', ref: clientMessageId, message: message(2, { clientMessageId, body: 'hello' }) });
    await expect(done).resolves.toMatchObject({ seq: 2, clientMessageId });
    expect(client.pending).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(socket.sentOf('send')).toHaveLength(codes.length + 1);
    expect(events.failed).toEqual([]);
    client.close();
  });

  it('waiting out a backoff after the database failed, goes at once when another send is acknowledged (the server stores again)', async () => {
    const { client, socket } = await joinedClient();
    const first = client.send('one');
    const second = client.send('two');
    const limited = client.send('three');
    for (let i = 0; i < 5; i++) {
      socket.deliver(error(first.clientMessageId, 'internal'));
      socket.deliver(error(second.clientMessageId, 'internal'));
      await vi.advanceTimersByTimeAsync(RETRY_WAITS[i] as number);
    }
    socket.deliver(error(first.clientMessageId, 'internal')); // the next tries are 8 s away
    socket.deliver(error(second.clientMessageId, 'internal'));
    socket.deliver(error(limited.clientMessageId, 'rate_limited'));
    const before = socket.sentOf('send').length;
    // A send of another tab's, or a retry that got through: the database is back.
    socket.deliver({ type: 'ack', ref: 'x', message: message(2, { clientMessageId: 'other' }) });
    const resent = socket.sentOf('send').slice(before);
    expect(resent.map((s) => s.clientMessageId)).toEqual([first.clientMessageId, second.clientMessageId]);
    client.close();
  });

  it('is refused for good on a permanent error: rejected, sendFailed, not retried', async () => {
    const { client, events, socket } = await joinedClient();
    const { clientMessageId, done } = client.send('hello');
    socket.deliver(error(clientMessageId, 'internal'));
    socket.deliver(error(clientMessageId, 'forbidden'));
    await expect(done).rejects.toMatchObject({ code: 'forbidden' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(socket.sentOf('send')).toHaveLength(1);
    expect(events.failed).toEqual([{ clientMessageId, code: 'forbidden', message: 'refused: forbidden' }]);
    client.close();
  });

  it('still waiting for its retry when the connection drops, goes once on the new socket right after the rejoin', async () => {
    const { client, socket } = await joinedClient();
    const { clientMessageId, done } = client.send('hello');
    for (let i = 0; i < 5; i++) {
      socket.deliver(error(clientMessageId, 'internal'));
      await vi.advanceTimersByTimeAsync(RETRY_WAITS[i] as number);
    }
    socket.deliver(error(clientMessageId, 'internal')); // the next try is 8 s away
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500); // the reconnect backoff (499 ms)
    const second = socketNow();
    expect(second).not.toBe(socket);
    second.deliver(helloFrame());
    expect(second.sentOf('join')[0]).toMatchObject({ roomId, lastSeq: 1 });
    expect(second.sentOf('send')).toHaveLength(0); // sends wait for the rejoin
    second.deliver(joinedFrame([], { resumed: true }));
    expect(second.sentOf('send')).toEqual([expect.objectContaining({ clientMessageId, body: 'hello' })]);
    // Past the cancelled retry's time (8 s), short of the ack timeout (10 s).
    await vi.advanceTimersByTimeAsync(9_000);
    expect(second.sentOf('send')).toHaveLength(1);
    second.deliver({ type: 'ack', ref: clientMessageId, message: message(2, { clientMessageId }) });
    await expect(done).resolves.toMatchObject({ clientMessageId });
    client.close();
  });
});

describe('a join the server refuses', () => {
  it('for now (internal, rate_limited): the first join is tried again with backoff and its promise resolves once in', async () => {
    const { client, events } = newClient();
    let settled: string | undefined;
    const joined = client.join({ roomName: 'Room' }).then(
      (f) => {
        settled = `joined ${f.room.id}`;
      },
      (e: Error) => {
        settled = `rejected ${e.message}`;
      },
    );
    await vi.advanceTimersByTimeAsync(0);
    const socket = socketNow();
    socket.deliver(helloFrame());
    const refused = ['internal', 'rate_limited', 'internal'] as const;
    for (const [i, code] of refused.entries()) {
      const joins = socket.sentOf('join');
      expect(joins).toHaveLength(i + 1);
      expect(joins[i]).toMatchObject({ roomName: 'Room' });
      socket.deliver(error(joins[i]?.ref as string, code));
      await vi.advanceTimersByTimeAsync((RETRY_WAITS[i] as number) - 1);
      expect(socket.sentOf('join')).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(settled).toBeUndefined();
    const last = socket.sentOf('join').at(-1);
    socket.deliver(joinedFrame([message(1)], { ref: last?.ref }));
    await joined;
    expect(settled).toBe(`joined ${roomId}`);
    expect(client.roomId).toBe(roomId);
    expect(events.errors).toEqual([]);
    client.close();
  });

  it('for good (not_found, forbidden) on a first join: the promise rejects and nothing is retried', async () => {
    const { client } = newClient();
    const joined = client.join({ roomName: 'Nowhere' });
    joined.catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const socket = socketNow();
    socket.deliver(helloFrame());
    socket.deliver(error(socket.sentOf('join')[0]?.ref as string, 'not_found'));
    await expect(joined).rejects.toBeInstanceOf(RealtimeError);
    await expect(joined).rejects.toMatchObject({ code: 'not_found' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(socket.sentOf('join')).toHaveLength(1);
    expect(client.roomId).toBeNull();
    client.close();
  });

  it('for now on a rejoin (after resync): retried quietly with lastSeq, and sends go once back in', async () => {
    const { client, events, socket } = await joinedClient();
    socket.deliver({ type: 'resync', roomId, reason: 'bus was down' });
    const rejoin = socket.sentOf('join')[1];
    expect(rejoin).toMatchObject({ roomId, lastSeq: 1 });
    socket.deliver(error(rejoin?.ref as string, 'internal'));
    await vi.advanceTimersByTimeAsync(RETRY_WAITS[0] as number);
    const again = socket.sentOf('join')[2];
    expect(again).toMatchObject({ roomId, lastSeq: 1 });
    expect(again?.ref).not.toBe(rejoin?.ref);
    // An error for the older join arriving late is stale: no extra join.
    socket.deliver(error(rejoin?.ref as string, 'internal'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(socket.sentOf('join')).toHaveLength(3);
    socket.deliver(joinedFrame([message(2)], { resumed: true, ref: again?.ref }));
    expect(client.lastSeq).toBe(2);
    expect(events.errors).toEqual([]);
    client.close();
  });

  it('for good on a rejoin: reported as an error event (no promise waits for it), not retried', async () => {
    const { client, events, socket } = await joinedClient();
    socket.deliver({ type: 'resync', roomId, reason: 'bus was down' });
    const rejoin = socket.sentOf('join')[1];
    socket.deliver(error(rejoin?.ref as string, 'forbidden'));
    expect(events.errors).toEqual([error(rejoin?.ref as string, 'forbidden')]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(socket.sentOf('join')).toHaveLength(2);
    client.close();
  });
});

describe('a membership that ends elsewhere', () => {
  it('fails the room’s waiting sends instead of retrying them for ever, and says the socket was removed', async () => {
    const { client, events, socket } = await joinedClient();
    const removed: RealtimeEvents['removed'][] = [];
    client.on('removed', (e) => removed.push(e));
    const { clientMessageId, done } = client.send('hello');
    socket.deliver(error(clientMessageId, 'not_in_room'));
    expect(events.retrying).toHaveLength(1);

    const reason = 'You left this room (on this or another device): join it again to return.';
    socket.deliver({ type: 'left', roomId, reason });
    await expect(done).rejects.toMatchObject({ code: 'not_in_room' });
    expect(events.failed).toEqual([{ clientMessageId, code: 'not_in_room', message: reason }]);
    expect(removed).toEqual([{ roomId, reason }]);
    expect(client.roomId).toBeNull();
    expect(client.pending).toBe(0);
    // The retry that was waiting never goes.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(socket.sentOf('send')).toHaveLength(1);
  });

  it('ignores the answer to its own leave (no reason)', async () => {
    const { client, socket } = await joinedClient();
    const removed: RealtimeEvents['removed'][] = [];
    client.on('removed', (e) => removed.push(e));
    socket.deliver({ type: 'left', roomId });
    expect(removed).toHaveLength(0);
  });
});
