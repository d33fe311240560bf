import type { Message, ParsedClientFrame, ServerFrame } from '@tandem/protocol';
import type { Services } from '../services/index.ts';
import type { Connection } from './connection.ts';
import type { PresenceDirectory } from './presence.ts';
import type { RoomHub } from './room-hub.ts';
import type { TypingLeases } from './typing.ts';

/** Most missed messages a resume sends in its snapshot; past that the client starts afresh. */
export const CATCH_UP_LIMIT = 1000;
/** Messages in a fresh join snapshot. */
export const SNAPSHOT_MESSAGES = 50;

export type HandlerDeps = {
  services: Services;
  hub: RoomHub;
  presence: PresenceDirectory;
  typing: TypingLeases;
  typingTimeoutMs: number;
};

type Frame<T extends ParsedClientFrame['type']> = Extract<ParsedClientFrame, { type: T }>;

const send = (connection: Connection, frame: ServerFrame) => connection.send(JSON.stringify(frame));

export class NotInRoomError extends Error {}

/**
 * A frame failed on our side (the database did not answer…): its message is a sentence for the
 * client, sent in an `internal` error frame with the frame's ref; the cause is logged.
 */
export class FrameFailedError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'FrameFailedError';
  }
}

/** A join whose snapshot could not be read. */
export const ROOM_NOT_LOADED = 'could not load the room just now; try again';

