// One example of every WebSocket frame, built from the protocol's example data. docs/protocol.md
// and the AsyncAPI document (docs/asyncapi.yaml, served at /docs/asyncapi) both show them, and
// both check each one against its schema when they are made.

import { type ClientFrame, PROTOCOL_VERSION, type ServerFrame, type ServerFrameOf } from '@tandem/protocol';
import {
  exampleAttachment,
  exampleDeviceKeys,
  exampleMessage,
  examplePublicUser,
  exampleRoom,
  exampleRoomSummary,
} from '@tandem/protocol/examples';

type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;
export type ClientExamples = { [T in ClientFrame['type']]: ClientFrameOf<T> };
export type ServerExamples = { [T in ServerFrame['type']]: ServerFrameOf<T> };

/** The limits `hello` announces: the examples show these values. */
export type ExampleLimits = {
  heartbeatMs: number;
  maxFrameBytes: number;
  sendsPerSecond: number;
  typingTimeoutMs: number;
};

const roomId = exampleRoom.id;
const exampleToken = 'kq0m8Yd2b1vS6cJ3nW5tF7hR9xL4pZ0aE2gU8iO6yTk';
const earlierMessage = { ...exampleMessage, id: '0193a5c2-8a4f-7b21-8c3d-5e6f7a8b9c0c', seq: exampleMessage.seq - 1 };

/** One example per client frame type (fresh objects on every call). */
export function clientFrameExamples(): ClientExamples {
  return {
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
}

/** One example per server frame type (fresh objects on every call). */
export function serverFrameExamples(limits: ExampleLimits): ServerExamples {
  return {
    hello: {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      connectionId: '5f0c9a4e-3b7d-4c1a-9e2f-8d6b1a0c7e34',
      user: examplePublicUser,
      heartbeatMs: limits.heartbeatMs,
      limits: {
        maxFrameBytes: limits.maxFrameBytes,
        sendsPerSecond: limits.sendsPerSecond,
        typingTimeoutMs: limits.typingTimeoutMs,
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
    typing: { type: 'typing', roomId, user: examplePublicUser, active: true, expiresInMs: limits.typingTimeoutMs },
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
    resync: { type: 'resync', roomId, reason: 'the link to the other nodes was down: events may have been missed' },
  };
}
