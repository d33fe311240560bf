import { z } from 'zod';
import { PublicUser } from './auth.ts';
import { Id, INT32_MAX, RoomName } from './common.ts';
import { DeviceKeys, SealedMessage } from './e2e.ts';
import { AttachmentIds, ClientMessageId, EMPTY_MESSAGE, hasContent, Message, MessageBody } from './messages.ts';
import { RoomSummary } from './rooms.ts';

/**
 * The realtime protocol at `/ws`: JSON text frames, one object each, discriminated by `type`.
 * Client frames may carry a `ref` of the client's choosing; the answer to that frame (`joined`,
 * `left`, `ack`, `pong` or `error`) carries the same `ref`.
 */

export { CloseCode } from './constants.ts';

const Ref = z
  .string()
  .max(64)
  .optional()
  .describe(
    'Echoed in the reply to this frame (`hello`, `joined`, `left`, `ack`, `pong`), and in any `error` it causes.',
  );
const Seq = z.number().int().nonnegative().max(INT32_MAX, `must be at most ${INT32_MAX}`);

// ---------------------------------------------------------------- client → server

export const AuthFrame = z
  .object({ type: z.literal('auth'), ref: Ref, token: z.string().min(1).max(256) })
  .describe('First frame of a socket opened without a cookie or bearer header.');

export const JoinFrame = z
  .object({
    type: z.literal('join'),
    ref: Ref,
    roomId: Id.optional(),
    roomName: RoomName.optional(),
    lastSeq: Seq.optional().describe('The last seq this client has: the reply carries every message after it.'),
  })
  .refine((f) => (f.roomId === undefined) !== (f.roomName === undefined), {
    message: 'give exactly one of roomId and roomName',
    path: ['roomId'],
  })
  .describe('Enter a room (and become a member). A socket is in one room at a time: joining another leaves the first.');

export const LeaveFrame = z.object({ type: z.literal('leave'), ref: Ref, roomId: Id }).describe('Leave the room.');

export const SendFrame = z
  .object({
    type: z.literal('send'),
    ref: Ref,
    roomId: Id,
    clientMessageId: ClientMessageId,
    body: MessageBody,
    attachmentIds: AttachmentIds,
    sealed: SealedMessage.optional(),
  })
  .refine(hasContent, EMPTY_MESSAGE)
  .describe(
    'Post a message to the room this socket is in: text, files uploaded first with `POST /uploads`, or both. Retries with the same clientMessageId are stored once.',
  );

export const TypingFrame = z
  .object({ type: z.literal('typing'), roomId: Id, active: z.boolean() })
  .describe('Typing started (repeat every few seconds while typing) or stopped.');

export const ReadFrame = z
  .object({ type: z.literal('read'), ref: Ref, roomId: Id, seq: Seq })
  .describe('Everything up to this seq has been read. Never moves backwards.');

export const PingFrame = z.object({ type: z.literal('ping'), ref: Ref }).describe('Application-level ping.');

export const WatchRoomsFrame = z
  .object({ type: z.literal('watch_rooms'), ref: Ref, active: z.boolean() })
  .describe('Start (or stop) receiving `room_activity` for every room: what a room list needs to stay live.');

export const ClientFrame = z.discriminatedUnion('type', [
  AuthFrame,
  JoinFrame,
  LeaveFrame,
  SendFrame,
  TypingFrame,
  ReadFrame,
  PingFrame,
  WatchRoomsFrame,
]);
/** A frame as a client writes it (defaults may be left out). */
export type ClientFrame = z.input<typeof ClientFrame>;
/** A frame as the server handles it, after validation filled in defaults. */
export type ParsedClientFrame = z.output<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

// ---------------------------------------------------------------- server → client

export const HelloFrame = z
  .object({
    type: z.literal('hello'),
    ref: Ref,
    protocolVersion: z.number().int(),
    connectionId: z.string(),
    user: PublicUser,
    heartbeatMs: z.number().int().describe('The server pings this often; a peer that misses a pong is dropped.'),
    limits: z.object({
      maxFrameBytes: z.number().int(),
      sendsPerSecond: z.number(),
      typingTimeoutMs: z.number().int(),
    }),
  })
  .describe('The socket is authenticated.');

export const ReadPosition = z.object({ userId: Id, seq: Seq });

