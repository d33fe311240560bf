// Plain values with no zod in sight: clients import these from '@tandem/protocol/constants'
// so that a browser bundle does not carry every schema.

/**
 * Version of the Tandem wire contract (REST bodies and WebSocket frames).
 * Bump it when a change is not backwards compatible; clients send it and the
 * server refuses versions it does not speak.
 */
export const PROTOCOL_VERSION = 1;

/** Close codes the server uses; 4xxx mirror the HTTP status they resemble. */
export const CloseCode = {
  /** Normal close. */
  normal: 1000,
  /** The server is shutting down: reconnect (possibly to another node). */
  goingAway: 1001,
  /** A frame was larger than `limits.maxFrameBytes`. */
  tooBig: 1009,
  /**
   * The server could not do its part just now (its database did not answer while it checked the
   * session): reconnect with backoff. Unlike 4401, the token is not known to be bad.
   */
  tryAgainLater: 1013,
  /** The session token is missing, unknown or expired. Sign in again before reconnecting. */
  unauthorized: 4401,
  /** No `auth` frame arrived in time on a socket opened without a cookie or bearer token. */
  authTimeout: 4408,
  /** The client asked for a protocol version (`?v=`) this server does not speak. */
  unsupportedVersion: 4426,
  /** The client stopped reading and its send buffer passed the cap. Reconnect and resume. */
  slowConsumer: 4413,
  /** The user already has `WS_MAX_SOCKETS_PER_USER` sockets open (all nodes). Close one, then retry. */
  tooManyConnections: 4429,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * The reason `/ws/code` (Hocuspocus) refuses a document with when the session could not be looked
 * up just now (the database did not answer): not a verdict on the session. Clients send their
 * token again with backoff instead of showing the room as refused.
 */
export const CODE_SESSION_UNCHECKED = 'session-unchecked: could not check your session just now; retrying';

/**
 * The reason `/ws/code` closes a document's connection with when its user left the room (over
 * REST, on this or another device). Clients stop there rather than open it again, which would
 * join the room again.
 */
export const CODE_LEFT_ROOM = 'You left this room (on this or another device): open it again to return.';

/** The longest message text, in characters (after trimming). Clients check it before sending. */
export const MESSAGE_MAX = 4000;

/** The most files one message may carry. Clients check it when files are chosen. */
export const ATTACHMENTS_MAX = 10;

/**
 * How often a client that keeps typing refreshes its typing lease (`typing` with `active: true`).
 * Shorter than the server's lease (`limits.typingTimeoutMs`, 5 s by default), so that a steady
 * typist never blinks out for the others.
 */
export const TYPING_REFRESH_MS = 3000;

/**
 * Why `/ws/code` (the code rooms' Yjs socket) closes a socket or a document's connection. The
 * reason is a sentence for the person at the editor; the code says which limit it was. A
 * signed-out or expired session closes the socket with `CloseCode.unauthorized`, as on `/ws`.
 */
export const CodeCloseCode = {
  /** A frame larger than CODE_WS_MAX_FRAME_BYTES. */
  tooBig: 1009,
  /** An edit would take the document past CODE_DOC_MAX_BYTES. */
  documentFull: 4413,
  /** More bytes than CODE_WS_BYTES_PER_SECOND / CODE_WS_BURST_BYTES allow. */
  tooFast: 4429,
  /**
   * Its user left the room (over REST): that document's connection is closed, not the socket
   * (the client hears only the reason, CODE_LEFT_ROOM).
   */
  leftRoom: 4403,
} as const;
export type CodeCloseCode = (typeof CodeCloseCode)[keyof typeof CodeCloseCode];

/**
 * The shared types of a code room's Yjs document, by the names the server seeds and the web
 * editor binds: the file's text (a Y.Text) and its settings (a Y.Map holding the language).
 * Stored documents (`code_documents`) were written under these names: renaming one empties them.
 */
export const CODE_TEXT = 'code';
export const CODE_META = 'meta';
/** The key of the language in the CODE_META map. */
export const CODE_LANGUAGE_KEY = 'language';
/** The language of a new code room, and of a document whose language is missing. */
export const CODE_DEFAULT_LANGUAGE = 'python';
