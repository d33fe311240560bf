import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { RoomsTable } from './schema.ts';
import { guestColumn, toUserRow } from './users.repository.ts';

export type RoomRow = Selectable<RoomsTable>;

export async function insertRoom(db: Db, room: Insertable<RoomsTable>): Promise<void> {
  await db.insertInto('rooms').values(room).execute();
}

export function findRoomById(db: Db, id: string): Promise<RoomRow | undefined> {
  return db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findRoomByNameKey(db: Db, nameKey: string): Promise<RoomRow | undefined> {
  return db.selectFrom('rooms').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
}

export type RoomSummaryRow = RoomRow & {
  member_count: number;
  joined_at: number | null;
  last_read_seq: number | null;
};

/**
 * Rooms with their counts, most recently active first. `viewerId` adds the viewer's own
 * membership; `joinedOnly` keeps only the viewer's rooms. The message count is `last_seq`
 * and the member count walks the (room_id, user_id) primary key: no scan of messages.
 */
export async function listRoomSummaries(
  db: Db,
  options: { viewerId: string | null; limit: number; joinedOnly: boolean; roomId?: string },
): Promise<RoomSummaryRow[]> {
  const viewerId = options.viewerId ?? '';
  let query = db
    .selectFrom('rooms')
    .leftJoin('room_members as mine', (join) =>
      join.onRef('mine.room_id', '=', 'rooms.id').on('mine.user_id', '=', viewerId),
    )
    .selectAll('rooms')
    .select((eb) => [
      eb
        .selectFrom('room_members')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('room_members.room_id', '=', 'rooms.id')
        .as('member_count'),
      'mine.joined_at as joined_at',
      'mine.last_read_seq as last_read_seq',
    ])
    .orderBy('rooms.last_activity_at', 'desc')
    .orderBy('rooms.name_key')
    .limit(options.limit);
  if (options.joinedOnly) query = query.where('mine.user_id', 'is not', null);
  if (options.roomId) query = query.where('rooms.id', '=', options.roomId);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, member_count: Number(r.member_count) }));
}

export function listRoomMessageCounts(db: Db, limit: number) {
  return db
    .selectFrom('rooms')
    .select(['id', 'name', 'last_seq'])
    .orderBy('last_seq', 'desc')
    .orderBy('name_key')
    .limit(limit)
    .execute();
}

/** Adds the member; a second join is a no-op. Returns true when the user was not a member yet. */
export async function addMember(db: Db, roomId: string, userId: string, now: number): Promise<boolean> {
  const result = await db
    .insertInto('room_members')
    .values({ room_id: roomId, user_id: userId, joined_at: now })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function removeMember(db: Db, roomId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('room_members')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export function findMembership(db: Db, roomId: string, userId: string) {
  return db
    .selectFrom('room_members')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Moves a member's read position forward only; returns true when it moved. */
export async function advanceLastRead(db: Db, roomId: string, userId: string, seq: number): Promise<boolean> {
  const result = await db
    .updateTable('room_members')
    .set({ last_read_seq: seq })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('last_read_seq', '<', seq)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function listReadPositions(db: Db, roomId: string) {
  return db
    .selectFrom('room_members')
    .select(['user_id', 'last_read_seq'])
    .where('room_id', '=', roomId)
    .where('last_read_seq', '>', 0)
    .execute();
}

export async function listMembers(db: Db, roomId: string) {
  const rows = await db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select([
      'users.id',
      'users.username',
      'users.name',
      guestColumn().as('guest'),
      'room_members.joined_at',
      'room_members.last_read_seq',
    ])
    .where('room_members.room_id', '=', roomId)
    .orderBy('users.username_key')
    .execute();
  return rows.map(toUserRow);
}