/** What each client frame does, once the gateway has authenticated and validated it. */
export function frameHandlers(deps: HandlerDeps) {
  const { services, hub, presence, typing } = deps;

  const typingNotice = (roomId: string, connection: Connection, active: boolean): ServerFrame => ({
    type: 'typing',
    roomId,
    user: connection.publicUser,
    active,
    expiresInMs: deps.typingTimeoutMs,
  });

  function requireInRoom(connection: Connection, roomId: string, action: string): void {
    if (connection.roomId !== roomId) {
      throw new NotInRoomError(`You are not in this room. Join it before you ${action}.`);
    }
  }

  /** Takes the socket out of its room: the room hears who left if it was their last socket there. */
  function leaveCurrentRoom(connection: Connection): string | null {
    const roomId = connection.roomId;
    if (!roomId) return null;
    connection.roomId = null;
    hub.exit(connection, roomId);
    if (typing.stop(roomId, connection.user.id)) hub.broadcast(roomId, typingNotice(roomId, connection, false));
    presence.remove(roomId, connection.publicUser);
    return roomId;
  }

  async function join(connection: Connection, frame: Frame<'join'>): Promise<void> {
    const room = frame.roomId
      ? await services.rooms.joinById(frame.roomId, connection.user)
      : (await services.rooms.joinByName({ name: frame.roomName ?? '', create: false }, connection.user)).room;
    const alreadyHere = connection.roomId === room.id;
    if (!alreadyHere) leaveCurrentRoom(connection);

    // From here until the snapshot is out, live events for this socket are held back.
    connection.holdLiveEvents();
    if (!alreadyHere) {
      // Presence first: the others hear of the joiner, the joiner is not told of itself.
      presence.add(room.id, connection.publicUser);
      hub.enter(connection, room.id);
      connection.roomId = room.id;
    }
    // Who is here as of now: a change from here on is held and follows the snapshot, so read
    // later (after the awaits below) a newcomer would be both in the list and announced.
    const present = presence.present(room.id);

    // Set once the snapshot is out: the held events after it are sent, else none is.
    let deliveredSeq: number | null = null;
    try {
      let messages: Message[];
      let resumed = false;
      if (frame.lastSeq !== undefined && frame.lastSeq <= room.latestSeq) {
        const missed = await services.messages.page(room.id, { after: frame.lastSeq, limit: CATCH_UP_LIMIT });
        resumed = !missed.hasMore;
        messages = resumed ? missed.messages : [];
      } else {
        messages = [];
      }
      if (!resumed) messages = (await services.messages.page(room.id, { limit: SNAPSHOT_MESSAGES })).messages;
      const reads = await services.rooms.readPositions(room.id);

      const newest = messages.at(-1)?.seq ?? 0;
      send(connection, {
        type: 'joined',
        ...(frame.ref === undefined ? {} : { ref: frame.ref }),
        room,
        present,
        reads,
        latestSeq: Math.max(room.latestSeq, newest),
        messages,
        hasMore: (messages[0]?.seq ?? 1) > 1,
        resumed,
      });
      deliveredSeq = resumed ? Math.max(frame.lastSeq ?? 0, newest) : newest;
    } catch (error) {
      // No snapshot: the socket is taken out of the room again (the others see it leave), so
      // that it is in no room whose events it cannot place, and the client's retry of the
      // join starts clean, with a snapshot of its own.
      if (connection.roomId === room.id) leaveCurrentRoom(connection);
      throw new FrameFailedError(ROOM_NOT_LOADED, error);
    } finally {
      // Whatever happened, nothing stays held (held events are not bounded by the send buffer):
      // after a snapshot they go out, minus what it carried; without one they are dropped (the
      // retry's snapshot has them).
      if (deliveredSeq === null) connection.dropLiveEvents();
      else connection.releaseLiveEvents(deliveredSeq);
    }
  }

  function leave(connection: Connection, frame: Frame<'leave'>): void {
    requireInRoom(connection, frame.roomId, 'leave it');
    leaveCurrentRoom(connection);
    send(connection, { type: 'left', ...(frame.ref === undefined ? {} : { ref: frame.ref }), roomId: frame.roomId });
  }

  async function sendMessage(connection: Connection, frame: Frame<'send'>): Promise<void> {
    requireInRoom(connection, frame.roomId, 'send to it');
    const ack = (message: Message) =>
      send(connection, { type: 'ack', ...(frame.ref === undefined ? {} : { ref: frame.ref }), message });
    const { message, created } = await services.messages.post(
      frame.roomId,
      connection.user,
      {
        clientMessageId: frame.clientMessageId,
        body: frame.body,
        attachmentIds: frame.attachmentIds,
        sealed: frame.sealed,
      },
      {
        // Persisted; now the sender hears first, its typing ends, then the room gets the message.
        beforeFanout: (stored) => {
          ack(stored);
          if (typing.stop(frame.roomId, connection.user.id)) {
            hub.broadcast(frame.roomId, typingNotice(frame.roomId, connection, false));
          }
        },
      },
    );
    if (!created) ack(message);
  }

  function setTyping(connection: Connection, frame: Frame<'typing'>): void {
    requireInRoom(connection, frame.roomId, 'type in it');
    if (frame.active) {
      if (typing.start(frame.roomId, connection.publicUser)) {
        hub.broadcast(frame.roomId, typingNotice(frame.roomId, connection, true));
      }
    } else if (typing.stop(frame.roomId, connection.user.id)) {
      hub.broadcast(frame.roomId, typingNotice(frame.roomId, connection, false));
    }
  }

  async function read(connection: Connection, frame: Frame<'read'>): Promise<void> {
    requireInRoom(connection, frame.roomId, 'mark it read');
    const seq = await services.rooms.markRead(frame.roomId, connection.user.id, frame.seq);
    if (seq !== null)
      hub.broadcast(frame.roomId, { type: 'read', roomId: frame.roomId, userId: connection.user.id, seq });
  }

  /** A typing lease ran out without a refresh. */
  function typingExpired(roomId: string, user: Connection['publicUser']): void {
    hub.broadcast(roomId, { type: 'typing', roomId, user, active: false, expiresInMs: deps.typingTimeoutMs });
  }

  return { join, leave, sendMessage, setTyping, read, leaveCurrentRoom, typingExpired };
}
export type FrameHandlers = ReturnType<typeof frameHandlers>;
