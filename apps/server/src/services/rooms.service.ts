import type {
  CreateRoomRequest,
  JoinByNameRequest,
  MemberListResponse,
  Room,
  RoomSummary,
  User,
} from '@tandem/protocol';
import { CreateRoomRequest as CreateRoomSchema } from '@tandem/protocol';
import type { Clock } from '../clock.ts';
import { conflict, isAppError, notFound } from '../errors.ts';
import { randomId } from '../ids.ts';
import { type Db, isUniqueViolation, withTransaction } from '../store/db.ts';
import * as rooms from '../store/rooms.repository.ts';
import { type StoredRoom, toPublicUser, toRoom, toRoomSummary, toStoredRoom } from './mappers.ts';
import { generateRoomName, roomNameKey, tidyRoomName } from './room-names.ts';

/** Who is online where: the realtime presence directory, read-only. */
export type PresenceView = { onlineCount(roomId: string): number };

export type RoomsDeps = { db: Db; clock: Clock; presence: PresenceView };

type NewRoom = { name?: string | undefined; kind: 'chat' | 'code'; encrypted: boolean };

/** Rooms and membership: create, join by id or name, leave, list, members. */
export function roomsService({ db, clock, presence }: RoomsDeps) {
  const createdListeners = new Set<(room: Room) => void>();
  const leftListeners = new Set<(roomId: string, userId: string) => void>();
  const toSummary = (row: rooms.RoomSummaryRow) => toRoomSummary(row, presence.onlineCount(row.id));

  async function summary(roomId: string, viewerId: string | null): Promise<RoomSummary> {
    const [row] = await rooms.listRoomSummaries(db, { viewerId, limit: 1, joinedOnly: false, roomId });
    if (!row) throw notFound('No room has this id. It may have been mistyped.');
    return toSummary(row);
  }

  async function insertRoom(input: NewRoom, creator: User | null): Promise<string> {
    const now = clock.now();
    // A generated name can collide with an existing one; a few tries make that vanishingly rare.
    for (let attempt = 0; ; attempt++) {
      const name = input.name === undefined ? generateRoomName() : tidyRoomName(input.name);
      const id = randomId();
      try {
        const row: rooms.RoomRow = {
          id,
          name,
          name_key: roomNameKey(name),
          kind: input.kind,
          encrypted: input.encrypted ? 1 : 0,
          created_by: creator?.id ?? null,
          created_at: now,
          last_seq: 0,
          last_activity_at: now,
        };
        // The room and its creator's membership: both or neither.
        await withTransaction(db, async (trx) => {
          await rooms.insertRoom(trx, row);
          if (creator) await rooms.addMember(trx, id, creator.id, now);
        });
        for (const listener of createdListeners) listener(toRoom(row));
        return id;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (input.name !== undefined) {
          throw conflict(`A room named "${name}" exists already. Join it, or pick another name.`, { field: 'name' });
        }
        if (attempt >= 5) throw error;
      }
    }
  }

  /** The room, or a 404 saying so. */
  async function requireRoom(roomId: string): Promise<StoredRoom> {
    const room = await rooms.findRoomById(db, roomId);
    if (!room) throw notFound('No room has this id. It may have been mistyped.');
    return toStoredRoom(room);
  }

  return {
    requireRoom,
    async findRoom(roomId: string): Promise<StoredRoom | undefined> {
      const room = await rooms.findRoomById(db, roomId);
      return room && toStoredRoom(room);
    },
    summary,

    /** Listeners hear of every new room (room lists update live). */
    onCreated(listener: (room: Room) => void): () => void {
      createdListeners.add(listener);
      return () => createdListeners.delete(listener);
    },

    /** Anyone may create a room (seed 001 needs no sign-in); a signed-in creator joins it. */
    async create(input: CreateRoomRequest, creator: User | null): Promise<RoomSummary> {
      const parsed = CreateRoomSchema.parse(input);
      const id = await insertRoom(parsed, creator);
      return summary(id, creator?.id ?? null);
    },

    async joinById(roomId: string, user: User): Promise<RoomSummary> {
      await requireRoom(roomId);
      await rooms.addMember(db, roomId, user.id, clock.now());
      return summary(roomId, user.id);
    },

    /** Joins the room with this name, creating it first when `create` is set and it does not exist. */
    async joinByName(
      input: Pick<JoinByNameRequest, 'name' | 'create'>,
      user: User,
    ): Promise<{ room: RoomSummary; created: boolean }> {
      const existing = await rooms.findRoomByNameKey(db, roomNameKey(input.name));
      if (existing) {
        await rooms.addMember(db, existing.id, user.id, clock.now());
        return { room: await summary(existing.id, user.id), created: false };
      }
      if (input.create === false) throw notFound(`No room is named "${tidyRoomName(input.name)}".`);
      try {
        const id = await insertRoom({ name: input.name, kind: 'chat', encrypted: false }, user);
        return { room: await summary(id, user.id), created: true };
      } catch (error) {
        // Someone else created it between our look-up and insert: join theirs.
        if (isAppError(error, 'conflict')) {
          const raced = await rooms.findRoomByNameKey(db, roomNameKey(input.name));
          if (raced) {
            await rooms.addMember(db, raced.id, user.id, clock.now());
            return { room: await summary(raced.id, user.id), created: false };
          }
        }
        throw error;
      }
    },

    /** Ends the membership; the user's open sockets in the room are taken out (`onLeft`). */
    async leave(roomId: string, user: User): Promise<void> {
      await requireRoom(roomId);
      await rooms.removeMember(db, roomId, user.id);
      for (const listener of leftListeners) listener(roomId, user.id);
    },

    /** Listeners hear of every membership ended over REST. */
    onLeft(listener: (roomId: string, userId: string) => void): () => void {
      leftListeners.add(listener);
      return () => leftListeners.delete(listener);
    },

    async list(viewer: User | null, options: { limit: number; joinedOnly: boolean }): Promise<RoomSummary[]> {
      const rows = await rooms.listRoomSummaries(db, { viewerId: viewer?.id ?? null, ...options });
      return rows.map(toSummary);
    },

    async members(roomId: string): Promise<MemberListResponse> {
      await requireRoom(roomId);
      const rows = await rooms.listMembers(db, roomId);
      return {
        members: rows.map((m) => ({
          user: toPublicUser(m),
          joinedAt: new Date(m.joined_at).toISOString(),
          lastReadSeq: m.last_read_seq,
        })),
      };
    },

    /**
     * Marks everything up to `seq` as read (clamped to the newest message). Returns the new
     * position, or null when it did not move forward.
     */
    async markRead(roomId: string, userId: string, seq: number): Promise<number | null> {
      const room = await requireRoom(roomId);
      const clamped = Math.min(seq, room.latestSeq);
      return (await rooms.advanceLastRead(db, roomId, userId, clamped)) ? clamped : null;
    },

    async readPositions(roomId: string): Promise<Array<{ userId: string; seq: number }>> {
      const rows = await rooms.listReadPositions(db, roomId);
      return rows.map((r) => ({ userId: r.user_id, seq: r.last_read_seq }));
    },

    async isMember(roomId: string, userId: string): Promise<boolean> {
      return (await rooms.findMembership(db, roomId, userId)) !== undefined;
    },

    /** Makes sure the configured default rooms exist (seed 004's "Sala 1, 2, 3"). */
    async ensureDefaultRooms(names: string[]): Promise<void> {
      for (const name of names) {
        if (await rooms.findRoomByNameKey(db, roomNameKey(name))) continue;
        try {
          await insertRoom({ name, kind: 'chat', encrypted: false }, null);
        } catch (error) {
          // Another node created it at the same moment.
          if (!isAppError(error, 'conflict')) throw error;
        }
      }
    },

    /** Busiest rooms first (`/stats/rooms`), from the rooms' seq counters. */
    async messageCounts(limit: number): Promise<Array<{ roomId: string; name: string; messageCount: number }>> {
      const rows = await rooms.listRoomMessageCounts(db, limit);
      return rows.map((r) => ({ roomId: r.id, name: r.name, messageCount: r.last_seq }));
    },
  };
}
export type RoomsService = ReturnType<typeof roomsService>;
