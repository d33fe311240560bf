import type { HistoryResponse, Message, Room, SealedMessage, User } from '@tandem/protocol';
import type { Clock } from '../clock.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import { messageId } from '../ids.ts';
import { type Db, isUniqueViolation } from '../store/db.ts';
import { findDevice } from '../store/e2e.repository.ts';
import * as messages from '../store/messages.repository.ts';
import * as rooms from '../store/rooms.repository.ts';
import { listAttachments } from '../store/uploads.repository.ts';
import { attachmentMapper, type StoredRoom, toMessage, toRoom } from './mappers.ts';
import type { RoomsService } from './rooms.service.ts';

export type MessagesDeps = {
  db: Db;
  clock: Clock;
  rooms: RoomsService;
  /** Group-commit batches under way at once (see groupCommitter). */
  concurrentCommits?: number;
  /** UPLOADS_ORIGIN: attachment links point there. */
  filesOrigin?: string | undefined;
};

/** Listeners are told about each newly stored message (the realtime hub fans it out). */
export type MessageListener = (message: Message) => void;

/** A validated send: trimmed text (possibly empty), upload ids, and in encrypted rooms the ciphertext. */
export type NewPost = {
  clientMessageId: string;
  body: string;
  attachmentIds: string[];
  sealed?: SealedMessage | undefined;
};

export type PostOptions = {
  /** Runs after the message is stored and before anyone else is told: the sender's ack. */
  beforeFanout?: (message: Message) => void;
};

/** Most messages committed together. */
const GROUP_COMMIT_MAX = 500;

/**
 * Group commit: every message that reaches the store in the same event-loop turn (and while a
 * commit is under way, every one that arrives meanwhile) is stored in one transaction, so a
 * burst of sends costs one commit instead of one each. A batch that fails (a retry that raced
 * itself, an attachment taken meanwhile) is stored again one message per transaction, so each
 * message gets its own outcome, exactly as without batching.
 *
 * `concurrency` batches may be under way at once (PostgreSQL: while one waits for its commit to
 * be flushed, the next is built on another pooled connection). Batches lock rooms, then
 * senders, in id order, and a room's row lock is held to the commit, so a room's seqs are still
 * committed, and so announced, in order.
 */
