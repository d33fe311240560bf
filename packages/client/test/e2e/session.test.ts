import { createDeviceIdentity, type DeviceKeys, deviceKeysOf, type Envelope, generateRoomKey } from '@tandem/crypto';
import type { KeyRequest, Message } from '@tandem/protocol';
import { describe, expect, it, vi } from 'vitest';
import {
  type E2EApi,
  EncryptedRoomSession,
  KeyStore,
  type ListenRealtime,
  memoryStore,
  sealText,
} from '../../src/e2e/index.ts';
import type { RealtimeEvents } from '../../src/realtime.ts';

const ROOM = 'room-e2e-0001';

/**
 * The server's part, in memory: it stores device keys, requests and envelopes and tells the room's
 * sockets about them, exactly what it may know: no key, no plaintext.
 */
function fakeServer() {
  const devices = new Map<string, DeviceKeys>();
  const requests: KeyRequest[] = [];
  const envelopes: Envelope[] = [];
  const sockets = new Set<{ [K in keyof RealtimeEvents]?: Array<(p: RealtimeEvents[K]) => void> }>();
  const emit = <K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]) => {
    for (const socket of sockets)
      for (const l of (socket[event] ?? []) as Array<(p: typeof payload) => void>) l(payload);
  };
  const api: E2EApi = {
    publishDevice: async (keys) => {
      devices.set(keys.deviceId, keys);
    },
    roomDevices: async () => [...devices.values()],
    requestKey: async (roomId, deviceId) => {
      const device = devices.get(deviceId) as DeviceKeys;
      const request = { roomId, device, createdAt: new Date().toISOString() };
      requests.push(request);
      emit('keyRequest', { type: 'key_request', roomId, device });
    },
    keyRequests: async () => [...requests],
    postEnvelopes: async (roomId, posted) => {
      envelopes.push(...posted);
      for (const e of posted) {
        emit('keyAvailable', { type: 'key_available', roomId, recipientDeviceId: e.recipientDeviceId, epoch: e.epoch });
      }
    },
    envelopes: async (_roomId, deviceId) => envelopes.filter((e) => e.recipientDeviceId === deviceId),
  };
  const connect = (): ListenRealtime => {
    const socket: Record<string, Array<(p: never) => void>> = {};
    sockets.add(socket);
    return (event, listener) => {
      const list = socket[event] ?? [];
      socket[event] = list;
      list.push(listener as (p: never) => void);
      return () => list.splice(list.indexOf(listener as (p: never) => void), 1);
    };
  };
  return { api, connect, devices, envelopes };
}

const settled = (session: EncryptedRoomSession, status: string) =>
  vi.waitFor(() => expect(session.state.status).toBe(status), { timeout: 2000 });

function sealedBy(session: EncryptedRoomSession, userId: string, text: string): Message {
  const clientMessageId = `cm-${text.length}-${userId}`;
  const sealed = sealText({
    roomId: ROOM,
    roomKeys: session.state.roomKeys,
    identity: session.state.identity as NonNullable<typeof session.state.identity>,
    clientMessageId,
    payload: { text, files: [] },
  });
  return {
    id: `m-${clientMessageId}`,
    roomId: ROOM,
    seq: 1,
    sender: { id: userId, username: userId, name: null, guest: true },
    clientMessageId,
    body: '',
    attachments: [],
    sealed,
    createdAt: '2026-11-21T11:31:00.000Z',
  };
}

describe('an encrypted room session (shared by the web and phone apps)', () => {
  it('a joiner without the key asks, an online member answers, and the joiner reads', async () => {
    const server = fakeServer();
    const alice = new EncryptedRoomSession({
      roomId: ROOM,
      userId: 'alice',
      deps: { keys: new KeyStore(memoryStore()), api: server.api },
      listen: server.connect(),
    });
    alice.start();
    await settled(alice, 'waiting');
    // The creator made the key on her device.
    await alice.addRoomKey(1, generateRoomKey());
    await settled(alice, 'ready');

    const bob = new EncryptedRoomSession({
      roomId: ROOM,
      userId: 'bob',
      deps: { keys: new KeyStore(memoryStore()), api: server.api },
      listen: server.connect(),
    });
    bob.start();
    await settled(bob, 'ready');
    expect(bob.state.roomKeys.get(1)).toEqual(alice.state.roomKeys.get(1));

    const message = sealedBy(alice, 'alice', 'lunch at noon?');
    await vi.waitFor(() =>
      expect(bob.open([message]).get(message.id)).toEqual({
        state: 'open',
        payload: { text: 'lunch at noon?', files: [] },
      }),
    );
    alice.stop();
    bob.stop();
  });

  it('answers no request from a device the room does not list as it was published', async () => {
    const server = fakeServer();
    const alice = new EncryptedRoomSession({
      roomId: ROOM,
      userId: 'alice',
      deps: { keys: new KeyStore(memoryStore()), api: server.api },
      listen: server.connect(),
    });
    alice.start();
    await settled(alice, 'waiting');
    await alice.addRoomKey(1, generateRoomKey());
    // Mallory's request carries Bob's device id with her own exchange key.
    const bob = deviceKeysOf(createDeviceIdentity(), 'bob');
    server.devices.set(bob.deviceId, bob);
    const mallory = deviceKeysOf(createDeviceIdentity(), 'bob');
    const forged = { ...bob, exchangeKey: mallory.exchangeKey };
    server.devices.set(bob.deviceId, forged);
    await server.api.requestKey(ROOM, bob.deviceId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.envelopes).toEqual([]);
    alice.stop();
  });

  it('says an unknown sender cannot be verified once the devices were fetched again', async () => {
    const server = fakeServer();
    const keys = new KeyStore(memoryStore());
    const roomKey = generateRoomKey();
    await keys.saveRoomKey('bob', ROOM, 1, roomKey);
    const bob = new EncryptedRoomSession({
      roomId: ROOM,
      userId: 'bob',
      deps: { keys, api: server.api },
      listen: server.connect(),
    });
    bob.start();
    await settled(bob, 'ready');
    // A message sealed by a device the server never listed.
    const stranger = new EncryptedRoomSession({
      roomId: ROOM,
      userId: 'eve',
      deps: { keys: new KeyStore(memoryStore()), api: { ...server.api, publishDevice: async () => {} } },
      listen: server.connect(),
    });
    stranger.start();
    await settled(stranger, 'waiting');
    await stranger.addRoomKey(1, roomKey);
    const message = sealedBy(stranger, 'eve', 'hello');
    expect(bob.open([message]).get(message.id)).toEqual({ state: 'pending' });
    await vi.waitFor(() => expect(bob.open([message]).get(message.id)).toEqual({ state: 'invalid' }));
    bob.stop();
    stranger.stop();
  });
});
