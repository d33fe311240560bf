// Example frames and the meanings of codes, kept apart from the rendering. Every example is
// validated against its schema when the document is rendered.

import { loadConfig } from '../../apps/server/src/config.ts';
import { clientFrameExamples, serverFrameExamples } from '../../apps/server/src/http/frame-examples.ts';
import type { CloseCode, WsErrorCode } from '../../packages/protocol/src/index.ts';

// ---------------------------------------------------------------- examples

/** What the server announces in `hello` unless configured otherwise. */
export const defaults = loadConfig({}).realtime;

/** One example per frame type (shared with the AsyncAPI document); each is validated when the doc is made. */
export const clientExamples = clientFrameExamples();
export const serverExamples = serverFrameExamples(defaults);

// ---------------------------------------------------------------- codes

/** The meaning of each close code (the JSDoc in ws.ts, in a form the script can read). */
export const closeCodeMeanings: Record<keyof typeof CloseCode, string> = {
  normal: 'Normal close.',
  goingAway: 'The server is shutting down (a `reconnect` frame came first): reconnect, possibly to another node.',
  tooBig: `A frame was larger than \`limits.maxFrameBytes\`.`,
  tryAgainLater:
    'The server could not check the session just now (its database did not answer): reconnect with backoff and keep the token. Not a sign-out.',
  unauthorized:
    'The session token is missing, unknown or expired, or the first frame of an unauthenticated socket was not `auth`. Sign in again before reconnecting.',
  authTimeout: 'No `auth` frame arrived in time on a socket opened without a cookie or bearer token.',
  unsupportedVersion: 'The client asked for a protocol version (`?v=`) this server does not speak.',
  slowConsumer: 'The client stopped reading and its send buffer passed the cap. Reconnect and resume.',
  tooManyConnections:
    'The user has `WS_MAX_SOCKETS_PER_USER` sockets open already (all nodes counted). Close one, then reconnect.',
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
