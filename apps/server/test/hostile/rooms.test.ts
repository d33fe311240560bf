import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, guest, startApp, testConfig, uniqueName } from '../helpers.ts';
import { listen } from '../ws-helpers.ts';

/**
 * Hostile room creation. A code room's shared document is plaintext on the server, so a code room
 * that says it is end-to-end encrypted would show a lock over text the server reads: refused, on
 * every path that creates rooms.
 */
describe.each(backends)('rooms on $name', (backend) => {
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database()));
    base = (await listen(app)).http;
  });
  afterAll(() => app.close());

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('refuses an encrypted code room with 400 naming the combination, signed in or not', async () => {
    const alice = await guest(app);
    for (const token of [alice.token, undefined]) {
      const name = uniqueName('Secret pair ');
      const res = await post('/rooms', { name, kind: 'code', encrypted: true }, token);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string; details: unknown } };
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain("Code rooms can't be end-to-end encrypted yet");
      expect(error.details).toMatchObject({ issues: [{ path: 'body.encrypted' }] });
      // Nothing was created under that name.
      const rooms = (await (await fetch(`${base}/rooms`)).json()) as { rooms: Array<{ name: string }> };
      expect(rooms.rooms.map((r) => r.name)).not.toContain(name);
    }
  });

  it('still creates encrypted chat rooms and plain code rooms', async () => {
    const alice = await guest(app);
    const chat = await post('/rooms', { name: uniqueName('Secret chat '), kind: 'chat', encrypted: true }, alice.token);
    expect(chat.status).toBe(201);
    expect(((await chat.json()) as { room: object }).room).toMatchObject({ kind: 'chat', encrypted: true });
    const code = await post('/rooms', { kind: 'code' }, alice.token);
    expect(code.status).toBe(201);
    expect(((await code.json()) as { room: object }).room).toMatchObject({ kind: 'code', encrypted: false });
  });

  it('join-or-create never makes an encrypted code room, whatever the body says', async () => {
    const name = uniqueName('Joined ');
    const res = await post('/rooms/join', { name, username: uniqueName(), kind: 'code', encrypted: true });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { created: boolean; room: { kind: string; encrypted: boolean } };
    expect(body.created).toBe(true);
    expect(body.room.kind === 'code' && body.room.encrypted).toBe(false);
  });
});
