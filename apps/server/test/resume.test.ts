import { createRestClient, RealtimeClient } from '@tandem/client';
import type { Message } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { startProxy } from './tcp-proxy.ts';
import { listen } from './ws-helpers.ts';

/** Waits until `check` is true, polling; fails after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The client under test is @tandem/client on Node's own WebSocket, as an app would use it.
describe.each(backends)('lossless delivery on $name', (backend) => {
  let app: App;
  let base: { http: string; ws: string };
  let port: number;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database(), { WS_SENDS_PER_SECOND: '1000', WS_SEND_BURST: '1000' }));
    base = await listen(app);
    port = Number(new URL(base.http).port);
  });
  afterAll(() => app.close());

  const client = (token: string, wsPort = port) =>
    new RealtimeClient({
      url: `ws://127.0.0.1:${wsPort}/ws`,
      token,
      rest: createRestClient({ baseUrl: base.http, token }),
      backoff: { baseMs: 50, maxMs: 200 },
    });

  it('resumes after the socket dies mid-stream: 200 messages arrive exactly once and in order', async () => {
    const proxy = await startProxy(port);
    const sender = await guest(app);
    const receiver = await guest(app);
    const roomId = await createRoom(app, sender.headers);
    const a = client(sender.token);
    const b = client(receiver.token, proxy.port);
    const received: Message[] = [];
    b.on('message', (m) => received.push(m));
    const joins: boolean[] = [];
    b.on('joined', (f) => joins.push(f.resumed));
    await a.join({ roomId });
    await b.join({ roomId });

    const sends: Array<Promise<Message>> = [];
    for (let i = 1; i <= 200; i++) {
      sends.push(a.send(`message ${i}`).done);
      // Kill the receiver's connection twice while the stream is flowing.
      if (i === 40 || i === 120) {
        const seen = received.length;
        await until(
          () => b.status === 'open' && received.length > seen,
          5000,
          'the receiver to be live before the cut',
        );
        proxy.cut();
      }
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    await until(() => received.length >= 200, 15_000, `all 200 messages at the receiver (have ${received.length})`);
    await new Promise((r) => setTimeout(r, 200));

    expect(received.map((m) => m.body)).toEqual(Array.from({ length: 200 }, (_, i) => `message ${i + 1}`));
    expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // The first join, then two resumes after the two cuts.
    expect(joins).toEqual([false, true, true]);
    expect(b.status).toBe('open');
    a.close();
    b.close();
    await proxy.close();
  });

  it('stores a message once when the socket dies before the ack, and resolves the send after reconnecting', async () => {
    const proxy = await startProxy(port);
    const sender = await guest(app);
    const roomId = await createRoom(app, sender.headers);
    const a = client(sender.token, proxy.port);
    await a.join({ roomId });

    // The server's answers stop reaching the client: the message is stored, the ack is lost.
    proxy.blackhole(true);
    const { clientMessageId, done } = a.send('sent into the void');
    const rest = createRestClient({ baseUrl: base.http, token: sender.token });
    await until(async () => (await rest.history(roomId)).messages.length === 1, 5000, 'the message to be stored');
    expect(a.pending).toBe(1);
    proxy.cut();
    proxy.blackhole(false);

    // Reconnected, the outbox resends with the same id; the server answers with the stored message.
    const stored = await done;
    expect(stored.clientMessageId).toBe(clientMessageId);
    expect(a.pending).toBe(0);
    const history = await rest.history(roomId);
    expect(history.messages).toHaveLength(1);
    expect(history.messages[0]).toEqual(stored);
    a.close();
    await proxy.close();
  });

  it('sends a message written while offline once the connection is back', async () => {
    const proxy = await startProxy(port);
    const sender = await guest(app);
    const roomId = await createRoom(app, sender.headers);
    const a = client(sender.token, proxy.port);
    await a.join({ roomId });
    proxy.setDown(true);
    await until(() => a.status === 'reconnecting', 5000, 'the client to notice');
    const { done } = a.send('written on the train');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.pending).toBe(1);
    proxy.setDown(false);
    expect((await done).body).toBe('written on the train');
    const rest = createRestClient({ baseUrl: base.http, token: sender.token });
    expect((await rest.history(roomId)).messages.map((m) => m.body)).toEqual(['written on the train']);
    a.close();
    await proxy.close();
  });
});
