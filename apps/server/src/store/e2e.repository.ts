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

/** Stores envelopes (a newer one for the same room, epoch and device replaces the older). */
export async function upsertEnvelopes(db: Db, rows: Insertable<KeyEnvelopesTable>[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
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
      await trx
        .deleteFrom('key_requests')
        .where('room_id', '=', row.room_id)
        .where('device_id', '=', row.recipient_device_id)
        .execute();
    }
  });
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
