import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createDeviceIdentity,
  deviceKeysOf,
  encryptFile,
  generateRoomKey,
  sealEnvelope,
  sealMessage,
  toBase64Url,
} from '@tandem/crypto';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, stopServerProcess } from '../scripts/server-process.ts';

/**
 * The promise of encrypted rooms, checked from outside: after a whole scripted session, nothing
 * the server keeps — database, uploaded files, logs (at debug level) — contains a plaintext or
 * the room key in any common encoding.
 */
describe('the server of an encrypted room', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-canary-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('never holds a plaintext or a room key', async () => {
    const dbFile = path.join(dir, 'tandem.db');
    const uploadDir = path.join(dir, 'files');
    const server = await startServerProcess('canary', {
      DATABASE_URL: `sqlite:${dbFile}`,
      UPLOAD_DIR: uploadDir,
      LOG_LEVEL: 'debug',
      DEFAULT_ROOMS: '',
    });
    const canaries = ['CANARY-lunch-7f3a9c', 'CANARY-reply-1b2c3d', 'CANARY-file-9e8d7c', 'CANARY-invite-5a4b3c'];
    const roomKey = generateRoomKey();
    try {
      const api = async (method: string, url: string, token?: string, body?: unknown) => {
        const res = await fetch(`${server.http}${url}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`${method} ${url} -> ${res.status} ${text}`);
        return text ? JSON.parse(text) : null;
      };
      const person = async (username: string) => {
        const { token, user } = await api('POST', '/auth/guest', undefined, { username });
        const device = createDeviceIdentity();
        const keys = deviceKeysOf(device, user.id);
        await api('PUT', `/devices/${keys.deviceId}`, token, keys);
        return { token, device, keys };
      };
      const send = async (
        who: Awaited<ReturnType<typeof person>>,
        roomId: string,
        text: string,
        attachmentIds: string[] = [],
      ) => {
        const sealed = sealMessage({
          roomKey,
          roomId,
          epoch: 1,
          sender: who.device,
          clientMessageId: `m-${Math.random().toString(36).slice(2)}`,
          plaintext: text,
        });
        await api('POST', `/rooms/${roomId}/messages`, who.token, {
          clientMessageId: sealed.clientMessageId,
          body: '',
          attachmentIds,
          sealed,
        });
      };

      // Alice creates the room; the key is made here, on her device.
      const alice = await person('alice_canary');
      const { roomId, room } = await api('POST', '/rooms', alice.token, { name: 'Canary Room', encrypted: true });
      await send(alice, roomId, canaries[0] ?? '');

      // Bob joins by name and gets the key in an envelope from Alice.
      const bob = await person('bob_canary');
      await api('POST', '/rooms/join', bob.token, { name: room.name });
      await api('POST', `/rooms/${roomId}/key-requests`, bob.token, { deviceId: bob.keys.deviceId });
      const envelope = sealEnvelope({ roomKey, roomId, epoch: 1, sender: alice.device, recipient: bob.keys });
      await api('POST', `/rooms/${roomId}/envelopes`, alice.token, { envelopes: [envelope] });
      await send(bob, roomId, canaries[1] ?? '');

      // A file: encrypted before upload; its key travels inside the (encrypted) message.
      const secretFile = encryptFile(new TextEncoder().encode(`${canaries[2]} quarterly numbers`));
      const form = new FormData();
      form.append('file', new Blob([secretFile.ciphertext]), 'numbers.bin');
      const uploaded = await fetch(`${server.http}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bob.token}` },
        body: form,
      });
      const [file] = (await uploaded.json()) as Array<{ id: string }>;
      await send(
        bob,
        roomId,
        JSON.stringify({
          text: 'the numbers',
          file: { id: file?.id, key: toBase64Url(secretFile.key), nonce: toBase64Url(secretFile.nonce) },
        }),
        [file?.id ?? ''],
      );

      // Carol arrives by an invite link: the key was in the link's fragment, never sent to the server.
      const carol = await person('carol_canary');
      await api('POST', `/rooms/${roomId}/join`, carol.token);
      await send(carol, roomId, canaries[3] ?? '');
      const history = await api('GET', `/rooms/${roomId}/messages`, carol.token);
      expect(history.messages).toHaveLength(4);
    } finally {
      await stopServerProcess(server.child);
    }

    // Everything the server kept.
    const db = new SQLite(dbFile, { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
    const dump = tables
      .map(({ name }) =>
        JSON.stringify(db.prepare(`select * from "${name}"`).all(), (_k, v) =>
          Buffer.isBuffer(v) ? `${v.toString('base64')} ${v.toString('hex')} ${v.toString('latin1')}` : v,
        ),
      )
      .join('\n');
    db.close();
    const files = fs.readdirSync(uploadDir).map((f) => fs.readFileSync(path.join(uploadDir, f)));
    const everything = [dump, server.output(), ...files.map((f) => f.toString('latin1'))].join('\n');
    expect(dump).toContain('Canary Room'); // the dump is real: room names are not secret

    const key = Buffer.from(roomKey);
    const forms = [key.toString('hex'), key.toString('base64'), key.toString('base64url'), key.toString('latin1')];
    for (const canary of canaries) expect(everything, canary).not.toContain(canary);
    for (const form of forms) expect(everything.includes(form), `room key as ${form.slice(0, 8)}…`).toBe(false);
    for (const f of files) expect(f.includes(key), 'raw room key in a file').toBe(false);
  });
});
