import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { DevicesTable, KeyEnvelopesTable } from './schema.ts';

export type DeviceRow = Selectable<DevicesTable>;

/** Publishes (or re-publishes, after a key change) a device's public keys. */
export async function upsertDevice(db: Db, device: Insertable<DevicesTable>): Promise<void> {
  await db
    .insertInto('devices')
    .values(device)
    .onConflict((oc) =>
      oc.column('device_id').doUpdateSet({
        signing_key: device.signing_key,
        exchange_key: device.exchange_key,
        signature: device.signature,
      }),
    )
    .execute();
}

export function findDevice(db: Db, deviceId: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
}

/** Every device of every member of the room. */
export function listRoomDevices(db: Db, roomId: string): Promise<DeviceRow[]> {
  return db
    .selectFrom('devices')
    .innerJoin('room_members', 'room_members.user_id', 'devices.user_id')
    .selectAll('devices')
    .where('room_members.room_id', '=', roomId)
    .orderBy('devices.created_at')
    .execute();
}

export async function insertKeyRequest(db: Db, roomId: string, deviceId: string, now: number): Promise<void> {
  await db
    .insertInto('key_requests')
    .values({ room_id: roomId, device_id: deviceId, created_at: now })
    .onConflict((oc) => oc.columns(['room_id', 'device_id']).doNothing())
    .execute();
}

export function listKeyRequests(db: Db, roomId: string) {
  return db
    .selectFrom('key_requests')
    .innerJoin('devices', 'devices.device_id', 'key_requests.device_id')
    .selectAll('devices')
    .select('key_requests.created_at as requested_at')
    .where('key_requests.room_id', '=', roomId)
    .orderBy('key_requests.created_at')
    .execute();
}

/** How many devices a user has published. */
export async function countDevices(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('devices')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's devices with a pending key request in the room. */
export async function countUserKeyRequests(db: Db, roomId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('key_requests')
    .innerJoin('devices', 'devices.device_id', 'key_requests.device_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('key_requests.room_id', '=', roomId)
    .where('devices.user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function hasKeyRequest(db: Db, roomId: string, deviceId: string): Promise<boolean> {
  return db
    .selectFrom('key_requests')
    .select('device_id')
    .where('room_id', '=', roomId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst()
    .then((row) => row !== undefined);
}

/** An envelope that could not be stored: its recipient has no pending request and holds one from another sender. */
export class EnvelopeRefused extends Error {
  readonly recipientDeviceId: string;
  readonly epoch: number;
  constructor(recipientDeviceId: string, epoch: number) {
    super(`envelope for ${recipientDeviceId} (epoch ${epoch}) refused`);
    this.recipientDeviceId = recipientDeviceId;
    this.epoch = epoch;
  }
}

/**
 * Stores envelopes, all or none, under one rule per (room, epoch, recipient device):
 *
 * - a pending key request of the recipient is fulfilled (deleted) by the first batch that answers
 *   it, and that batch's envelopes replace whatever the device held (it asked again, so it could
 *   not use it);
 * - with no pending request, only the device that sealed the stored envelope may replace it;
 *   anything else — another sender's envelope, or one for a device that never asked — is refused
 *   ({@link EnvelopeRefused}) and nothing of the batch is stored.
 *
 * Deleting the request is the claim: two members answering at once both try, one deletes the
 * row (PostgreSQL makes the second wait for the first's commit, then finds nothing; SQLite runs
 * one write transaction at a time), so the first answer wins.
 *
 * Run it inside the caller's transaction (`withTransaction`): the all-or-none is the service's.
 */
export async function storeEnvelopes(trx: Db, rows: Insertable<KeyEnvelopesTable>[]): Promise<void> {
  const answering = new Map<string, boolean>();
  for (const row of rows) {
    let fulfils = answering.get(row.recipient_device_id);
    if (fulfils === undefined) {
      const deleted = await trx
        .deleteFrom('key_requests')
        .where('room_id', '=', row.room_id)
        .where('device_id', '=', row.recipient_device_id)
        .executeTakeFirst();
      fulfils = Number(deleted.numDeletedRows) > 0;
      answering.set(row.recipient_device_id, fulfils);
    }
    if (fulfils) {
      await trx
        .insertInto('key_envelopes')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['room_id', 'epoch', 'recipient_device_id']).doUpdateSet({
            envelope: row.envelope,
            sender_device_id: row.sender_device_id,
            created_at: row.created_at,
          }),
        )
        .execute();
      continue;
    }
    // No request to answer: the sender may only replace an envelope of its own.
    const replaced = await trx
      .updateTable('key_envelopes')
      .set({ envelope: row.envelope, created_at: row.created_at })
      .where('room_id', '=', row.room_id)
      .where('epoch', '=', row.epoch)
      .where('recipient_device_id', '=', row.recipient_device_id)
      .where('sender_device_id', '=', row.sender_device_id)
      .executeTakeFirst();
    if (Number(replaced.numUpdatedRows) === 0) throw new EnvelopeRefused(row.recipient_device_id, row.epoch);
  }
}

export function listEnvelopes(db: Db, roomId: string, deviceId: string) {
  return db
    .selectFrom('key_envelopes')
    .select('envelope')
    .where('room_id', '=', roomId)
    .where('recipient_device_id', '=', deviceId)
    .orderBy('epoch')
    .execute();
}
