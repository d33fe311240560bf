import type { HistoryResponse, Message, PostMessageRequest } from '@tandem/protocol';
import type { Clock } from '../clock.ts';
import { conflict, forbidden } from '../errors.ts';
import { messageId } from '../ids.ts';
import { type Db, isUniqueViolation } from '../store/db.ts';
import * as messages from '../store/messages.repository.ts';
import * as rooms from '../store/rooms.repository.ts';
import type { UserRow } from '../store/users.repository.ts';
import { toMessage } from './mappers.ts';
import type { RoomsService } from './rooms.service.ts';

export type MessagesDeps = { db: Db; clock: Clock; rooms: RoomsService };

/** Listeners are told about each newly stored message (the realtime hub fans it out). */
export type MessageListener = (message: Message) => void;

export type PostOptions = {
  /** Runs after the message is stored and before anyone else is told: the sender's ack. */
  beforeFanout?: (message: Message) => void;
};

export function messagesService({ db, clock, rooms: roomsService }: MessagesDeps) {
  const listeners = new Set<MessageListener>();

  async function requireMember(roomId: string, user: UserRow, action: string): Promise<rooms.RoomRow> {
    const room = await roomsService.requireRoom(roomId);
    if (!(await rooms.findMembership(db, roomId, user.id))) {
      throw forbidden(`You are not a member of this room. Join it before you ${action}.`);
    }
    return room;
  }

  /** An earlier send with the same client id: the same message, or a conflict if it differs. */
  function replayOf(existing: messages.MessageRow, roomId: string, body: string): Message {
    if (existing.room_id !== roomId || existing.body !== body) {
      throw conflict('This clientMessageId was already used for a different message. Use a new id for a new message.', {
        field: 'clientMessageId',
      });
    }
    return toMessage(existing);
  }

  return {
    onMessage(listener: MessageListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /**
     * Stores a message (persist before anyone is told) and returns it with `created: false`
     * when it is a retry of a message stored before.
     */
    async post(
      roomId: string,
      user: UserRow,
      input: PostMessageRequest,
      options: PostOptions = {},
    ): Promise<{ message: Message; created: boolean }> {
      await requireMember(roomId, user, 'post to it');
      const earlier = await messages.findMessageByClientId(db, user.id, input.clientMessageId);
      if (earlier) return { message: replayOf(earlier, roomId, input.body), created: false };
      const id = messageId();
      const createdAt = clock.now();
      try {
        const seq = await messages.insertMessageWithSeq(db, {
          id,
          roomId,
          senderId: user.id,
          clientMessageId: input.clientMessageId,
          body: input.body,
          createdAt,
        });
        const message = toMessage({
          id,
          room_id: roomId,
          seq,
          sender_id: user.id,
          client_message_id: input.clientMessageId,
          body: input.body,
          created_at: createdAt,
          sender_username: user.username,
          sender_name: user.name,
          sender_password_hash: user.password_hash,
        });
        options.beforeFanout?.(message);
        for (const listener of listeners) listener(message);
        return { message, created: true };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same send raced itself (two retries at once): the first one won.
        const winner = await messages.findMessageByClientId(db, user.id, input.clientMessageId);
        if (!winner) throw error;
        return { message: replayOf(winner, roomId, input.body), created: false };
      }
    },

    /** A page of history without a membership check: for callers that checked already. */
    async page(roomId: string, page: { before?: number; after?: number; limit: number }) {
      const { rows, hasMore } = await messages.listHistory(db, roomId, page);
      return { messages: rows.map(toMessage), hasMore };
    },

    async history(
      roomId: string,
      user: UserRow,
      page: { before?: number | undefined; after?: number | undefined; limit: number },
    ): Promise<HistoryResponse> {
      const room = await requireMember(roomId, user, 'read its messages');
      const { rows, hasMore } = await messages.listHistory(db, roomId, page);
      // A message stored between the two reads may be newer than the room row we read.
      return { messages: rows.map(toMessage), hasMore, latestSeq: Math.max(room.last_seq, rows.at(-1)?.seq ?? 0) };
    },
  };
}
export type MessagesService = ReturnType<typeof messagesService>;
