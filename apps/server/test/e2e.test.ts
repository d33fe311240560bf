import { RealtimeClient } from '@tandem/client';
import {
  createDeviceIdentity,
  type DeviceIdentity,
  deviceKeysOf,
  generateRoomKey,
  openEnvelope,
  openMessage,
  ReplayGuard,
  sealEnvelope,
  sealMessage,
  verifyDeviceKeys,
} from '@tandem/crypto';
import type { DeviceKeys, Envelope, SealedMessage } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, guest, startApp, testConfig, uniqueName } from './helpers.ts';
import { connectAs, listen } from './ws-helpers.ts';

describe.each(backends)('encrypted rooms on $name', (backend) => {
  let app: App;
  let ws: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database()));
    ws = (await listen(app)).ws;
  });
  afterAll(() => app.close());

  type Person = Awaited<ReturnType<typeof guest>> & { device: DeviceIdentity; keys: DeviceKeys };
  async function person(): Promise<Person> {
    const g = await guest(app);
    const device = createDeviceIdentity();
    const keys = deviceKeysOf(device, g.user.id);
    const res = await app.inject({
      method: 'PUT',
      url: `/devices/${keys.deviceId}`,
      headers: g.headers,
      payload: keys,
    });
    expect(res.statusCode).toBe(204);
    return { ...g, device, keys };
  }
  const inject = (method: 'GET' | 'POST', url: string, who: Person, payload?: object) =>
    app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
  async function encryptedRoom(owner: Person) {
    const res = await inject('POST', '/rooms', owner, { name: uniqueName('Secret '), encrypted: true });
    return { roomId: res.json().roomId as string, name: res.json().room.name as string };
  }
  const seal = (who: Person, roomId: string, roomKey: Uint8Array, text: string, clientMessageId = uniqueName('m')) =>
    sealMessage({ roomKey, roomId, epoch: 1, sender: who.device, clientMessageId, plaintext: text });

  it('accepts only self-signed device keys of your own', async () => {
    const alice = await person();
    const bob = await person();
    const forged = { ...alice.keys, exchangeKey: bob.keys.exchangeKey };
    const put = (who: Person, keys: DeviceKeys) =>
      app.inject({ method: 'PUT', url: `/devices/${keys.deviceId}`, headers: who.headers, payload: keys });
    expect((await put(alice, forged)).statusCode).toBe(400);
    expect((await put(bob, alice.keys)).statusCode).toBe(403);
    const stolenId = deviceKeysOf(createDeviceIdentity(alice.keys.deviceId), bob.user.id);
    expect((await put(bob, stolenId)).statusCode).toBe(409);
  });

  it('refuses plaintext in an encrypted room, ciphertext in a plain one, and foreign devices', async () => {
    const alice = await person();
    const bob = await person();
    const { roomId } = await encryptedRoom(alice);
    const roomKey = generateRoomKey();
    const plain = await inject('POST', `/rooms/${roomId}/messages`, alice, {
      clientMessageId: 'p1',
      body: 'in the clear',
    });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.message).toContain('end-to-end encrypted');

    const sealed = seal(alice, roomId, roomKey, 'hello', 's1');
    const ok = await inject('POST', `/rooms/${roomId}/messages`, alice, { clientMessageId: 's1', body: '', sealed });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ body: '', sealed });

    const mismatch = await inject('POST', `/rooms/${roomId}/messages`, alice, {
      clientMessageId: 's2',
      body: '',
      sealed,
    });
    expect(mismatch.statusCode).toBe(400);
    await inject('POST', `/rooms/${roomId}/join`, bob);
    const asBob = { ...seal(alice, roomId, roomKey, 'pretending', 'b1') };
    const foreign = await inject('POST', `/rooms/${roomId}/messages`, bob, {
      clientMessageId: 'b1',
      body: '',
      sealed: asBob,
    });
    expect(foreign.statusCode).toBe(400);

    const plainRoom = (await inject('POST', '/rooms', alice, { name: uniqueName('plain') })).json().roomId;
    const wrong = await inject('POST', `/rooms/${plainRoom}/messages`, alice, {
      clientMessageId: 'w1',
      body: '',
      sealed: seal(alice, plainRoom, roomKey, 'x', 'w1'),
    });
    expect(wrong.statusCode).toBe(400);
  });

  it('lets a joiner by name ask for the key, a member answer with an envelope, and both read each other', async () => {
    const alice = await person();
    const bob = await person();
    const { roomId, name } = await encryptedRoom(alice);
    const roomKey = generateRoomKey(); // made by the creator's client, never by the server
    const first = seal(alice, roomId, roomKey, 'Anyone on for lunch today');
    await inject('POST', `/rooms/${roomId}/messages`, alice, {
      clientMessageId: first.clientMessageId,
      body: '',
      sealed: first,
    });

    const aliceSocket = await connectAs(ws, alice.token);
    aliceSocket.send({ type: 'join', roomId });
    await aliceSocket.next('joined');

    // Bob joins by name: he is a member but holds no key; his client asks.
    expect((await inject('POST', '/rooms/join', bob, { name })).statusCode).toBe(200);
    const bobSocket = await connectAs(ws, bob.token);
    bobSocket.send({ type: 'join', roomId });
    const snapshot = await bobSocket.next('joined');
    expect(snapshot.messages[0]?.sealed).toEqual(first);
    expect(snapshot.messages[0]?.body).toBe('');
    expect(
      (await inject('POST', `/rooms/${roomId}/key-requests`, bob, { deviceId: bob.keys.deviceId })).statusCode,
    ).toBe(204);

    // Alice's client sees the request, checks the device, and answers.
    const request = await aliceSocket.next('key_request');
    expect(request.device).toEqual(bob.keys);
    expect(verifyDeviceKeys(request.device)).toBe(true);
    const envelope = sealEnvelope({ roomKey, roomId, epoch: 1, sender: alice.device, recipient: request.device });
    expect((await inject('POST', `/rooms/${roomId}/envelopes`, alice, { envelopes: [envelope] })).statusCode).toBe(204);
    expect(await bobSocket.next('key_available')).toMatchObject({ recipientDeviceId: bob.keys.deviceId, epoch: 1 });
    expect((await inject('GET', `/rooms/${roomId}/key-requests`, alice)).json().requests).toEqual([]);

    const mine = await inject('GET', `/rooms/${roomId}/envelopes?deviceId=${bob.keys.deviceId}`, bob);
    const [received] = mine.json().envelopes as Envelope[];
    if (!received) throw new Error('no envelope');
    const devices = (await inject('GET', `/rooms/${roomId}/devices`, bob)).json().devices as DeviceKeys[];
    const aliceKeys = devices.find((d) => d.deviceId === received.senderDeviceId);
    if (!aliceKeys) throw new Error('sender device not listed');
    const bobsKey = openEnvelope(received, bob.device, aliceKeys);
    expect(bobsKey).toEqual(roomKey);
    const guard = new ReplayGuard();
    expect(openMessage(snapshot.messages[0]?.sealed as SealedMessage, bobsKey, aliceKeys, guard)).toBe(
      'Anyone on for lunch today',
    );

    // Bob answers over the socket; Alice reads it.
    const reply = seal(bob, roomId, bobsKey, 'Count me in');
    bobSocket.send({ type: 'send', roomId, clientMessageId: reply.clientMessageId, body: '', sealed: reply });
    const delivered = await aliceSocket.next('message', (f) => f.message.clientMessageId === reply.clientMessageId);
    expect(openMessage(delivered.message.sealed as SealedMessage, roomKey, bob.keys, new ReplayGuard())).toBe(
      'Count me in',
    );

    // The typed client does the same: it hears key requests, and sends ciphertext with its outbox.
    const dave = await person();
    const client = new RealtimeClient({ url: ws, token: alice.token });
    await client.join({ roomId });
    const heard = new Promise((resolve) => client.on('keyRequest', resolve));
    await inject('POST', `/rooms/${roomId}/join`, dave);
    await inject('POST', `/rooms/${roomId}/key-requests`, dave, { deviceId: dave.keys.deviceId });
    expect(await heard).toMatchObject({ type: 'key_request', device: dave.keys });
    const viaClient = seal(alice, roomId, roomKey, 'sent by the client');
    const stored = await client.send({ clientMessageId: viaClient.clientMessageId, sealed: viaClient }).done;
    expect(stored.sealed).toEqual(viaClient);
    client.close();

    // Someone else cannot fetch Bob's envelopes, and a non-member cannot ask.
    expect((await inject('GET', `/rooms/${roomId}/envelopes?deviceId=${bob.keys.deviceId}`, alice)).statusCode).toBe(
      403,
    );
    const carol = await person();
    expect(
      (await inject('POST', `/rooms/${roomId}/key-requests`, carol, { deviceId: carol.keys.deviceId })).statusCode,
    ).toBe(403);
    aliceSocket.close();
    bobSocket.close();
  });
});
