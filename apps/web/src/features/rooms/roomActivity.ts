import type { RoomSummary, ServerFrameOf } from '@tandem/protocol';

/**
 * Applies a `roomActivity` event to the room list in place. Returns false when the room is not
 * in the list, which means it is new and the list must be fetched again.
 */
export function applyRoomActivity(rooms: RoomSummary[], activity: ServerFrameOf<'room_activity'>): boolean {
  const room = rooms.find((r) => r.id === activity.roomId);
  if (!room) return false;
  room.onlineCount = activity.onlineCount;
  if (activity.latestSeq !== undefined && activity.latestSeq > room.latestSeq) {
    room.latestSeq = activity.latestSeq;
    // Seqs have no gaps and messages are never deleted, so the newest seq is the message count.
    room.messageCount = activity.latestSeq;
  }
  if (activity.lastActivityAt) room.lastActivityAt = activity.lastActivityAt;
  return true;
}

/** Messages a member has not read yet; null for rooms the person is not a member of. */
export function unreadCount(room: RoomSummary): number | null {
  if (!room.membership) return null;
  return Math.max(0, room.latestSeq - room.membership.lastReadSeq);
}
