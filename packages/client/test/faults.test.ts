import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeClient, type RealtimeEvents } from '../src/realtime.ts';
import { type Behaviour, type FaultConnection, startFaultServer, until } from './fault-server.ts';
import { helloFrame } from './scripted-socket.ts';

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
