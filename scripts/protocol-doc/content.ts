// Example frames and the meanings of codes, kept apart from the rendering. Every example is
// validated against its schema when the document is rendered.

import { loadConfig } from '../../apps/server/src/config.ts';
import {
  exampleAttachment,
  exampleDeviceKeys,
  exampleMessage,
  examplePublicUser,
  exampleRoom,
  exampleRoomSummary,
} from '../../packages/protocol/src/examples.ts';
import {
  type ClientFrame,
  type CloseCode,
  PROTOCOL_VERSION,
  type ServerFrame,
  type ServerFrameOf,
  type WsErrorCode,
} from '../../packages/protocol/src/index.ts';

// ---------------------------------------------------------------- examples

/** What the server announces in `hello` unless configured otherwise. */
export const defaults = loadConfig({}).realtime;

type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

const roomId = exampleRoom.id;
const exampleToken = 'kq0m8Yd2b1vS6cJ3nW5tF7hR9xL4pZ0aE2gU8iO6yTk';
const earlierMessage = { ...exampleMessage, id: '0193a5c2-8a4f-7b21-8c3d-5e6f7a8b9c0c', seq: exampleMessage.seq - 1 };

/** One example per client frame type; each is validated against its schema when the doc is made. */
export const clientExamples: { [T in ClientFrame['type']]: ClientFrameOf<T> } = {
  auth: { type: 'auth', ref: 'a-1', token: exampleToken },
  join: { type: 'join', ref: 'j-1', roomId, lastSeq: exampleRoomSummary.membership.lastReadSeq },
  leave: { type: 'leave', ref: 'l-1', roomId },
  send: {
    type: 'send',
    ref: 's-1',
    roomId,
    clientMessageId: exampleMessage.clientMessageId,
    body: exampleMessage.body,
    attachmentIds: [exampleAttachment.id],
  },
  typing: { type: 'typing', roomId, active: true },
  read: { type: 'read', ref: 'r-1', roomId, seq: exampleMessage.seq },
  ping: { type: 'ping', ref: 'p-1' },
  watch_rooms: { type: 'watch_rooms', ref: 'w-1', active: true },
};

/** One example per server frame type; each is validated against its schema when the doc is made. */
export const serverExamples: { [T in ServerFrame['type']]: ServerFrameOf<T> } = {
  hello: {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    connectionId: '5f0c9a4e-3b7d-4c1a-9e2f-8d6b1a0c7e34',
    user: examplePublicUser,
    heartbeatMs: defaults.heartbeatMs,
    limits: {
      maxFrameBytes: defaults.maxFrameBytes,
      sendsPerSecond: defaults.sendsPerSecond,
      typingTimeoutMs: defaults.typingTimeoutMs,
    },
  },
  joined: {
    type: 'joined',
    ref: 'j-1',
    room: exampleRoomSummary,
    present: [examplePublicUser],
    reads: [{ userId: examplePublicUser.id, seq: exampleRoomSummary.membership.lastReadSeq }],
    latestSeq: exampleRoomSummary.latestSeq,
    messages: [earlierMessage, exampleMessage],
    hasMore: true,
    resumed: true,
  },
  left: { type: 'left', ref: 'l-1', roomId },
  message: { type: 'message', message: exampleMessage },
  ack: { type: 'ack', ref: 's-1', message: exampleMessage },
  presence: { type: 'presence', roomId, action: 'join', user: examplePublicUser },
  typing: { type: 'typing', roomId, user: examplePublicUser, active: true, expiresInMs: defaults.typingTimeoutMs },
  read: { type: 'read', roomId, userId: examplePublicUser.id, seq: exampleMessage.seq },
  pong: { type: 'pong', ref: 'p-1' },
  watching: { type: 'watching', ref: 'w-1', active: true },
  room_activity: {
    type: 'room_activity',
    roomId,
    onlineCount: 3,
    latestSeq: exampleMessage.seq,
    lastActivityAt: exampleMessage.createdAt,
  },
  error: {
    type: 'error',
    ref: 's-2',
    code: 'validation_failed',
    message: 'body: must not be empty',
    details: { issues: [{ path: 'body', message: 'must not be empty' }] },
  },
  key_request: { type: 'key_request', roomId, device: exampleDeviceKeys },
  key_available: { type: 'key_available', roomId, recipientDeviceId: exampleDeviceKeys.deviceId, epoch: 1 },
  reconnect: { type: 'reconnect', reason: 'server shutting down' },
};

// ---------------------------------------------------------------- codes

/** The meaning of each close code (the JSDoc in ws.ts, in a form the script can read). */
export const closeCodeMeanings: Record<keyof typeof CloseCode, string> = {
  normal: 'Normal close.',
  goingAway: 'The server is shutting down (a `reconnect` frame came first): reconnect, possibly to another node.',
  tooBig: `A frame was larger than \`limits.maxFrameBytes\`.`,
  unauthorized:
    'The session token is missing, unknown or expired, or the first frame of an unauthenticated socket was not `auth`. Sign in again before reconnecting.',
  authTimeout: 'No `auth` frame arrived in time on a socket opened without a cookie or bearer token.',
  unsupportedVersion: 'The client asked for a protocol version (`?v=`) this server does not speak.',
  slowConsumer: 'The client stopped reading and its send buffer passed the cap. Reconnect and resume.',
};

export const errorCodeMeanings: Record<WsErrorCode, string> = {
  bad_frame: 'A binary frame, or a text frame that is not JSON.',
  unknown_type: '`type` is missing or names no client frame; the message lists the known types.',
  validation_failed: 'A field is wrong; `details.issues[]` gives each `path` and `message`.',
  unauthorized: 'The session no longer allows this action.',
  not_in_room: 'The frame names a room this socket has not joined (`send`, `typing`, `read`, `leave`).',
  forbidden: 'You may not do this in this room.',
  not_found: 'No such room (`join` by id or by name; joining by name never creates a room).',
  conflict:
    'An `auth` frame on a socket that is already authenticated, or a `clientMessageId` reused for another body.',
  rate_limited: 'Over the send rate, or over the per-socket frame rate. The frame was dropped: wait and retry.',
  internal: 'Our fault; the details are in the server log. Try again in a moment.',
};
