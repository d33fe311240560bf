import { ApiError, createRestClient } from '@tandem/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, startApp, testConfig, uniqueName } from './helpers.ts';
import { listen } from './ws-helpers.ts';

// @tandem/client's REST client against a real server: the calls a seed user's script makes.
describe.each(backends)('the REST client on $name', (backend) => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database()));
    baseUrl = (await listen(app)).http;
  });
  afterAll(() => app.close());

  it('reads a signed-out me() as { user: null }, not an error, and a live session as its user', async () => {
    const rest = createRestClient({ baseUrl });
    expect(await rest.me()).toEqual({ user: null });
    rest.setToken('not-a-session');
    expect(await rest.me()).toEqual({ user: null });
    const session = await rest.guest({ username: uniqueName() });
    rest.setToken(session.token);
    expect((await rest.me()).user).toMatchObject({ id: session.user.id, guest: true });
    await rest.logout();
    expect(await rest.me()).toEqual({ user: null });
    // Routes that need a session still fail with 401.
    const refused = await rest.logout().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(401);
  });

  it('signs in by username or e-mail field, and posts a message without a clientMessageId', async () => {
    const rest = createRestClient({ baseUrl });
    const username = uniqueName();
    const account = {
      name: 'Bob Stone',
      username,
      email: `${username}@example.com`,
      password: 'correct horse battery',
    };
    await rest.register(account);
    expect((await rest.login({ username, password: account.password })).user.username).toBe(username);
    const session = await rest.login({ email: account.email, password: account.password });
    rest.setToken(session.token);
    const roomId = await createRoom(app, { authorization: `Bearer ${session.token}` });
    const message = await rest.postMessage(roomId, { body: 'hello' });
    expect(message).toMatchObject({ roomId, seq: 1, body: 'hello' });
    expect(message.clientMessageId).toMatch(/^srv-/);
  });
});
