import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { connectAs, listen } from './ws-helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

/** One series' value from the Prometheus text format (the sum over its labels). */
function value(text: string, series: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${series} `) || line.startsWith(`${series}{`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('/metrics', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database(), { METRICS_TOKEN: 'scrape-token-0123456789' }));
    url = (await listen(app)).ws;
  });
  afterAll(() => app.close());

  const scrape = async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.body;
  };

  it('wants the token when one is configured', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('shows connections, rooms, messages, deliveries, fan-out, database and event-loop series changing while people chat', async () => {
    const before = await scrape();
    const [a, b] = [await guest(app), await guest(app)];
    if (!a || !b) throw new Error('setup');
    const roomId = await createRoom(app, a.headers);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: b.headers });
    const sa = await connectAs(url, a.token);
    const sb = await connectAs(url, b.token);
    for (const s of [sa, sb]) {
      s.send({ type: 'join', roomId });
      await s.next('joined');
    }
    for (let i = 0; i < 5; i++) sa.send({ type: 'send', roomId, clientMessageId: `metric${i}`, body: `m${i}` });
    for (let i = 0; i < 5; i++) await sb.next('message');
    const during = await scrape();

    expect(value(during, 'tandem_ws_connections')).toBe(2);
    expect(value(during, 'tandem_rooms_active')).toBe(1);
    expect(value(during, 'tandem_messages_stored_total') - value(before, 'tandem_messages_stored_total')).toBe(5);
    // Each message reached both sockets (plus presence and typing frames).
    expect(
      value(during, 'tandem_frames_delivered_total') - value(before, 'tandem_frames_delivered_total'),
    ).toBeGreaterThanOrEqual(10);
    expect(value(during, 'tandem_fanout_seconds_count')).toBeGreaterThan(value(before, 'tandem_fanout_seconds_count'));
    expect(value(during, 'tandem_db_query_seconds_count')).toBeGreaterThan(
      value(before, 'tandem_db_query_seconds_count'),
    );
    expect(during).toContain('tandem_nodejs_eventloop_lag_seconds');

    sa.close();
    sb.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(value(await scrape(), 'tandem_ws_connections')).toBe(0);
  });
});
