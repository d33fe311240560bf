import { verifyDeviceKeys } from '@tandem/crypto';
import type { DeviceKeys, Envelope, KeyRequest, User } from '@tandem/protocol';
import type { Clock } from '../clock.ts';
import { toIso } from '../clock.ts';
import { badRequest, conflict, forbidden, rateLimited } from '../errors.ts';
import { type BucketRule, type Limits, memoryLimits } from '../limits/limits.ts';
import { type Db, withTransaction } from '../store/db.ts';
import * as e2e from '../store/e2e.repository.ts';
import { findMembership } from '../store/rooms.repository.ts';
import type { RoomsService } from './rooms.service.ts';

export type E2eDeps = { db: Db; clock: Clock; rooms: RoomsService; limits?: Limits };

/**
 * Caps and rates that keep one account from filling the tables or flooding a room's sockets with
 * `key_request` frames (docs/encryption.md, "What the server enforces").
 */
export const E2E_LIMITS = {
  /** Devices one user may publish. */
  devicesPerUser: 10,
  /** Pending key requests of one user's devices in one room. */
  pendingKeyRequestsPerUserPerRoom: 5,
  /** Device publications per user: 20 at once, then one a minute. */
  publishDevice: { ratePerSecond: 1 / 60, burst: 20 } satisfies BucketRule,
  /** Key requests per user and room (each tells every socket of the room): 10 at once, then one a minute. */
  keyRequest: { ratePerSecond: 1 / 60, burst: 10 } satisfies BucketRule,
};

const toKeys = (d: e2e.DeviceRow): DeviceKeys => ({
  userId: d.user_id,
  deviceId: d.device_id,
  signingKey: d.signing_key,
  exchangeKey: d.exchange_key,
  signature: d.signature,
});

type Events = {
  keyRequested: (roomId: string, device: DeviceKeys) => void;
  keyDelivered: (roomId: string, recipientDeviceId: string, epoch: number) => void;
};

/**
 * Encrypted rooms, server side: public device keys, key requests and envelopes are stored and
 * relayed as they are. The server checks who may post what, never what is inside: it holds no
 * key, and every envelope and message is opened (and its signature checked) by clients only.
 */
