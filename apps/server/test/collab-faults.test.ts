import { HocuspocusProvider } from '@hocuspocus/provider';
import { CloseCode, CODE_LEFT_ROOM, CODE_SESSION_UNCHECKED } from '@tandem/protocol/constants';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { App } from '../src/app.ts';
import type { Clock } from '../src/clock.ts';
import { seedTemplate } from '../src/collab/seed.ts';
import { SessionCheckError } from '../src/services/accounts.service.ts';
import { backends, guest, manualClock, startApp, testConfig, uniqueName } from './helpers.ts';
import { listen } from './ws-helpers.ts';

const redisUrl = process.env.TEST_REDIS_URL;

/**
 * A Yjs client on the code socket, as the web editor is, recording what the server tells it:
 * refusals, closes (of the socket, or of the document alone), sync. A refusal saying the session
 * could not be checked is retried at once on the same socket, as the web does after its backoff.
 */
function editor(url: string, roomId: string, token: string, options: { retryUnchecked?: boolean } = {}) {
  const doc = new Y.Doc();
  const refusals: string[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  let authenticated = 0;
  const provider = new HocuspocusProvider({
    url,
    name: roomId,
    token,
    document: doc,
    onAuthenticated: () => {
      authenticated++;
    },
    onAuthenticationFailed: ({ reason }) => {
      refusals.push(reason);
      if (reason === CODE_SESSION_UNCHECKED && options.retryUnchecked) {
        void provider.sendToken().then(() => provider.startSync());
      }
    },
    onClose: ({ event }) => {
      closes.push({ code: event.code, reason: event.reason });
    },
  });
  return {
    doc,
    text: doc.getText('code'),
    provider,
    refusals,
    closes,
    authenticated: () => authenticated,
  };
}
type Editor = ReturnType<typeof editor>;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('code rooms when things fail or end, on $name', (backend) => {
  const apps: App[] = [];
  const editors: Editor[] = [];
  afterEach(() => {
    for (const e of editors.splice(0)) e.provider.destroy();
  });
  afterAll(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function start(options: { clock?: Clock; env?: Record<string, string>; db?: unknown } = {}) {
    const db = (options.db as Awaited<ReturnType<typeof backend.database>>) ?? (await backend.database());
    const app = await startApp(testConfig(db, options.env), options.clock);
    apps.push(app);
    const urls = await listen(app);
    return { app, db, code: `${urls.ws}/code` };
  }
  async function codeRoom(app: App) {
    const owner = await guest(app);
    const res = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: owner.headers,
      payload: { name: uniqueName('Pair '), kind: 'code' },
    });
    return { owner, roomId: res.json().roomId as string, name: res.json().room.name as string };
  }
  const open = (...args: Parameters<typeof editor>) => {
    const e = editor(...args);
    editors.push(e);
    return e;
  };
  const synced = (e: Editor, what: string) => until(() => e.provider.synced, what);
  const members = async (app: App, roomId: string, headers: Record<string, string>) =>
    (
      (await app.inject({ method: 'GET', url: `/rooms/${roomId}/members`, headers })).json() as {
        members: Array<{ user: { id: string } }>;
      }
    ).members.map((m) => m.user.id);

  it('a session that could not be checked is refused with a reason clients retry, and the same socket gets in once it can be', async () => {
    const { app, code } = await start();
    const { owner, roomId, name } = await codeRoom(app);
    const accounts = app.services.accounts;
    const real = accounts.authenticate;
    let failures = 2;
    accounts.authenticate = async (token) => {
      if (failures-- > 0)
        throw new SessionCheckError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      return real(token);
    };
    try {
      const e = open(code, roomId, owner.token, { retryUnchecked: true });
      await synced(e, 'the editor to get in after two failed checks');
      expect(e.refusals).toEqual([CODE_SESSION_UNCHECKED, CODE_SESSION_UNCHECKED]);
      expect(e.authenticated()).toBe(1);
      // On the socket it opened first: nothing closed it.
      expect(e.closes).toEqual([]);
      expect(e.text.toString()).toBe(seedTemplate(name));
      // And it edits like any other.
      const other = open(code, roomId, (await guest(app)).token);
      await synced(other, 'a second editor');
      e.text.insert(0, '# after the blip\n');
      await until(() => other.text.toString().startsWith('# after the blip\n'), 'the edit to reach the other editor');
    } finally {
      accounts.authenticate = real;
    }
  });

  it('a token that is not a session is still refused for good, not as unchecked', async () => {
    const { app, code } = await start();
    const { roomId } = await codeRoom(app);
    const e = open(code, roomId, 'not-a-session', { retryUnchecked: true });
    await until(() => e.refusals.length > 0, 'the refusal');
    await pause(200);
    expect(e.refusals).toEqual(['Sign in or join as a guest first.']);
  });

  it('signing out closes the session’s code sockets with 4401; another session’s stay open', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const partner = await guest(app);
    const mine = open(code, roomId, owner.token);
    const theirs = open(code, roomId, partner.token);
    await Promise.all([synced(mine, 'mine'), synced(theirs, 'theirs')]);
    const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: owner.headers });
    expect(out.statusCode).toBeLessThan(300);
    await until(() => mine.closes.length > 0, 'the signed-out socket to close');
    expect(mine.closes[0]).toEqual({ code: CloseCode.unauthorized, reason: expect.stringMatching(/^signed out/) });
    // It reconnects by itself, and is refused: the session is gone.
    await until(() => mine.refusals.length > 0, 'the reconnect to be refused');
    expect(mine.refusals[0]).toBe('Sign in or join as a guest first.');
    expect(theirs.closes).toEqual([]);
    theirs.text.insert(0, 'still here');
    await until(
      async () =>
        (await app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers: partner.headers }))
          .json()
          .code.startsWith('still here'),
      'the other session to go on editing',
    );
  });

  it('a session that expires while its code socket is open is closed with 4401 on its next frame', async () => {
    const clock = manualClock(Date.now());
    const { app, code } = await start({ clock });
    const { owner, roomId } = await codeRoom(app);
    const e = open(code, roomId, owner.token);
    await synced(e, 'the editor');
    clock.advance(31 * 86_400_000);
    e.text.insert(0, 'too late');
    await until(() => e.closes.length > 0, 'the expired socket to close');
    expect(e.closes[0]).toEqual({ code: CloseCode.unauthorized, reason: 'session expired: sign in again' });
    await until(() => e.refusals.length > 0, 'the reconnect to be refused');
    expect(e.refusals[0]).toBe('Sign in or join as a guest first.');
  });

  it('leaving the room over REST closes that room’s document connection, and the socket cannot open it again', async () => {
    const { app, code } = await start();
    const { owner, roomId } = await codeRoom(app);
    const partner = await guest(app);
    const mine = open(code, roomId, owner.token);
    const theirs = open(code, roomId, partner.token);
    await Promise.all([synced(mine, 'mine'), synced(theirs, 'theirs')]);
    expect(await members(app, roomId, owner.headers)).toContain(partner.user.id);

    const left = await app.inject({ method: 'POST', url: `/rooms/${roomId}/leave`, headers: partner.headers });
    expect(left.statusCode).toBeLessThan(300);
    await until(() => theirs.closes.length > 0, 'the document connection to close');
    // The document's connection, not the socket: the provider hears the server's close message.
    expect(theirs.closes[0]?.reason).toBe(CODE_LEFT_ROOM);
    expect(mine.closes).toEqual([]);

    // Nothing more reaches it…
    mine.text.insert(0, 'after you left\n');
    await until(
      async () =>
        (await app.inject({ method: 'GET', url: `/rooms/${roomId}/code`, headers: owner.headers }))
          .json()
          .code.startsWith('after you left'),
      'the edit to be on the server',
    );
    await pause(200);
    expect(theirs.text.toString()).not.toContain('after you left');

    // …and sending its token again on that socket is refused, without joining the room again.
    await theirs.provider.sendToken();
    theirs.provider.startSync();
    await until(() => theirs.refusals.length > 0, 'the second authentication to be refused');
    expect(theirs.refusals).toEqual([CODE_LEFT_ROOM]);
    expect(await members(app, roomId, owner.headers)).not.toContain(partner.user.id);
    // The one who stayed is unaffected.
    expect(mine.provider.isAuthenticated).toBe(true);
  });

  it.runIf(backend.name === 'postgres' && redisUrl)(
    'signing out or leaving on one node closes the code connections on another',
    async () => {
      const db = await backend.database();
      const env = { REDIS_URL: redisUrl ?? '', REDIS_PREFIX: `tandem-test-${process.pid}-${Date.now()}` };
      const one = await start({ db, env });
      const two = await start({ db, env });
      const { owner, roomId } = await codeRoom(one.app);
      const partner = await guest(one.app);
      const mine = open(two.code, roomId, owner.token);
      const theirs = open(two.code, roomId, partner.token);
      await Promise.all([synced(mine, 'mine'), synced(theirs, 'theirs')]);

      await one.app.inject({ method: 'POST', url: `/rooms/${roomId}/leave`, headers: partner.headers });
      await until(() => theirs.closes.some((c) => c.reason === CODE_LEFT_ROOM), 'node two to close the left room');
      await one.app.inject({ method: 'POST', url: '/auth/logout', headers: owner.headers });
      await until(() => mine.closes.some((c) => c.code === CloseCode.unauthorized), 'node two to close the socket');
    },
  );
});
