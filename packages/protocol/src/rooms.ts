import { z } from 'zod';
import { PublicUser } from './auth.ts';
import { Id, RoomName, Timestamp, Username } from './common.ts';
import { examplePublicUser, exampleRoom, exampleRoomSummary } from './examples.ts';

export const RoomKind = z
  .enum(['chat', 'code'])
  .describe('`chat` rooms hold messages; `code` rooms add a shared editor.');
export type RoomKind = z.infer<typeof RoomKind>;

export const Room = z
  .object({
    id: Id,
    name: z.string(),
    kind: RoomKind,
    encrypted: z.boolean().describe('Messages are end-to-end encrypted; the server only stores ciphertext.'),
    createdBy: Id.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Room' });
export type Room = z.infer<typeof Room>;

export const CreateRoomRequest = z
  .object({
    name: RoomName.optional().describe('Omit it and the room gets a readable generated name.'),
    kind: RoomKind.default('chat'),
    encrypted: z
      .boolean()
      .default(false)
      .describe('End-to-end encrypted messages; chat rooms only (a code room’s shared document is not encrypted).'),
  })
  // The shared editor's document is plaintext on the server: a lock on a code room would lie.
  .refine((room) => !(room.kind === 'code' && room.encrypted), {
    message: "Code rooms can't be end-to-end encrypted yet: create a chat room to encrypt, or a code room without.",
    path: ['encrypted'],
  })
  .meta({ id: 'CreateRoomRequest', examples: [{ name: 'Team Unicorns', kind: 'chat', encrypted: false }, {}] });
export type CreateRoomRequest = z.input<typeof CreateRoomRequest>;

export const CreateRoomResponse = z
  .object({ roomId: Id, room: Room })
  .meta({ id: 'CreateRoomResponse', examples: [{ roomId: exampleRoom.id, room: exampleRoom }] });
export type CreateRoomResponse = z.infer<typeof CreateRoomResponse>;

export const Membership = z
  .object({
    joinedAt: Timestamp,
    lastReadSeq: z.number().int().nonnegative(),
    unreadCount: z.number().int().nonnegative(),
  })
  .meta({ id: 'Membership' });
export type Membership = z.infer<typeof Membership>;

export const RoomSummary = Room.extend({
  messageCount: z.number().int().nonnegative(),
  memberCount: z.number().int().nonnegative(),
  latestSeq: z.number().int().nonnegative(),
  onlineCount: z.number().int().nonnegative().describe('People in the room right now, on any node.'),
  lastActivityAt: Timestamp,
  membership: Membership.nullable().describe('Your membership, when you are signed in and a member.'),
}).meta({ id: 'RoomSummary', examples: [exampleRoomSummary] });
export type RoomSummary = z.infer<typeof RoomSummary>;

export const RoomListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(200),
  joined: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('`true`: only rooms you are a member of.'),
});

export const RoomListResponse = z.object({ rooms: z.array(RoomSummary) }).meta({
  id: 'RoomList',
  examples: [
    {
      rooms: [exampleRoomSummary],
    },
  ],
});
export type RoomListResponse = z.infer<typeof RoomListResponse>;

export const RoomParams = z.object({ roomId: Id });

export const JoinByNameRequest = z
  .object({
    name: RoomName,
    create: z.boolean().default(true).describe('Create the room when no room has this name (default true).'),
    username: Username.optional().describe(
      'Without a session: join as a new guest with this username (a session cookie and token are returned).',
    ),
  })
  .meta({ id: 'JoinByNameRequest', examples: [{ name: 'Room 1' }, { name: 'Team Unicorns', username: 'alice' }] });
export type JoinByNameRequest = z.input<typeof JoinByNameRequest>;

export const JoinResponse = z
  .object({
    room: RoomSummary,
    created: z.boolean().describe('True when this call created the room.'),
    session: z
      .object({ token: z.string(), expiresAt: Timestamp, user: PublicUser })
      .optional()
      .describe('Present when the call signed you in as a new guest.'),
  })
  .meta({
    id: 'JoinResponse',
    examples: [
      { room: exampleRoomSummary, created: false },
      {
        room: { ...exampleRoomSummary, messageCount: 0, latestSeq: 0, memberCount: 1 },
        created: true,
        session: {
          token: 'kq0m8Yd2b1vS6cJ3nW5tF7hR9xL4pZ0aE2gU8iO6yTk',
          expiresAt: '2026-12-21T11:31:00.000Z',
          user: { ...examplePublicUser, name: null, guest: true },
        },
      },
    ],
  });
export type JoinResponse = z.infer<typeof JoinResponse>;

export const Member = z
  .object({
    user: PublicUser,
    joinedAt: Timestamp,
    lastReadSeq: z.number().int().nonnegative(),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof Member>;

export const MemberListResponse = z.object({ members: z.array(Member) }).meta({
  id: 'MemberList',
  examples: [
    {
      members: [
        {
          user: examplePublicUser,
          joinedAt: '2026-11-21T11:00:00.000Z',
          lastReadSeq: 42,
        },
      ],
    },
  ],
});
export type MemberListResponse = z.infer<typeof MemberListResponse>;
