import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig, uniqueName } from './helpers.ts';

describe.each(backends)('accounts and sessions on $name', (backend) => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database(), { LOGIN_MAX_FAILURES: '3' }));
  });
  afterAll(() => app.close());

  const register = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/auth/register', payload: body, headers });
  const account = (username = uniqueName()) => ({
    name: 'Alice Liddell',
    username,
    email: `${username}@example.com`,
    password: 'correct horse battery',
  });

  it('registers an account, hashes the password with argon2id and sets an HttpOnly session cookie', async () => {
    const input = account();
    const res = await register(input);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({
      username: input.username,
      name: 'Alice Liddell',
      email: input.email,
      guest: false,
    });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = res.cookies.find((c) => c.name === 'tandem_session');
    expect(cookie).toMatchObject({ value: body.token, httpOnly: true, sameSite: 'Lax', path: '/' });

    const stored = await app.store.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', body.user.id)
      .executeTakeFirst();
    expect(stored?.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored?.password_hash).not.toContain(input.password);
    // Only the token's hash is stored.
    const tokens = await app.store.db
      .selectFrom('sessions')
      .select('token_hash')
      .where('user_id', '=', body.user.id)
      .execute();
    expect(tokens.map((t) => t.token_hash)).not.toContain(body.token);
  });

  it('hands sockets and services a user without its password hash (guest, registered, signed in, upgraded)', async () => {
    const noHash = (user: object | undefined) => Object.keys(user ?? {}).filter((k) => /password|hash/i.test(k));
    const input = account();
    const registered = await app.services.accounts.register(input, null);
    const signedIn = await app.services.accounts.login(input.username, input.password, 'test');
    const visitor = await app.services.accounts.joinAsGuest(uniqueName());
    for (const { token, guest: isGuest } of [
      { token: registered.token, guest: false },
      { token: signedIn.token, guest: false },
      { token: visitor.token, guest: true },
    ]) {
      // What the gateway puts on every socket's Connection, and what REST handlers get.
      const found = await app.services.accounts.authenticate(token);
      expect(found?.user.guest).toBe(isGuest);
      expect(noHash(found?.user)).toEqual([]);
    }
    const guestUser = (await app.services.accounts.authenticate(visitor.token))?.user ?? null;
    const upgraded = await app.services.accounts.register(account(), guestUser);
    expect(upgraded.user).toMatchObject({ id: guestUser?.id, guest: false });
    expect(noHash((await app.services.accounts.authenticate(upgraded.token))?.user)).toEqual([]);
  });

  it('refuses a duplicate username, whatever its case, with 409', async () => {
    const input = account();
    expect((await register(input)).statusCode).toBe(201);
    const res = await register({ ...account(), username: input.username.toUpperCase() });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'conflict', details: { field: 'username' } });
    expect(res.json().error.message).toContain('is taken');
  });

  it('refuses a duplicate e-mail with 409 naming the field', async () => {
    const input = account();
    await register(input);
    const res = await register({ ...account(), email: input.email.toUpperCase() });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details).toEqual({ field: 'email' });
  });

  it('names the failing field for bad registrations', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...account(), username: 'a' }, 'body.username'],
      [{ ...account(), username: 'has space' }, 'body.username'],
      [{ ...account(), email: 'not-an-email' }, 'body.email'],
      [{ ...account(), password: 'short' }, 'body.password'],
      [{ ...account(), name: '' }, 'body.name'],
    ];
    for (const [body, field] of cases) {
      const res = await register(body);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.details.issues[0].path).toBe(field);
    }
  });

  it('signs in with username or e-mail, in any case', async () => {
    const input = account();
    await register(input);
    for (const login of [input.username, input.email.toUpperCase()]) {
      const res = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { login, password: input.password },
      });
      expect(res.statusCode, login).toBe(200);
      expect(res.json().user.username).toBe(input.username);
    }
  });

  it('answers a wrong password and an unknown account with the same 401', async () => {
    const input = account();
    await register(input);
    const wrong = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { login: input.username, password: 'nope nope nope' },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { login: 'nobody-here', password: 'nope nope nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('signs in with the account named in "login", "username" or "email" (what Postman and curl users send)', async () => {
    const input = account();
    await register(input);
    const forms = [
      { login: input.username },
      { username: input.username },
      { username: input.username.toUpperCase() },
      { email: input.email },
      { email: input.email.toUpperCase() },
      { login: input.email },
      // Several fields are fine when they name the same account.
      { username: input.username, login: input.username.toUpperCase() },
    ];
    for (const form of forms) {
      const res = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { ...form, password: input.password },
      });
      expect(res.statusCode, JSON.stringify(form)).toBe(200);
      expect(res.json().user.username).toBe(input.username);
      expect(res.cookies.find((c) => c.name === 'tandem_session')?.value).toBe(res.json().token);
    }
    const wrong = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: input.email, password: 'nope nope nope' },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('answers 400 naming the fields when no account is named, or several that differ', async () => {
    const input = account();
    await register(input);
    const none = await app.inject({ method: 'POST', url: '/auth/login', payload: { password: input.password } });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('validation_failed');
    expect(none.json().error.details.issues[0].path).toBe('body.login');
    for (const field of ['"login"', '"username"', '"email"']) expect(none.json().error.message).toContain(field);

    const other = account();
    await register(other);
    const clash = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: input.username, email: other.email, password: input.password },
    });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().error.details.issues[0].path).toBe('body.email');
    expect(clash.json().error.message).toContain('"username"');
    expect(clash.json().error.message).toContain('"email"');

    const empty = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: '  ', password: input.password },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.details.issues[0].path).toBe('body.username');
  });

  it('counts failed sign-ins against the account whichever field named it', async () => {
    const input = account();
    await register(input);
    const attempt = (form: Record<string, string>, password: string) =>
      app.inject({ method: 'POST', url: '/auth/login', payload: { ...form, password } });
    expect((await attempt({ username: input.username }, 'wrong password')).statusCode).toBe(401);
    expect((await attempt({ login: input.username }, 'wrong password')).statusCode).toBe(401);
    expect((await attempt({ username: input.username.toUpperCase() }, 'wrong password')).statusCode).toBe(401);
    const limited = await attempt({ username: input.username }, input.password);
    expect(limited.statusCode).toBe(429);
    // An unknown account named by `email` gets the same 401 as a wrong password.
    const other = account();
    await register(other);
    const unknown = await attempt({ email: 'nobody@example.com' }, 'nope nope nope');
    const wrong = await attempt({ email: other.email }, 'nope nope nope');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('rate-limits repeated failed logins for one account, with Retry-After', async () => {
    const input = account();
    await register(input);
    const attempt = (password: string) =>
      app.inject({ method: 'POST', url: '/auth/login', payload: { login: input.username, password } });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password')).statusCode).toBe(401);
    const limited = await attempt(input.password);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('joins as a guest, then registers keeping the same id, username and history', async () => {
    const g = await guest(app);
    const roomRes = await app.inject({
      method: 'POST',
      url: '/rooms',
      headers: g.headers,
      payload: { name: uniqueName('r') },
    });
    const roomId = roomRes.json().roomId;
    await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: g.headers,
      payload: { clientMessageId: 'c1', body: 'sent as a guest' },
    });
    const res = await register({ ...account(g.user.username), username: g.user.username }, g.headers);
    expect(res.statusCode).toBe(201);
    expect(res.json().user).toMatchObject({ id: g.user.id, username: g.user.username, guest: false });
    const history = await app.inject({
      method: 'GET',
      url: `/rooms/${roomId}/messages`,
      headers: { authorization: `Bearer ${res.json().token}` },
    });
    expect(history.json().messages[0]).toMatchObject({
      body: 'sent as a guest',
      sender: { id: g.user.id, guest: false },
    });
    // The guest's old session was replaced.
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers: g.headers })).json()).toEqual({ user: null });
    expect((await app.inject({ method: 'GET', url: '/rooms?joined=true', headers: g.headers })).statusCode).toBe(401);
  });

  it('refuses a guest username that is taken with 409', async () => {
    const g = await guest(app);
    const res = await app.inject({
      method: 'POST',
      url: '/auth/guest',
      payload: { username: g.user.username.toUpperCase() },
    });
    expect(res.statusCode).toBe(409);
  });

  it('tells who I am by cookie or bearer token, and {"user": null} (200, not 401) without a valid session', async () => {
    const g = await guest(app);
    const byBearer = await app.inject({ method: 'GET', url: '/auth/me', headers: g.headers });
    const byCookie = await app.inject({ method: 'GET', url: '/auth/me', cookies: { tandem_session: g.token } });
    expect(byBearer.statusCode).toBe(200);
    expect(byBearer.json().user).toMatchObject({ id: g.user.id, username: g.user.username, guest: true });
    expect(byCookie.json().user.id).toBe(g.user.id);
    const signedOut = [
      await app.inject({ method: 'GET', url: '/auth/me' }),
      await app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer forged' } }),
      await app.inject({ method: 'GET', url: '/auth/me', cookies: { tandem_session: 'unknown-token' } }),
    ];
    for (const res of signedOut) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ user: null });
    }
    // Routes that need a session still answer 401.
    const logout = await app.inject({ method: 'POST', url: '/auth/logout' });
    expect(logout.statusCode).toBe(401);
    expect(logout.json().error.code).toBe('unauthorized');
    const roomId = await createRoom(app, g.headers);
    for (const headers of [{}, { authorization: 'Bearer forged' }]) {
      const read = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers });
      expect(read.statusCode).toBe(401);
    }
  });

  it('documents both answers of GET /auth/me in OpenAPI, with no 401', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = doc.paths['/auth/me'].get;
    expect(Object.keys(op.responses)).toEqual(['200']);
    expect(op.description).toContain('{"user": null}');
    const me = doc.components.schemas.Me;
    expect(me.examples).toContainEqual({ user: null });
    expect(JSON.stringify(me.properties.user)).toContain('null');
  });

  it('logout revokes the session and clears the cookie', async () => {
    const g = await guest(app);
    const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: g.headers });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'tandem_session')?.value).toBe('');
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers: g.headers })).json()).toEqual({ user: null });
    expect((await app.inject({ method: 'POST', url: '/auth/logout', headers: g.headers })).statusCode).toBe(401);
  });
});
