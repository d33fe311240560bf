import { describe, expect, it } from 'vitest';
import { room } from '../../test/fixtures.ts';
import { applyRoomActivity, unreadCount } from './roomActivity.ts';

describe('applyRoomActivity', () => {
  it('updates online count, message count and last activity of a known room', () => {
    const rooms = [room({ latestSeq: 3, messageCount: 3 })];
    const known = applyRoomActivity(rooms, {
      type: 'room_activity',
      roomId: rooms[0]?.id ?? '',
      onlineCount: 2,
      latestSeq: 5,
      lastActivityAt: '2026-11-21T12:00:00.000Z',
    });
    expect(known).toBe(true);
    expect(rooms[0]).toMatchObject({
      onlineCount: 2,
      latestSeq: 5,
      messageCount: 5,
      lastActivityAt: '2026-11-21T12:00:00.000Z',
    });
  });

  it('reports an unknown room, which means the list must be fetched again', () => {
    expect(applyRoomActivity([room()], { type: 'room_activity', roomId: 'another-room-1', onlineCount: 1 })).toBe(
      false,
    );
  });
});

describe('unreadCount', () => {
  it('is latestSeq minus what the member read, and null for non-members', () => {
    const membership = { joinedAt: '2026-11-21T10:00:00.000Z', lastReadSeq: 3, unreadCount: 0 };
    expect(unreadCount(room({ latestSeq: 7, membership }))).toBe(4);
    expect(unreadCount(room({ latestSeq: 7 }))).toBeNull();
  });
});
