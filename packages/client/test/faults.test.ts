import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeClient, type RealtimeEvents } from '../src/realtime.ts';
import { type Behaviour, type FaultConnection, startFaultServer, until } from './fault-server.ts';
import { helloFrame, joinedFrame, message, roomId } from './scripted-socket.ts';

// The client on Node's own WebSocket against a socket server that scripts the faults (see
// fault-server.ts). Timeouts and backoff are shortened so each case takes well under a second.

type Server = Awaited<ReturnType<typeof startFaultServer>>;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(behaviour: (index: number) => Behaviour): Promise<Server> {
  const server = await startFaultServer(behaviour);
  cleanup.push(() => server.close());
  return server;
}

function client(url: string, options: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}) {
  const realtime = new RealtimeClient({ url, token: 'the-token', backoff: { baseMs: 20, maxMs: 40 }, ...options });
  cleanup.push(() => realtime.close());
  const seen = {
    statuses: [] as string[],
    closed: [] as RealtimeEvents['closed'][],
    reconnects: [] as RealtimeEvents['reconnectScheduled'][],
  };
  realtime.on('status', (s) => seen.statuses.push(s));
  realtime.on('closed', (c) => seen.closed.push(c));
  realtime.on('reconnectScheduled', (r) => seen.reconnects.push(r));
  return { realtime, seen };
}

/** A healthy server: hello after the token. */
const healthy = async (c: FaultConnection) => {
  await c.next('auth');
  c.send(helloFrame());
};

describe('close codes', () => {
  it.each([
    [1013, 'The session could not be checked just now. Try again.'],
    [1011, 'Internal error'],
  ])('a close with %i is retried with backoff and the same token, never taken for a sign-out', async (code, reason) => {
    const server = await serve((n) =>
      n <= 2
        ? async (c) => {
            await c.next('auth');
            c.close(code, reason);
          }
        : healthy,
    );
    const { realtime, seen } = client(server.url);
    realtime.connect();
    await until(() => realtime.status === 'open', 'the client to be open');

    expect(server.count).toBe(3);
    expect(server.connections.map((c) => c.frames[0])).toEqual(
      Array.from({ length: 3 }, () => ({ type: 'auth', token: 'the-token' })),
    );
    expect(seen.closed).toEqual([]);
    expect(seen.statuses).toEqual(['connecting', 'reconnecting', 'open']);
    expect(seen.reconnects.map((r) => [r.attempt, r.code, r.reason])).toEqual([
      [1, code, reason],
      [2, code, reason],
    ]);
    // Full jitter under a ceiling that doubles: base 20 ms, then 40 ms.
    expect(seen.reconnects[0]?.delayMs).toBeLessThan(20);
    expect(seen.reconnects[1]?.delayMs).toBeLessThan(40);
  });

  it.each([
    [4401, 'Your session has expired.'],
    [4426, 'Unsupported protocol version.'],
  ])('a close with %i is final: `closed` once, no retry', async (code, reason) => {
    const server = await serve(() => async (c) => {
      await c.next('auth');
      c.close(code, reason);
    });
    const { realtime, seen } = client(server.url);
    realtime.connect();
    await until(() => seen.closed.length > 0, 'the closed event');
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.closed).toEqual([{ code, reason }]);
    expect(realtime.status).toBe('closed');
    expect(server.count).toBe(1);
    expect(seen.reconnects).toEqual([]);
  });
});

describe('a node that does not answer', () => {
  it('accepts TCP but never answers the upgrade: dropped after helloTimeoutMs, the next connection is used', async () => {
    const server = await serve((n) => (n === 1 ? 'hang' : healthy));
    const { realtime, seen } = client(server.url, { helloTimeoutMs: 200 });
    const started = Date.now();
    realtime.connect();
    await until(() => realtime.status === 'open', 'the client to be open');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(server.count).toBe(2);
    expect(seen.reconnects).toEqual([expect.objectContaining({ code: 4000, reason: 'no hello within 200 ms' })]);
    expect(seen.closed).toEqual([]);
  });

  it('upgrades but never says hello: dropped after helloTimeoutMs, the next connection is used', async () => {
    const server = await serve((n) => (n === 1 ? () => {} : healthy));
    const { realtime, seen } = client(server.url, { helloTimeoutMs: 200 });
    realtime.connect();
    await until(() => realtime.status === 'open', 'the client to be open');
    expect(server.count).toBe(2);
    expect(server.connections[0]?.frames).toEqual([{ type: 'auth', token: 'the-token' }]);
    expect(seen.reconnects.map((r) => r.reason)).toEqual(['no hello within 200 ms']);
  });

  it('freezes after the join: a send unacknowledged past ackTimeoutMs makes the client ping, and without an answer it reconnects and the send is stored', async () => {
    const server = await serve((n) =>
      n === 1
        ? async (c) => {
            await c.next('auth');
            c.send(helloFrame());
            await c.next('join');
            c.send(joinedFrame([message(1)]));
            // Frozen from here: frames are read, nothing is answered.
          }
        : async (c) => {
            await c.next('auth');
            c.send(helloFrame());
            const join = await c.next('join');
            c.send(joinedFrame([], { resumed: true, ref: join.ref }));
            const send = await c.next('send');
            c.send({ type: 'ack', ref: send.ref, message: message(2, { clientMessageId: send.clientMessageId }) });
          },
    );
    const { realtime, seen } = client(server.url, { ackTimeoutMs: 300, pingTimeoutMs: 200 });
    await realtime.join({ roomId });
    const { clientMessageId, done } = realtime.send('anyone there?');
    const stored = await done;

    expect(stored.clientMessageId).toBe(clientMessageId);
    expect(server.count).toBe(2);
    const [frozen, fresh] = server.connections;
    expect(frozen?.frames.map((f) => f.type)).toEqual(['auth', 'join', 'send', 'ping']);
    expect(fresh?.frames.find((f) => f.type === 'join')).toMatchObject({ roomId, lastSeq: 1 });
    expect(fresh?.frames.find((f) => f.type === 'send')).toMatchObject({ clientMessageId, body: 'anyone there?' });
    expect(seen.reconnects.map((r) => r.reason)).toEqual(['no answer to a ping within 200 ms']);
    expect(seen.closed).toEqual([]);
  });

  it('is slow but alive (answers the ping, acks late): the connection is kept', async () => {
    const server = await serve(() => async (c) => {
      await c.next('auth');
      c.send(helloFrame());
      const join = await c.next('join');
      c.send(joinedFrame([message(1)], { ref: join.ref }));
      const send = await c.next('send');
      // Every ping is answered at once; the ack comes well after the ack timeout.
      const pongs = async () => {
        for (;;) {
          const ping = await c.next('ping', 2000).catch(() => null);
          if (!ping) return;
          c.send({ type: 'pong', ...(ping.ref === undefined ? {} : { ref: ping.ref }) });
        }
      };
      void pongs();
      await new Promise((r) => setTimeout(r, 700));
      c.send({ type: 'ack', ref: send.ref, message: message(2, { clientMessageId: send.clientMessageId }) });
    });
    const { realtime, seen } = client(server.url, { ackTimeoutMs: 300, pingTimeoutMs: 200 });
    await realtime.join({ roomId });
    const { clientMessageId, done } = realtime.send('slowly');
    await expect(done).resolves.toMatchObject({ clientMessageId });
    // Asked twice (at 300 and 600 ms), answered both times.
    expect(server.connections[0]?.frames.filter((f) => f.type === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(server.count).toBe(1);
    expect(seen.reconnects).toEqual([]);
  });
});
