import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDeviceIdentity, deviceKeysOf, generateRoomKey, sealMessage } from '@tandem/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, guest, startApp, testConfig, uniqueName } from '../helpers.ts';
import { listen } from '../ws-helpers.ts';

/**
 * Retries are answered with the message stored the first time; anything else under a used
 * clientMessageId is a conflict. Two holes a reviewer found: a lone surrogate (stored as U+FFFD)
 * made an identical retry a 409 (now refused by the schema before it is stored), and in an encrypted room, where every body is empty, a
 * different ciphertext under the same id answered 200 with the old message — the sender's new
 * text silently dropped. Different files under the same id went the same way.
 */
describe.each(backends)('idempotent sends on $name', (backend) => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-idem-'));
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database(), { UPLOAD_DIR: uploadDir }));
    base = (await listen(app)).http;
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  const call = (method: string, url: string, token: string, body?: unknown) =>
    fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const room = async (token: string, encrypted = false) =>
    (
      (await (await call('POST', '/rooms', token, { name: uniqueName('Idem '), encrypted })).json()) as {
        roomId: string;
      }
    ).roomId;
  const history = async (token: string, roomId: string) =>
    ((await (await call('GET', `/rooms/${roomId}/messages`, token)).json()) as { messages: Array<{ body: string }> })
      .messages;

  it('answers a text with a lone surrogate and its identical retry alike: 400, never a 409, nothing stored', async () => {
    // UTF-8 has no encoding for half a surrogate pair: stored, it came back as U+FFFD and the
    // retry no longer matched. The shared schema now refuses it before anything is stored.
    const alice = await guest(app);
    const roomId = await room(alice.token);
    const send = { clientMessageId: uniqueName('sur'), body: 'half an emoji \ud83d here' };
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await call('POST', `/rooms/${roomId}/messages`, alice.token, send);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { message: string } };
      expect(error.message).toContain('body');
    }
    expect(await history(alice.token, roomId)).toHaveLength(0);
  });

  it('refuses a different ciphertext under a used id in an encrypted room (409), and replays the same one', async () => {
    const alice = await guest(app);
    const device = createDeviceIdentity();
    const keys = deviceKeysOf(device, alice.user.id);
    expect((await call('PUT', `/devices/${keys.deviceId}`, alice.token, keys)).status).toBe(204);
    const roomId = await room(alice.token, true);
    const roomKey = generateRoomKey();
    const clientMessageId = uniqueName('sealed');
    const seal = (plaintext: string) =>
      sealMessage({ roomKey, roomId, epoch: 1, sender: device, clientMessageId, plaintext });
    const first = seal('meet at noon');
    const stored = await call('POST', `/rooms/${roomId}/messages`, alice.token, {
      clientMessageId,
      body: '',
      sealed: first,
    });
    expect(stored.status).toBe(201);
    const same = await call('POST', `/rooms/${roomId}/messages`, alice.token, {
      clientMessageId,
      body: '',
      sealed: first,
    });
    expect(same.status).toBe(200);
    const other = await call('POST', `/rooms/${roomId}/messages`, alice.token, {
      clientMessageId,
      body: '',
      sealed: seal('meet at one instead'),
    });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { message: string } }).error.message).toContain('already used');
    expect(await history(alice.token, roomId)).toHaveLength(1);
  });

  it('refuses other files under a used id (409)', async () => {
    const alice = await guest(app);
    const roomId = await room(alice.token);
    const upload = async (name: string) => {
      const form = new FormData();
      form.append('file', new Blob(['some notes'], { type: 'text/plain' }), name);
      const res = await fetch(`${base}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}` },
        body: form,
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as Array<{ id: string }>)[0]?.id ?? '';
    };
    const [a, b] = [await upload('a.txt'), await upload('b.txt')];
    const clientMessageId = uniqueName('files');
    const send = (attachmentIds: string[]) =>
      call('POST', `/rooms/${roomId}/messages`, alice.token, { clientMessageId, body: 'the notes', attachmentIds });
    expect((await send([a])).status).toBe(201);
    expect((await send([a])).status).toBe(200);
    expect((await send([b])).status).toBe(409);
    expect((await send([])).status).toBe(409);
  });
});
