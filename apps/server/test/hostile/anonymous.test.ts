import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig } from '../helpers.ts';

/**
 * Room members, every username and the metrics were readable by anyone who asked. Now: members
 * for the room's members, usernames for signed-in people, metrics for the token or this machine.
 */
describe.each(backends)('what an anonymous caller may read, on $name', (backend) => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database()));
  });
  afterAll(() => app.close());

  it('shows a room’s members to its members only: 401 anonymous, 403 to others', async () => {
    const [member, outsider] = [await guest(app), await guest(app)];
    const roomId = await createRoom(app, member.headers);
    const url = `/rooms/${roomId}/members`;
    // Before the fix all three answered 200 with every member's username.
    const anonymous = await app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain(member.user.username);
    const other = await app.inject({ method: 'GET', url, headers: outsider.headers });
    expect(other.statusCode).toBe(403);
    expect(other.body).not.toContain(member.user.username);
    const own = await app.inject({ method: 'GET', url, headers: member.headers });
    expect(own.statusCode).toBe(200);
    expect(own.json().members.map((m: { user: { id: string } }) => m.user.id)).toEqual([member.user.id]);
    // An unknown room is still 404 for a signed-in caller.
    const unknown = await app.inject({
      method: 'GET',
      url: '/rooms/AAAAAAAAAAAAAAAAAAAAAA/members',
      headers: member.headers,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('lists usernames (per-user counts) to signed-in callers only', async () => {
    const g = await guest(app);
    const roomId = await createRoom(app, g.headers);
    await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: g.headers,
      payload: { clientMessageId: 'c1', body: 'hello' },
    });
    const anonymous = await app.inject({ method: 'GET', url: '/stats/users' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain(g.user.username);
    const signedIn = await app.inject({ method: 'GET', url: '/stats/users', headers: g.headers });
    expect(signedIn.json().users).toContainEqual({ userId: g.user.id, username: g.user.username, messageCount: 1 });
  });

  it('serves /metrics without a token to this machine only, and not to what a local proxy forwards', async () => {
    const metrics = (remoteAddress: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
    expect((await metrics('127.0.0.1')).statusCode).toBe(200);
    expect((await metrics('::1')).statusCode).toBe(200);
    // Before the fix these were 200 too.
    expect((await metrics('203.0.113.9')).statusCode).toBe(403);
    expect((await metrics('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(403);
    expect((await metrics('127.0.0.1', { forwarded: 'for=203.0.113.9' })).statusCode).toBe(403);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  const token = 'a-metrics-token-of-24-chars';
  let app: App;
  beforeAll(async () => {
    const sqlite = backends[0];
    if (!sqlite) throw new Error('no SQLite backend');
    app = await startApp(testConfig(await sqlite.database(), { METRICS_TOKEN: token }));
  });
  afterAll(() => app.close());

  it('wants the token from everyone, this machine included', async () => {
    const metrics = (remoteAddress: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
    expect((await metrics('127.0.0.1')).statusCode).toBe(401);
    expect((await metrics('203.0.113.9')).statusCode).toBe(401);
    expect((await metrics('203.0.113.9', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
  });
});
