import { CloseCode } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { connectAs, listen } from './ws-helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

describe('realtime limits', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    app = await startApp(
      testConfig(await sqlite.database(), {
        WS_SENDS_PER_SECOND: '2',
        WS_SEND_BURST: '3',
        WS_SEND_BUFFER_LIMIT: '65536',
        WS_HEARTBEAT: '300ms',
      }),
    );
    url = (await listen(app)).ws;
  });
  afterAll(() => app.close());

  it('answers rate_limited past the per-connection send rate, and recovers', async () => {
    const g = await guest(app);
    const roomId = await createRoom(app, g.headers);
    const s = await connectAs(url, g.token);
    s.send({ type: 'join', roomId });
    await s.next('joined');
    for (let i = 0; i < 5; i++)
      s.send({ type: 'send', roomId, clientMessageId: `burst${i}`, body: `b${i}`, ref: `r${i}` });
    const limited = await s.next('error');
    expect(limited).toMatchObject({ code: 'rate_limited', ref: 'r3' });
    await new Promise((r) => setTimeout(r, 600));
    s.send({ type: 'send', roomId, clientMessageId: 'later', body: 'after a pause', ref: 'ok' });
    expect(await s.next('ack', (f) => f.ref === 'ok')).toBeTruthy();
    s.close();
  });

  it('drops a peer that stops answering pings, and the room hears it left', async () => {
    const [alive, dead] = await Promise.all([guest(app), guest(app)]);
    if (!alive || !dead) throw new Error('setup');
    const roomId = await createRoom(app, alive.headers);
    const sa = await connectAs(url, alive.token);
    sa.send({ type: 'join', roomId });
    await sa.next('joined');
    const sd = await connectAs(url, dead.token);
    sd.send({ type: 'join', roomId });
    await sd.next('joined');
    await sa.next('presence', (f) => f.action === 'join');
    // The peer vanishes without closing: its socket reads nothing, so it never answers a ping.
    (sd.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const started = Date.now();
    expect(await sa.next('presence', (f) => f.action === 'leave', 3000)).toMatchObject({ user: { id: dead.user.id } });
    // Two heartbeat intervals at the most: one to send the ping, one to find it unanswered.
    expect(Date.now() - started).toBeLessThan(1500);
    sa.close();
  });

  it('disconnects a client that stops reading, without holding up the others', async () => {
    const users = await Promise.all([guest(app), guest(app), guest(app)]);
    const [sender, reader, stalled] = users;
    if (!sender || !reader || !stalled) throw new Error('setup');
    const roomId = await createRoom(app, sender.headers);
    const sockets = [];
    for (const u of users) {
      const s = await connectAs(url, u.token);
      s.send({ type: 'join', roomId });
      await s.next('joined');
      sockets.push(s);
    }
    const [ss, sr, sx] = sockets;
    if (!ss || !sr || !sx) throw new Error('setup');
    // The stalled client stops reading from its TCP socket: the server's buffer for it grows.
    const raw = (sx.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const big = 'x'.repeat(3900);
    let sent = 0;
    let acked = 0;
    // REST posts are not limited by the socket send rate; each fans out a ~4 KB frame.
    while (sx.socket.readyState === sx.socket.OPEN && sent < 3000) {
      const batch = Array.from({ length: 50 }, () =>
        app.inject({
          method: 'POST',
          url: `/rooms/${roomId}/messages`,
          headers: sender.headers,
          payload: { clientMessageId: `flood${sent++}`, body: big },
        }),
      );
      acked += (await Promise.all(batch)).filter((r) => r.statusCode === 201).length;
      await new Promise((r) => setTimeout(r, 5));
      if (app.realtime.gateway.connectionCount() < 3) break;
    }
    expect(app.realtime.gateway.connectionCount()).toBe(2);
    // Reading again, the stalled client finds the close frame behind its backlog — or, if the
    // server's grace period for it ran out first, a dropped connection (1006).
    raw.resume();
    expect([CloseCode.slowConsumer, 1006]).toContain((await sx.closed).code);
    // The reader kept receiving everything.
    await sr.next('message', (f) => f.message.seq === acked, 10_000);
    ss.close();
    sr.close();
  });
});
