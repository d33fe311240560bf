import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { CloseCode } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import type { App } from '../../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig, uniqueName } from '../helpers.ts';
import { connect, listen } from '../ws-helpers.ts';

/**
 * Cross-site WebSocket hijacking and request forgery: a page on another origin — here the same
 * host on another port, which browsers count as the same site and so send the cookie to — must
 * not act as the signed-in victim with the session cookie its browser attaches by itself.
 */
const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

const cookieOf = (token: string) => `tandem_session=${token}`;

describe('Origin checks for cookie sessions', () => {
  let app: App;
  let http: string;
  let ws: string;
  let own: string;
  let foreign: string;
  beforeAll(async () => {
    app = await startApp(
      testConfig(await sqlite.database(), { WS_AUTH_TIMEOUT: '500ms', CORS_ORIGINS: 'http://app.example.test' }),
    );
    ({ http, ws } = await listen(app));
    own = http;
    const port = Number(new URL(http).port);
    foreign = `http://127.0.0.1:${port === 65_535 ? port - 1 : port + 1}`;
  });
  afterAll(() => app.close());

  describe('/ws', () => {
    it('says hello to a cookie from its own origin, and to a cookie without an Origin (not a browser)', async () => {
      const g = await guest(app);
      const same = await connect(ws, { headers: { cookie: cookieOf(g.token), origin: own } });
      expect(await same.next('hello')).toMatchObject({ user: { id: g.user.id } });
      const scripted = await connect(ws, { headers: { cookie: cookieOf(g.token) } });
      expect(await scripted.next('hello')).toMatchObject({ user: { id: g.user.id } });
      same.close();
      scripted.close();
    });

    it('does not take the cookie from a page of another origin: no hello, closed for want of auth', async () => {
      // Before the fix this socket got `hello` as the victim and could read and post in their rooms.
      const victim = await guest(app);
      for (const origin of [foreign, 'http://evil.example', 'null']) {
        const hijack = await connect(ws, { headers: { cookie: cookieOf(victim.token), origin } });
        const closed = await hijack.closed;
        expect(hijack.frames.filter((f) => f.type === 'hello')).toEqual([]);
        expect(closed.code).toBe(CloseCode.authTimeout);
        if (origin !== 'null') expect(closed.reason).toContain('session cookie is not accepted');
      }
    });

    it('still lets a foreign page authenticate with a token: bearer header or auth frame', async () => {
      const g = await guest(app);
      const bearer = await connect(ws, { token: g.token, headers: { origin: foreign } });
      expect(await bearer.next('hello')).toMatchObject({ user: { id: g.user.id } });
      const framed = await connect(ws, { headers: { origin: foreign, cookie: cookieOf('stale-or-victim') } });
      framed.send({ type: 'auth', token: g.token, ref: 'a1' });
      expect(await framed.next('hello')).toMatchObject({ ref: 'a1', user: { id: g.user.id } });
      bearer.close();
      framed.close();
    });

    it('takes a listed CORS origin, and the forwarded host and scheme only with TRUST_PROXY', async () => {
      const g = await guest(app);
      const listed = await connect(ws, { headers: { cookie: cookieOf(g.token), origin: 'http://app.example.test' } });
      expect(await listed.next('hello')).toBeTruthy();
      listed.close();
      // Without TRUST_PROXY, X-Forwarded-Host is anyone's to send: it does not make an origin ours.
      const spoofed = await connect(ws, {
        headers: {
          cookie: cookieOf(g.token),
          origin: 'https://chat.example.test',
          'x-forwarded-host': 'chat.example.test',
          'x-forwarded-proto': 'https',
        },
      });
      expect((await spoofed.closed).code).toBe(CloseCode.authTimeout);

      const proxied = await startApp(testConfig(await sqlite.database(), { TRUST_PROXY: 'true' }));
      try {
        const urls = await listen(proxied);
        const p = await guest(proxied);
        const behindProxy = await connect(urls.ws, {
          headers: {
            cookie: cookieOf(p.token),
            origin: 'https://chat.example.test',
            'x-forwarded-host': 'chat.example.test',
            'x-forwarded-proto': 'https',
          },
        });
        expect(await behindProxy.next('hello')).toMatchObject({ user: { id: p.user.id } });
        behindProxy.close();
      } finally {
        await proxied.close();
      }
    });
  });

  describe('/ws/code', () => {
    /** A Yjs editor whose socket carries only the cookie (no token), from `origin`. */
    function cookieEditor(roomId: string, token: string, origin: string): Promise<'synced' | string> {
      const headers = { cookie: cookieOf(token), origin };
      const socket = new HocuspocusProviderWebsocket({
        url: `${ws}/code`,
        WebSocketPolyfill: class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers });
          }
        },
      });
      return new Promise((resolve) => {
        const done = (result: string) => {
          clearTimeout(timer);
          provider.destroy();
          socket.destroy();
          resolve(result);
        };
        const provider = new HocuspocusProvider({
          websocketProvider: socket,
          name: roomId,
          document: new Y.Doc(),
          token: null,
          onSynced: () => done('synced'),
          onAuthenticationFailed: ({ reason }) => done(`refused: ${reason}`),
        });
        provider.attach();
        const timer = setTimeout(() => done('no answer'), 5000);
      });
    }

    it('opens a code room with the cookie from its own origin only', async () => {
      const owner = await guest(app);
      const res = await app.inject({
        method: 'POST',
        url: '/rooms',
        headers: owner.headers,
        payload: { name: uniqueName('Pair '), kind: 'code' },
      });
      const roomId = res.json().roomId as string;
      expect(await cookieEditor(roomId, owner.token, own)).toBe('synced');
      // Before the fix the foreign page synced the document as the owner.
      expect(await cookieEditor(roomId, owner.token, foreign)).toMatch(/^refused: Sign in/);
    });
  });

  describe('REST', () => {
    const post = (url: string, headers: Record<string, string>, payload: object = {}) =>
      app.inject({ method: 'POST', url, headers, payload });

    it('refuses a state-changing call whose session comes from the cookie of a foreign page (403)', async () => {
      const victim = await guest(app);
      const cookie = cookieOf(victim.token);
      const roomId = await createRoom(app, victim.headers);
      // Before the fix each of these acted as the victim.
      for (const [url, payload] of [
        ['/rooms', { name: uniqueName('forged ') }],
        [`/rooms/${roomId}/messages`, { clientMessageId: 'forged', body: 'not me' }],
        [`/rooms/${roomId}/leave`, {}],
        ['/auth/logout', {}],
      ] as const) {
        const res = await post(url, { cookie, origin: foreign }, payload);
        expect(res.statusCode, url).toBe(403);
        expect(res.json().error).toMatchObject({ code: 'forbidden' });
        expect(res.json().error.message).toContain('Cross-origin request refused');
      }
      const history = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers: victim.headers });
      expect(history.json().messages).toEqual([]);
      expect((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).json().user).not.toBeNull();
    });

    it('lets the same calls through from its own origin, a listed origin, with a bearer token, or with no Origin', async () => {
      const g = await guest(app);
      const cookie = cookieOf(g.token);
      const host = new URL(own).host;
      expect((await post('/rooms', { cookie, origin: own, host }, { name: uniqueName('own ') })).statusCode).toBe(201);
      expect(
        (await post('/rooms', { cookie, origin: 'http://app.example.test' }, { name: uniqueName('cors ') })).statusCode,
      ).toBe(201);
      expect((await post('/rooms', { cookie }, { name: uniqueName('curl ') })).statusCode).toBe(201);
      expect(
        (await post('/rooms', { ...g.headers, origin: foreign }, { name: uniqueName('bearer ') })).statusCode,
      ).toBe(201);
      // Reading is not refused: CORS keeps a foreign page from seeing the answer.
      expect(
        (await app.inject({ method: 'GET', url: '/rooms', headers: { cookie, origin: foreign } })).statusCode,
      ).toBe(200);
    });

    it('leaves calls without a session alone, whatever their origin', async () => {
      expect((await post('/rooms', { origin: foreign }, { name: uniqueName('anon ') })).statusCode).toBe(201);
      const res = await post(
        '/auth/guest',
        { origin: foreign, cookie: cookieOf('not-a-session') },
        { username: uniqueName() },
      );
      expect(res.statusCode).toBe(201);
    });
  });
});
