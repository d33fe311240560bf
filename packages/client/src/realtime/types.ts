import type { Message, SealedMessage, ServerFrameOf } from '@tandem/protocol';
import type { RestClient } from '../rest.ts';

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export type RealtimeEvents = {
  status: ConnectionStatus;
  hello: ServerFrameOf<'hello'>;
  /** A join snapshot. `resumed: false` means: replace what you show with `messages`. */
  joined: ServerFrameOf<'joined'>;
  /** Messages of the current room, in seq order, each once. */
  message: Message;
  presence: ServerFrameOf<'presence'>;
  typing: ServerFrameOf<'typing'>;
  read: ServerFrameOf<'read'>;
  /** Activity in any room, while `watchRooms(true)` is on (for live room lists). */
  roomActivity: ServerFrameOf<'room_activity'>;
  /** Encrypted rooms: a member's device asks for the room key. */
  keyRequest: ServerFrameOf<'key_request'>;
  /** Encrypted rooms: an envelope for one of the room's devices is waiting. */
  keyAvailable: ServerFrameOf<'key_available'>;
  /** A send the server refused for good (it will not be retried). */
  sendFailed: { clientMessageId: string; code: string; message: string };
  /**
   * The server took this socket out of its room unasked: the membership ended elsewhere (left
   * over REST or on another device). The client stays connected, outside any room; its sends
   * for that room failed (`sendFailed`). Join again to return.
   */
  removed: { roomId: string; reason: string };
  /**
   * A send the server refused for now (`internal`, `rate_limited`, `not_in_room`): it stays
   * pending and goes again, same clientMessageId, in `delayMs`.
   */
  sendRetrying: { clientMessageId: string; code: string; message: string; attempt: number; delayMs: number };
  /** Errors not tied to a send or join. */
  error: ServerFrameOf<'error'>;
  /**
   * The connection ended and will not be retried: signed out (4401), unsupported version (4426),
   * or close() (1000). Only these; every other close is retried (see `reconnectScheduled`).
   */
  closed: { code: number; reason: string };
  /**
   * The connection was lost or refused for now and a new one will be tried in `delayMs`: what a
   * UI needs to say "reconnecting in 4 s". `code` and `reason` are the close's (e.g. 1013: the
   * server could not check the session just now, keep the token); 4000 when the client dropped
   * the socket itself (`reason` says why: no hello in time, no answer to a ping).
   */
  reconnectScheduled: { attempt: number; delayMs: number; code: number; reason: string };
};

/** A room to join: by id, or by name (a room looked up by name starts afresh, without resume). */
export type JoinTarget = { roomId: string } | { roomName: string };

export type RealtimeOptions = {
  /** e.g. ws://localhost:8000/ws */
  url: string;
  /** A session token; without one the browser's session cookie authenticates the socket. */
  token?: string;
  /** Used to fill gaps from history; without it the client rejoins to catch up. */
  rest?: Pick<RestClient, 'history'>;
  WebSocket?: typeof WebSocket;
  /** Reconnects: exponential backoff with full jitter (default 500 ms doubling to 15 s). */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Sends and joins the server refused for now (`internal`, `rate_limited`; sends also
   * `not_in_room`), and failed gap fetches: retried with this backoff, full jitter (default
   * 250 ms doubling to 10 s).
   */
  retryBackoff?: { baseMs: number; maxMs: number };
  /** How long a message after a gap is held before the gap is fetched. */
  gapWaitMs?: number;
  /**
   * A socket that has not said `hello` this long after it was created (a node that accepts TCP
   * but never answers, or never finishes the upgrade) is dropped and another tried, with
   * backoff. Default 5000 ms.
   */
  helloTimeoutMs?: number;
  /**
   * A send written on an open socket and not acknowledged this long makes the client ping; no
   * frame at all within `pingTimeoutMs` and the socket is taken for frozen, dropped and replaced
   * (the send goes again after the rejoin, same id). Default 10 000 ms.
   */
  ackTimeoutMs?: number;
  /** How long a ping (after `ackTimeoutMs`) may go unanswered. Default 3000 ms. */
  pingTimeoutMs?: number;
};

/** The options with every default filled in. */
export type ResolvedOptions = Required<Omit<RealtimeOptions, 'token' | 'rest' | 'WebSocket'>> & RealtimeOptions;

export function resolveOptions(options: RealtimeOptions): ResolvedOptions {
  return {
    backoff: { baseMs: 500, maxMs: 15_000 },
    retryBackoff: { baseMs: 250, maxMs: 10_000 },
    gapWaitMs: 300,
    helloTimeoutMs: 5000,
    ackTimeoutMs: 10_000,
    pingTimeoutMs: 3000,
    ...options,
  };
}

/** A send made: its id, and a promise of the stored message (rejected if refused for good). */
export type SendHandle = { clientMessageId: string; done: Promise<Message> };

/** One message to send: text, files uploaded first, or both; in an encrypted room, `sealed`. */
export type SendInput = {
  /** The text ('' when there are only files, or in an encrypted room). */
  body?: string;
  /** This send's id, kept across retries (made up when not given). */
  clientMessageId?: string;
  /** Ids of files already uploaded (`POST /uploads`). */
  attachmentIds?: readonly string[];
  /** Encrypted rooms: the ciphertext; its clientMessageId must be this send's. */
  sealed?: SealedMessage | undefined;
};

export class RealtimeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
  }
}
