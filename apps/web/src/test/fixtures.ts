import type { Message, PublicUser, RoomSummary, ServerFrameOf, User } from '@tandem/protocol';

export const alice: PublicUser = { id: 'alice-id-0001', username: 'alice', name: 'Alice Liddell', guest: false };
export const bob: PublicUser = { id: 'bob-id-00001', username: 'bob', name: null, guest: false };

export const asUser = (user: PublicUser): User => ({
  ...user,
  email: `${user.username}@example.com`,
  createdAt: '2026-11-01T10:00:00.000Z',
});

export const ROOM_ID = 'room-id-0001';

export function room(overrides: Partial<RoomSummary> = {}): RoomSummary {
  return {
    id: ROOM_ID,
    name: 'Team Unicorns',
    kind: 'chat',
    encrypted: false,
    createdBy: alice.id,
    createdAt: '2026-11-21T10:00:00.000Z',
    messageCount: 0,
    memberCount: 2,
    latestSeq: 0,
    onlineCount: 0,
    lastActivityAt: '2026-11-21T10:00:00.000Z',
    membership: null,
    ...overrides,
  };
}

export function message(seq: number, sender: PublicUser, body = `message ${seq}`, createdAt?: string): Message {
  return {
    id: `msg-${seq}`,
    roomId: ROOM_ID,
    seq,
    sender,
    clientMessageId: `cm-${sender.username}-${seq}`,
    body,
    attachments: [],
    sealed: null,
    createdAt: createdAt ?? new Date(Date.UTC(2026, 10, 21, 11, 31, seq % 60)).toISOString(),
  };
}

export function joined(overrides: Partial<ServerFrameOf<'joined'>> = {}): ServerFrameOf<'joined'> {
  const messages = overrides.messages ?? [];
  const latestSeq = messages.at(-1)?.seq ?? 0;
  return {
    type: 'joined',
    room: room({ latestSeq, messageCount: latestSeq }),
    present: [alice],
    reads: [],
    latestSeq,
    messages,
    hasMore: false,
    resumed: false,
    ...overrides,
  };
}

/** An error answer in the server's one shape. */
export function apiError(status: number, code: string, message: string, details?: unknown) {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}
