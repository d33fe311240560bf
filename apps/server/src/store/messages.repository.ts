import { PostgresAdapter, type Selectable, sql } from 'kysely';
import type { Db } from './db.ts';
import type { RoomRow } from './rooms.repository.ts';
import type { MessagesTable } from './schema.ts';
import { attachUploads } from './uploads.repository.ts';
import { guestColumn } from './users.repository.ts';

export type NewMessage = {
  id: string;
  roomId: string;
  senderId: string;
  clientMessageId: string;
  body: string;
  createdAt: number;
  /** Uploads of the sender's to attach; all or nothing. */
  attachmentIds: string[];
  /** Encrypted rooms: the sealed message as JSON. */
  sealed: string | null;
};

/** Some attachment id is unknown, someone else's, or attached already; nothing was stored. */
export class AttachmentUnavailableError extends Error {}

/** A message with the sender fields every reader needs, in one join. */
export type MessageRow = Selectable<MessagesTable> & {
  sender_username: string;
  sender_name: string | null;
  /** The sender has no password: a guest. */
  sender_guest: boolean;
};

function selectMessages(db: Db) {
  return db
    .selectFrom('messages')
    .innerJoin('users', 'users.id', 'messages.sender_id')
    .selectAll('messages')
    .select(['users.username as sender_username', 'users.name as sender_name', guestColumn().as('sender_guest')]);
}

/** `sender_guest` comes back as a boolean (PostgreSQL) or 0/1 (SQLite). */
const toMessageRow = <T extends { sender_guest: boolean | number }>(row: T): T & { sender_guest: boolean } => ({
  ...row,
  sender_guest: Boolean(row.sender_guest),
});

export async function findMessageByClientId(
  db: Db,
  senderId: string,
  clientMessageId: string,
): Promise<MessageRow | undefined> {
  const row = await selectMessages(db)
    .where('messages.sender_id', '=', senderId)
    .where('messages.client_message_id', '=', clientMessageId)
    .executeTakeFirst();
  return row && toMessageRow(row);
}

/**
 * What a send must know before it is stored, in one query (one round trip): the room, whether
 * the sender is a member, and the id of an earlier message of theirs with this client id.
 * Undefined when there is no such room.
 */
export async function findSendContext(
  db: Db,
  roomId: string,
  senderId: string,
  clientMessageId: string,
): Promise<{ room: RoomRow; member: boolean; earlierId: string | null } | undefined> {
  const row = await db
    .selectFrom('rooms')
    .selectAll('rooms')
    .select((eb) => [
      eb
        .exists(
          eb
            .selectFrom('room_members')
            .select('room_members.user_id')
            .where('room_members.room_id', '=', roomId)
            .where('room_members.user_id', '=', senderId),
        )
        .as('sender_is_member'),
      eb
        .selectFrom('messages')
        .select('messages.id')
        .where('messages.sender_id', '=', senderId)
        .where('messages.client_message_id', '=', clientMessageId)
        .as('earlier_id'),
    ])
    .where('rooms.id', '=', roomId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { sender_is_member, earlier_id, ...room } = row;
  // exists() is a boolean in PostgreSQL and 0/1 in SQLite.
  return { room, member: sender_is_member === true || Number(sender_is_member) === 1, earlierId: earlier_id ?? null };
}

/**
 * Stores a message under the room's next seq, in one transaction: bumping `rooms.last_seq`
 * takes the room row's lock (PostgreSQL) or the database write lock (SQLite), so seqs are
 * handed out one at a time, and a rollback gives the seq back: no gaps, no duplicates.
 * The sender's message counter moves in the same transaction.
 */
export async function insertMessageWithSeq(db: Db, message: NewMessage): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const room = await trx
      .updateTable('rooms')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_activity_at: message.createdAt }))
      .where('id', '=', message.roomId)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('messages')
      .values({
        id: message.id,
        room_id: message.roomId,
        seq: room.last_seq,
        sender_id: message.senderId,
        client_message_id: message.clientMessageId,
        body: message.body,
        sealed: message.sealed,
        created_at: message.createdAt,
      })
      .execute();
    const attached = await attachUploads(trx, message.attachmentIds, message.senderId, message.id);
    if (attached !== message.attachmentIds.length) throw new AttachmentUnavailableError();
    await trx
      .updateTable('users')
      .set((eb) => ({ message_count: eb('message_count', '+', 1) }))
      .where('id', '=', message.senderId)
      .execute();
    return room.last_seq;
  });
}

/** Multi-row inserts come in these sizes only, so that few distinct SQL texts are prepared. */
const INSERT_CHUNKS = [64, 16, 4, 1];