export const JoinedFrame = z
  .object({
    type: z.literal('joined'),
    ref: Ref,
    room: RoomSummary,
    present: z.array(PublicUser).describe('Everyone in the room right now, you included.'),
    reads: z.array(ReadPosition).describe('Each member\'s last read seq, for "seen".'),
    latestSeq: Seq,
    messages: z
      .array(Message)
      .describe('With lastSeq: every message after it. Without: the most recent ones. Ascending seq.'),
    hasMore: z.boolean().describe('Older messages exist before messages[0] (fetch them over REST).'),
    resumed: z
      .boolean()
      .describe('True when messages are exactly those after lastSeq; false when the client must start afresh.'),
  })
  .describe('The join snapshot.');

export const LeftFrame = z
  .object({
    type: z.literal('left'),
    ref: Ref,
    roomId: Id,
    reason: z
      .string()
      .optional()
      .describe(
        'Set when the server took this socket out of the room: the membership ended elsewhere (left over REST, on another device).',
      ),
  })
  .describe('You left the room: the answer to `leave`, or unasked (with `reason`) when your membership ended.');

export const MessageFrame = z.object({ type: z.literal('message'), message: Message }).describe('A new message.');

export const AckFrame = z
  .object({ type: z.literal('ack'), ref: Ref, message: Message })
  .describe('Your message is stored: its id, seq and time.');

export const PresenceFrame = z
  .object({ type: z.literal('presence'), roomId: Id, action: z.enum(['join', 'leave']), user: PublicUser })
  .describe('Someone entered or left the room (their first socket in, or their last socket out).');

export const TypingNoticeFrame = z
  .object({
    type: z.literal('typing'),
    roomId: Id,
    user: PublicUser,
    active: z.boolean(),
    expiresInMs: z.number().int().describe('Treat it as stopped after this long without a refresh.'),
  })
  .describe('Someone started or stopped typing.');

export const ReadNoticeFrame = z
  .object({ type: z.literal('read'), roomId: Id, userId: Id, seq: Seq })
  .describe('A member read up to this seq.');

export const PongFrame = z.object({ type: z.literal('pong'), ref: Ref }).describe('The answer to a `ping`.');

export const WatchingFrame = z
  .object({ type: z.literal('watching'), ref: Ref, active: z.boolean() })
  .describe('The answer to `watch_rooms`.');

export const RoomActivityFrame = z
  .object({
    type: z.literal('room_activity'),
    roomId: Id,
    onlineCount: z.number().int().nonnegative(),
    latestSeq: Seq.optional().describe(
      'Present when a message was posted: the room’s newest seq (= its message count).',
    ),
    lastActivityAt: z.iso.datetime().optional(),
  })
  .describe(
    'Something changed in a room, for sockets that watch rooms. Sent at most about four times a second per room. An unknown roomId is a new room: refetch the list.',
  );

export const WsErrorCode = z.enum([
  'bad_frame',
  'unknown_type',
  'validation_failed',
  'unauthorized',
  'not_in_room',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'internal',
]);
export type WsErrorCode = z.infer<typeof WsErrorCode>;

export const ErrorFrame = z
  .object({
    type: z.literal('error'),
    ref: Ref,
    code: WsErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  })
  .describe('A frame was refused. The socket stays open.');

export const KeyRequestFrame = z
  .object({ type: z.literal('key_request'), roomId: Id, device: DeviceKeys })
  .describe(
    "An encrypted room's new member asks for the key: a member's client checks the device and answers with an envelope.",
  );

export const KeyAvailableFrame = z
  .object({
    type: z.literal('key_available'),
    roomId: Id,
    recipientDeviceId: z.string(),
    epoch: z.number().int().positive(),
  })
  .describe('An envelope for this device is waiting: fetch it with GET /rooms/:roomId/envelopes.');

export const ReconnectFrame = z
  .object({ type: z.literal('reconnect'), reason: z.string() })
  .describe('The server is going away: reconnect (you may land on another node) and resume.');

export const ResyncFrame = z
  .object({
    type: z.literal('resync'),
    roomId: Id,
    reason: z.string(),
  })
  .describe(
    'Live events for this room may have been missed (the server lost its link to the other nodes for a while): join the room again with your lastSeq to catch up on messages, presence and reads.',
  );

export const ServerFrame = z.discriminatedUnion('type', [
  HelloFrame,
  JoinedFrame,
  LeftFrame,
  MessageFrame,
  AckFrame,
  PresenceFrame,
  TypingNoticeFrame,
  ReadNoticeFrame,
  PongFrame,
  WatchingFrame,
  RoomActivityFrame,
  KeyRequestFrame,
  KeyAvailableFrame,
  ErrorFrame,
  ReconnectFrame,
  ResyncFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