export function groupCommitter(db: Db, concurrency = 1) {
  type Pending = { message: messages.NewMessage; resolve: (seq: number) => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  let scheduled = false;
  let committing = 0;

  const storeAlone = async (item: Pending) => {
    try {
      item.resolve(await messages.insertMessageWithSeq(db, item.message));
    } catch (error) {
      item.reject(error);
    }
  };

  async function commit(): Promise<void> {
    scheduled = false;
    if (committing >= concurrency || queue.length === 0) return;
    committing += 1;
    const batch = queue.slice(0, GROUP_COMMIT_MAX);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    try {
      if (batch.length === 1) await storeAlone(batch[0] as Pending);
      else {
        let seqs: number[] | null = null;
        try {
          seqs = await messages.insertMessagesWithSeqs(
            db,
            batch.map((item) => item.message),
          );
        } catch {
          for (const item of batch) await storeAlone(item);
        }
        if (seqs) for (const [i, item] of batch.entries()) item.resolve(seqs[i] as number);
      }
    } finally {
      committing -= 1;
      if (queue.length > 0) schedule();
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void commit());
  }

  /** Stores the message under its room's next seq; resolves with the seq once committed. */
  return (message: messages.NewMessage): Promise<number> =>
    new Promise((resolve, reject) => {
      queue.push({ message, resolve, reject });
      schedule();
    });
}

export function messagesService({ db, clock, rooms: roomsService, concurrentCommits = 1, filesOrigin }: MessagesDeps) {
  const toAttachment = attachmentMapper(filesOrigin);
  const listeners = new Set<MessageListener>();
  const store = groupCommitter(db, concurrentCommits);

  async function requireMember(roomId: string, user: User, action: string): Promise<StoredRoom> {
    const room = await roomsService.requireRoom(roomId);
    if (!(await rooms.findMembership(db, roomId, user.id))) {
      throw forbidden(`You are not a member of this room. Join it before you ${action}.`);
    }
    return room;
  }

  /**
   * Encrypted rooms take ciphertext only, sealed for this room and message by one of the
   * sender's own devices; other rooms never take ciphertext. The server cannot check the
   * encryption itself (it has no key) — members' clients verify the signature and open it.
   */
  async function checkEncryption(room: Room, user: User, input: NewPost): Promise<void> {
    if (!room.encrypted) {
      if (input.sealed) throw badRequest('This room is not encrypted: send the text in "body".', { field: 'sealed' });
      return;
    }
    if (!input.sealed || input.body !== '') {
      throw badRequest(
        'This room is end-to-end encrypted: send the message encrypted ("sealed") with an empty "body"; plain text is refused.',
        { field: 'body' },
      );
    }
    const { sealed } = input;
    if (sealed.roomId !== room.id || sealed.clientMessageId !== input.clientMessageId) {
      throw badRequest('The sealed message is for another room or message id.', { field: 'sealed' });
    }
    const device = await findDevice(db, sealed.senderDeviceId);
    if (device?.user_id !== user.id) {
      throw badRequest('The sealed message names a device that is not yours. Publish your device keys first.', {
        field: 'sealed.senderDeviceId',
      });
    }
  }

  /** Rows to messages, with their attachments in one query for the whole page. */
  async function withAttachments(rows: messages.MessageRow[]): Promise<Message[]> {
    const uploads = await listAttachments(
      db,
      rows.map((r) => r.id),
    );
    const byMessage = Map.groupBy(uploads, (u) => u.message_id ?? '');
    return rows.map((row) => toMessage(row, (byMessage.get(row.id) ?? []).map(toAttachment)));
  }

  /**
   * An earlier send with the same client id: the same message, or a conflict if anything differs
   * — the room, the text, the ciphertext (an encrypted room's body is always empty) or the files.
   */
  async function replayOf(existing: messages.MessageRow, roomId: string, input: NewPost): Promise<Message> {
    const [message] = await withAttachments([existing]);
    if (!message) throw new Error('a stored message could not be read back');
    const sameFiles =
      message.attachments
        .map((a) => a.id)
        .sort()
        .join(',') === [...input.attachmentIds].sort().join(',');
    if (
      existing.room_id !== roomId ||
      existing.body !== input.body ||
      existing.sealed !== (input.sealed ? JSON.stringify(input.sealed) : null) ||
      !sameFiles
    ) {
      throw conflict('This clientMessageId was already used for a different message. Use a new id for a new message.', {
        field: 'clientMessageId',
      });
    }
    return message;
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
      user: User,
      input: NewPost,
      options: PostOptions = {},
    ): Promise<{ message: Message; created: boolean }> {
      // The room, the membership and a possible earlier send, in one query: the send path's reads.
      const context = await messages.findSendContext(db, roomId, user.id, input.clientMessageId);
      if (!context) await roomsService.requireRoom(roomId); // throws: no such room
      if (!context?.member) throw forbidden('You are not a member of this room. Join it before you post to it.');
      await checkEncryption(toRoom(context.room), user, input);
      const earlier = context.earlierId
        ? await messages.findMessageByClientId(db, user.id, input.clientMessageId)
        : undefined;
      if (earlier) return { message: await replayOf(earlier, roomId, input), created: false };
      const id = messageId();
      const createdAt = clock.now();
      try {
        const seq = await store({
          id,
          roomId,
          senderId: user.id,
          clientMessageId: input.clientMessageId,
          body: input.body,
          createdAt,
          attachmentIds: input.attachmentIds,
          sealed: input.sealed ? JSON.stringify(input.sealed) : null,
        });
        const row: messages.MessageRow = {
          id,
          room_id: roomId,
          seq,
          sender_id: user.id,
          client_message_id: input.clientMessageId,
          body: input.body,
          sealed: input.sealed ? JSON.stringify(input.sealed) : null,
          created_at: createdAt,
          sender_username: user.username,
          sender_name: user.name,
          sender_guest: user.guest,
        };
        const [message] = input.attachmentIds.length > 0 ? await withAttachments([row]) : [toMessage(row)];
        if (!message) throw new Error('a stored message could not be read back');
        options.beforeFanout?.(message);
        for (const listener of listeners) listener(message);
        return { message, created: true };
      } catch (error) {
        if (error instanceof messages.AttachmentUnavailableError) {
          throw badRequest(
            'An attachment is unknown, not yours, or already in another message. Upload the file again and attach the new one.',
            { field: 'attachmentIds' },
          );
        }
        if (!isUniqueViolation(error)) throw error;
        // The same send raced itself (two retries at once): the first one won.
        const winner = await messages.findMessageByClientId(db, user.id, input.clientMessageId);
        if (!winner) throw error;
        return { message: await replayOf(winner, roomId, input), created: false };
      }
    },

    /** A page of history without a membership check: for callers that checked already. */
    async page(roomId: string, page: { before?: number; after?: number; limit: number }) {
      const { rows, hasMore } = await messages.listHistory(db, roomId, page);
      return { messages: await withAttachments(rows), hasMore };
    },

    async history(
      roomId: string,
      user: User,
      page: { before?: number | undefined; after?: number | undefined; limit: number },
    ): Promise<HistoryResponse> {
      const room = await requireMember(roomId, user, 'read its messages');
      const { rows, hasMore } = await messages.listHistory(db, roomId, page);
      // A message stored between the two reads may be newer than the room row we read.
      const latestSeq = Math.max(room.latestSeq, rows.at(-1)?.seq ?? 0);
      return { messages: await withAttachments(rows), hasMore, latestSeq };
    },
  };
}
export type MessagesService = ReturnType<typeof messagesService>;
