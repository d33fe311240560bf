import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, guest, manualClock, startApp, testConfig } from './helpers.ts';

describe.each(backends)('session lifetime on $name', (backend) => {
  const open: App[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((a) => a.close()));
  });

  it('survives a server restart, because it lives in the database', async () => {
    const config = testConfig(await backend.database());
    const first = await startApp(config);
    const g = await guest(first);
    await first.close();

    const second = await startApp(config);
    open.push(second);
    const me = await second.inject({ method: 'GET', url: '/auth/me', headers: g.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.id).toBe(g.user.id);
  });

  it('expires after SESSION_TTL', async () => {
    const clock = manualClock();
    const app = await startApp(testConfig(await backend.database(), { SESSION_TTL: '1h' }), clock);
    open.push(app);
    const g = await guest(app);
    clock.advance(3_600_000 - 1);
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers: g.headers })).statusCode).toBe(200);
    clock.advance(1);
    // Signed out is an answer for /auth/me; routes that need the session say why they refuse.
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: g.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: null });
    const expired = await app.inject({ method: 'POST', url: '/auth/logout', headers: g.headers });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toContain('expired');
    expect(await app.services.accounts.deleteExpiredSessions()).toBe(1);
  });
});