/**
 * Stores several messages in one transaction — one commit for all (group commit) — with the
 * same guarantees as `insertMessageWithSeq`: each room's seq is bumped once by the number of
 * its messages (gap-free, in the order given), every sender's counter moves with them, and
 * attachments are all-or-nothing. Rooms, then senders, are locked in id order, so two batches
 * (on two nodes) cannot deadlock. Returns the seqs in the order given. If anything fails —
 * a duplicate client id, an attachment — nothing is stored and the error is thrown.
 */
export async function insertMessagesWithSeqs(db: Db, batch: NewMessage[]): Promise<number[]> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return db.transaction().execute(async (trx) => {
    const byRoom = Map.groupBy(
      batch.map((message, index) => ({ message, index })),
      (item) => item.message.roomId,
    );
    const roomIds = [...byRoom.keys()].sort();
    // Every room's seq moves once, in one statement. PostgreSQL locks the rows first, in id
    // order (an UPDATE … FROM locks in whatever order its plan visits them); SQLite has one
    // writer at a time and no row locks.
    if (postgres)
      await sql`select id from rooms where id in (${sql.join(roomIds)}) order by id for update`.execute(trx);
    const bumps = roomIds.map((roomId) => {
      const items = byRoom.get(roomId) ?? [];
      const lastActivity = Math.max(...items.map((item) => item.message.createdAt));
      return sql`(${roomId}, cast(${items.length} as integer), cast(${lastActivity} as bigint))`;
    });
    const bumped = await sql<{ id: string; last_seq: number }>`
      with bump(room_id, n, at) as (values ${sql.join(bumps)})
      update rooms set last_seq = last_seq + bump.n, last_activity_at = bump.at
      from bump where rooms.id = bump.room_id
      returning id, last_seq`.execute(trx);
    const lastSeq = new Map(bumped.rows.map((row) => [row.id, Number(row.last_seq)]));
    const seqs = new Array<number>(batch.length);
    for (const roomId of roomIds) {
      const items = byRoom.get(roomId) ?? [];
      const last = lastSeq.get(roomId);
      if (last === undefined) throw new Error(`room ${roomId} does not exist`);
      let seq = last - items.length;
      for (const item of items) seqs[item.index] = ++seq;
    }
    const rows = batch.map((message, index) => ({
      id: message.id,
      room_id: message.roomId,
      seq: seqs[index] as number,
      sender_id: message.senderId,
      client_message_id: message.clientMessageId,
      body: message.body,
      sealed: message.sealed,
      created_at: message.createdAt,
    }));
    for (let at = 0; at < rows.length; ) {
      const size = INSERT_CHUNKS.find((n) => n <= rows.length - at) ?? 1;
      await trx
        .insertInto('messages')
        .values(rows.slice(at, at + size))
        .execute();
      at += size;
    }
    for (const message of batch) {
      const attached = await attachUploads(trx, message.attachmentIds, message.senderId, message.id);
      if (attached !== message.attachmentIds.length) throw new AttachmentUnavailableError();
    }
    // Every sender's counter, in one statement (locked in id order on PostgreSQL, as above).
    const bySender = Map.groupBy(batch, (message) => message.senderId);
    const senderIds = [...bySender.keys()].sort();
    if (postgres)
      await sql`select id from users where id in (${sql.join(senderIds)}) order by id for update`.execute(trx);
    const counts = senderIds.map(
      (senderId) => sql`(${senderId}, cast(${bySender.get(senderId)?.length ?? 0} as integer))`,
    );
    await sql`
      with sent(user_id, n) as (values ${sql.join(counts)})
      update users set message_count = message_count + sent.n
      from sent where users.id = sent.user_id`.execute(trx);
    return seqs;
  });
}

/**
 * One page of history, ascending. With `after`, the page starts just after it (catching up);
 * otherwise it ends just before `before` (or at the newest message). Both bounds use the
 * (room_id, seq) index, so a page costs the same in a room of ten messages or ten million.
 */
export async function listHistory(
  db: Db,
  roomId: string,
  page: { before?: number | undefined; after?: number | undefined; limit: number },
): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  let query = selectMessages(db).where('messages.room_id', '=', roomId);
  if (page.before !== undefined) query = query.where('messages.seq', '<', page.before);
  if (page.after !== undefined) query = query.where('messages.seq', '>', page.after);
  const forwards = page.after !== undefined;
  const rows = await query
    .orderBy('messages.seq', forwards ? 'asc' : 'desc')
    .limit(page.limit + 1)
    .execute();
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit).map(toMessageRow);
  return { rows: forwards ? pageRows : pageRows.reverse(), hasMore };
}