export function e2eService({ db, clock, rooms, limits = memoryLimits() }: E2eDeps) {
  const listeners = {
    keyRequested: new Set<Events['keyRequested']>(),
    keyDelivered: new Set<Events['keyDelivered']>(),
  };

  async function requireEncryptedMembership(roomId: string, user: User) {
    const room = await rooms.requireRoom(roomId);
    if (!room.encrypted) throw badRequest('This room is not end-to-end encrypted.');
    if (!(await findMembership(db, roomId, user.id))) {
      throw forbidden('You are not a member of this room. Join it first.');
    }
    return room;
  }

  async function requireOwnDevice(deviceId: string, user: User) {
    const device = await e2e.findDevice(db, deviceId);
    if (device?.user_id !== user.id) {
      throw forbidden('This device is not one of yours. Publish your device keys first (PUT /devices/:deviceId).');
    }
    return device;
  }

  return {
    on<K extends keyof Events>(event: K, listener: Events[K]): void {
      (listeners[event] as Set<Events[K]>).add(listener);
    },

    /** Publishes the caller's device keys; the bundle must be signed by the device itself. */
    async publishDevice(user: User, keys: DeviceKeys): Promise<{ created: boolean }> {
      if (keys.userId !== user.id) throw forbidden('Device keys must name you as their user.');
      if (!verifyDeviceKeys(keys)) {
        throw badRequest('The device keys are not signed by their own signing key.', { field: 'signature' });
      }
      if (!(await limits.take(`e2e-device:${user.id}`, E2E_LIMITS.publishDevice))) {
        throw rateLimited('Too many device publications; try again in a minute.', 60);
      }
      const existing = await e2e.findDevice(db, keys.deviceId);
      if (existing && existing.user_id !== user.id) throw conflict('This device id belongs to someone else.');
      if (!existing && (await e2e.countDevices(db, user.id)) >= E2E_LIMITS.devicesPerUser) {
        throw conflict(
          `You have published ${E2E_LIMITS.devicesPerUser} devices, the most one person may have; reuse one of them.`,
        );
      }
      await e2e.upsertDevice(db, {
        device_id: keys.deviceId,
        user_id: user.id,
        signing_key: keys.signingKey,
        exchange_key: keys.exchangeKey,
        signature: keys.signature,
        created_at: clock.now(),
      });
      return { created: !existing };
    },

    async roomDevices(roomId: string, user: User): Promise<DeviceKeys[]> {
      await requireEncryptedMembership(roomId, user);
      return (await e2e.listRoomDevices(db, roomId)).map(toKeys);
    },

    /** A joiner's device asks the members' devices for the room key. */
    async requestKey(roomId: string, user: User, deviceId: string): Promise<void> {
      await requireEncryptedMembership(roomId, user);
      const device = await requireOwnDevice(deviceId, user);
      if (!(await limits.take(`e2e-key-request:${user.id}:${roomId}`, E2E_LIMITS.keyRequest))) {
        throw rateLimited('Too many key requests for this room; wait a minute before asking again.', 60);
      }
      if (
        !(await e2e.hasKeyRequest(db, roomId, deviceId)) &&
        (await e2e.countUserKeyRequests(db, roomId, user.id)) >= E2E_LIMITS.pendingKeyRequestsPerUserPerRoom
      ) {
        throw conflict(
          `Your devices already have ${E2E_LIMITS.pendingKeyRequestsPerUserPerRoom} key requests waiting in this room; wait for a member to answer them.`,
        );
      }
      await e2e.insertKeyRequest(db, roomId, deviceId, clock.now());
      for (const listener of listeners.keyRequested) listener(roomId, toKeys(device));
    },

    async keyRequests(roomId: string, user: User): Promise<KeyRequest[]> {
      await requireEncryptedMembership(roomId, user);
      const rows = await e2e.listKeyRequests(db, roomId);
      return rows.map((r) => ({ roomId, device: toKeys(r), createdAt: toIso(r.requested_at) }));
    },

    /**
     * A member's device hands wrapped room keys to other members' devices. The first answer to a
     * pending request wins; afterwards only its sender may replace its own envelope, so no other
     * member can substitute a key, and an envelope no device asked for is refused (409). The server
     * checks shape, membership and ownership; only the recipient can check the cryptography.
     */
    async postEnvelopes(roomId: string, user: User, envelopes: Envelope[]): Promise<void> {
      await requireEncryptedMembership(roomId, user);
      for (const envelope of envelopes) {
        if (envelope.roomId !== roomId) throw badRequest('An envelope is for another room.', { field: 'envelopes' });
        await requireOwnDevice(envelope.senderDeviceId, user);
        const recipient = await e2e.findDevice(db, envelope.recipientDeviceId);
        if (!recipient || !(await findMembership(db, roomId, recipient.user_id))) {
          throw badRequest('An envelope is for a device that is not a member’s.', { field: 'envelopes' });
        }
        if (recipient.device_id === envelope.senderDeviceId) {
          throw badRequest('An envelope cannot be sealed for the device that sends it.', { field: 'envelopes' });
        }
      }
      const seen = new Set<string>();
      for (const e of envelopes) {
        const key = `${e.epoch}:${e.recipientDeviceId}`;
        if (seen.has(key)) {
          throw badRequest('Two envelopes are for the same device and epoch.', { field: 'envelopes' });
        }
        seen.add(key);
      }
      const now = clock.now();
      try {
        // All of the batch or none of it: one transaction, the service's.
        await withTransaction(db, (trx) =>
          e2e.storeEnvelopes(
            trx,
            envelopes.map((e) => ({
              room_id: roomId,
              epoch: e.epoch,
              recipient_device_id: e.recipientDeviceId,
              sender_device_id: e.senderDeviceId,
              envelope: JSON.stringify(e),
              created_at: now,
            })),
          ),
        );
      } catch (error) {
        if (!(error instanceof e2e.EnvelopeRefused)) throw error;
        throw conflict(
          'An envelope is for a device with no pending key request in this room, or one another device already answered; nothing was stored.',
          { recipientDeviceId: error.recipientDeviceId, epoch: error.epoch },
        );
      }
      for (const e of envelopes)
        for (const listener of listeners.keyDelivered) listener(roomId, e.recipientDeviceId, e.epoch);
    },

    async envelopesFor(roomId: string, user: User, deviceId: string): Promise<Envelope[]> {
      await requireEncryptedMembership(roomId, user);
      await requireOwnDevice(deviceId, user);
      return (await e2e.listEnvelopes(db, roomId, deviceId)).map((r) => JSON.parse(r.envelope) as Envelope);
    },
  };
}
export type E2eService = ReturnType<typeof e2eService>;
