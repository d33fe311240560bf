import {
  createDeviceIdentity,
  type DeviceKeys,
  deviceKeysOf,
  type Envelope,
  generateRoomKey,
  sealEnvelope,
} from '@tandem/crypto';
import type { KeyRequest } from '@tandem/protocol';
import { describe, expect, it, vi } from 'vitest';
import { type E2EApi, EncryptedRoomSession, KeyStore, type ListenRealtime, memoryStore } from '../../src/e2e/index.ts';
import type { RealtimeEvents } from '../../src/realtime.ts';

const ROOM = 'room-e2e-0002';

/**
 * The server's part as the real one keeps it: one envelope per (epoch, recipient device), and an
 * envelope closes the recipient's pending request, whoever sent it. What the session may trust is
 * only what it can verify itself.
 */
function fakeServer() {
  const devices = new Map<string, DeviceKeys>();
  const requests = new Map<string, KeyRequest>();
  const envelopes = new Map<string, Envelope>();
  let requestCount = 0;
  const sockets = new Set<Record<string, Array<(p: never) => void>>>();
  const emit = <K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]) => {
    for (const socket of sockets) for (const l of socket[event] ?? []) (l as (p: typeof payload) => void)(payload);
  };
  const deliver = (roomId: string, posted: Envelope[]) => {
    for (const e of posted) {
      envelopes.set(`${e.epoch}:${e.recipientDeviceId}`, e);
      requests.delete(e.recipientDeviceId);
      emit('keyAvailable', { type: 'key_available', roomId, recipientDeviceId: e.recipientDeviceId, epoch: e.epoch });
    }
  };
  const api: E2EApi = {
    publishDevice: async (keys) => {
      devices.set(keys.deviceId, keys);
    },
    roomDevices: async () => [...devices.values()],
    requestKey: async (roomId, deviceId) => {
      requestCount += 1;
      const device = devices.get(deviceId) as DeviceKeys;
      requests.set(deviceId, { roomId, device, createdAt: new Date().toISOString() });
      emit('keyRequest', { type: 'key_request', roomId, device });
    },
    keyRequests: async () => [...requests.values()],
    postEnvelopes: async (roomId, posted) => deliver(roomId, posted),
    envelopes: async (_roomId, deviceId) => [...envelopes.values()].filter((e) => e.recipientDeviceId === deviceId),
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
  return { api, connect, devices, requests, deliver, requestCount: () => requestCount };
}

const settled = (session: EncryptedRoomSession, status: string) =>
  vi.waitFor(() => expect(session.state.status).toBe(status), { timeout: 2000 });

const session = (server: ReturnType<typeof fakeServer>, userId: string) =>
  new EncryptedRoomSession({
    roomId: ROOM,
    userId,
    deps: { keys: new KeyStore(memoryStore()), api: server.api },
    listen: server.connect(),
  });

describe('envelopes a waiting device is handed', () => {
  it('ignores one from a sender it cannot verify, asks again, and takes a member’s answer', async () => {
    const server = fakeServer();
    const bob = session(server, 'bob');
    bob.start();
    await settled(bob, 'waiting');
    await vi.waitFor(() => expect(server.requests.size).toBe(1));
    const bobKeys = server.requests.values().next().value?.device as DeviceKeys;

    // Mallory answers first with a key of her own, from two devices Bob cannot verify: one the room
    // does not list, one listed under a bundle whose self-signature does not hold.
    const fakeKey = generateRoomKey();
    const unlisted = createDeviceIdentity();
    const forged = createDeviceIdentity();
    const forgedKeys = deviceKeysOf(forged, 'mallory');
    server.devices.set(forged.deviceId, { ...forgedKeys, exchangeKey: deviceKeysOf(unlisted, 'mallory').exchangeKey });
    const before = server.requestCount();
    server.deliver(ROOM, [
      sealEnvelope({ roomKey: fakeKey, roomId: ROOM, epoch: 1, sender: unlisted, recipient: bobKeys }),
    ]);
    // The fake server, like the real one, closed the request on that first answer.
    expect(server.requests.size).toBe(0);
    // Bob took nothing, and asked again so that a member can still answer.
    await vi.waitFor(() => expect(server.requestCount()).toBe(before + 1));
    expect(bob.state.status).toBe('waiting');
    server.deliver(ROOM, [
      sealEnvelope({ roomKey: fakeKey, roomId: ROOM, epoch: 1, sender: forged, recipient: bobKeys }),
    ]);
    await vi.waitFor(() => expect(server.requestCount()).toBe(before + 2));
    expect(bob.state.status).toBe('waiting');
    expect(bob.state.roomKeys.size).toBe(0);

    // Alice, a member whose device the room lists, opens the room holding the real key: she sees
    // the pending request and answers it.
    const alice = session(server, 'alice');
    alice.start();
    await settled(alice, 'waiting');
    const roomKey = generateRoomKey();
    await alice.addRoomKey(1, roomKey);
    await settled(bob, 'ready');
    expect(bob.state.roomKeys.get(1)).toEqual(roomKey);
    alice.stop();
    bob.stop();
  });

  it('ignores an envelope a member sealed for another room', async () => {
    const server = fakeServer();
    const bob = session(server, 'bob');
    bob.start();
    await settled(bob, 'waiting');
    await vi.waitFor(() => expect(server.requests.size).toBe(1));
    const bobKeys = server.requests.values().next().value?.device as DeviceKeys;
    // Carol is listed and self-signed, but her envelope carries the key of another room.
    const carol = createDeviceIdentity();
    await server.api.publishDevice(deviceKeysOf(carol, 'carol'));
    const otherKey = generateRoomKey();
    const envelope = sealEnvelope({
      roomKey: otherKey,
      roomId: 'room-other-0001',
      epoch: 1,
      sender: carol,
      recipient: bobKeys,
    });
    server.deliver(ROOM, [envelope]);
    await vi.waitFor(() => expect(server.requests.size).toBe(1));
    expect(bob.state.roomKeys.size).toBe(0);
    bob.stop();
  });
});
