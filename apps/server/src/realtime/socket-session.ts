import { randomUUID } from 'node:crypto';
import {
  CloseCode,
  type ErrorCode,
  type ParsedClientFrame,
  PROTOCOL_VERSION,
  type WsErrorCode,
} from '@tandem/protocol';
import type { Config } from '../config.ts';
import { AppError, isStoreUnavailable } from '../errors.ts';
import type { Limits } from '../limits/limits.ts';
import type { LogLimiter } from '../log-limiter.ts';
import { type Authenticated, SessionCheckError } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import { toPublicUser } from '../services/mappers.ts';
import { errorFrame, frameOf, type Reading, readClientFrame } from './client-frame.ts';
import { Connection, type Socket } from './connection.ts';
import { FrameFailedError, type FrameHandlers, NotInRoomError } from './frame-handlers.ts';
import type { LobbyFeed } from './lobby.ts';
import { type TokenBucket, tokenBucket } from './token-bucket.ts';

/**
 * Frames other than sends (typing, reads, pings, binary junk) a user may send on one node, over
 * all its sockets there, on top of the send budget.
 */
const OTHER_FRAMES_PER_SECOND = 50;
const OTHER_FRAME_BURST = 100;

/**
 * How a refusal from a service (an `AppError`'s code) is named in an `error` frame. Clients retry
 * a frame refused with `internal`, so our side's failures (`unavailable` too) map to it.
 */
const SOCKET_CODE: Record<ErrorCode, WsErrorCode> = {
  validation_failed: 'validation_failed',
  invalid_json: 'bad_frame',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
  payload_too_large: 'validation_failed',
  unsupported_media_type: 'validation_failed',
  rate_limited: 'rate_limited',
  insufficient_storage: 'internal',
  unavailable: 'internal',
  internal: 'internal',
};

/** Close reasons for sessions that end while their sockets are open. */
const SESSION_CLOSED = {
  signed_out: 'signed out: this session was ended; sign in again',
  expired: 'session expired: sign in again',
};
/** Closed with 4401: a token that does not resolve, on the upgrade or in an `auth` frame. */
export const SESSION_UNKNOWN = 'session unknown or expired: sign in again';
/** Closed with 1013 when the session could not be checked (our failure, not the token's). */
export const SESSION_UNCHECKED = 'could not check your session just now; reconnect shortly';
/** Closed with 1013 when opening an authenticated socket failed on our side (its slot, its set-up). */
const SOCKET_NOT_OPENED = 'could not open your connection just now; reconnect shortly';
/** Closed with 4401: anything but a well-formed `auth` frame before authentication. */
const AUTH_FIRST = 'authenticate first: send an auth frame';
/** What an `internal` error frame says when a frame failed on our side. */
const INTERNAL_FAILURE = 'Something went wrong on our side. Try again in a moment.';

/**
 * Every frame counts against a bucket, so a flood of typing or pings is cut like a flood of sends.
 * Before authentication a socket has its own; after, it shares its user's on this node.
 */
export const newFrameBucket = (options: Config['realtime']) =>
  tokenBucket(OTHER_FRAMES_PER_SECOND + options.sendsPerSecond, OTHER_FRAME_BURST + options.sendBurst);

/**
 * What a session needs of its socket. The gateway adapts `ws` to it, so that only the gateway knows
 * which socket library is underneath.
 */
export type SessionSocket = Required<Socket> & {
  close(code: number, reason: string): void;
  terminate(): void;
};

/** An authenticated socket: its connection, the sign-in session it was opened with, its slot and budget. */
export type Opened = {
  connection: Connection;
  tokenHash: string;
  expiresAt: number;
  releaseSlot: () => void;
  /** The user's frame bucket on this node, shared with its other sockets here. */
  frames: TokenBucket;
};

/**
 * Where a socket is in its life. `awaitingAuth` also covers a socket authenticated on the upgrade
 * whose slot is still being taken: until it has a connection, it is treated as unauthenticated.
 * `closing` starts when the socket has closed: frames already queued still run, then its room is
 * left. Only the frame handlers move a connection between rooms; the session follows each move.
 */
export type SocketState =
  | { kind: 'awaitingAuth'; frames: TokenBucket; authTimer: ReturnType<typeof setTimeout> | undefined }
  | { kind: 'authenticated'; opened: Opened }
  | { kind: 'inRoom'; opened: Opened; roomId: string }
  | { kind: 'closing'; connection: Connection | null };

/** The gateway's book of authenticated sockets: by user, by sign-in session, and their budgets. */
export type SessionRegistry = {
  /** The frame bucket every socket of the user on this node shares. */
  framesOf(userId: string): TokenBucket;
  /** The socket is authenticated: it is found by its user and its sign-in session from now on. */
  opened(session: SocketSession, opened: Opened): void;
  /** The authenticated socket closed: it is found no more (its user's bucket goes with the last one). */
  closed(session: SocketSession, opened: Opened): void;
};

/** What every session of one gateway shares. */
export type SessionContext = {
  services: Services;
  handlers: FrameHandlers;
  lobby: LobbyFeed;
  options: Config['realtime'];
  /** Socket slots and the send budget, shared by every node through Redis when there is one. */
  limits: Limits;
  log: { warn(obj: object, msg: string): void };
  /** A failure one client can trigger at will is logged at most 30 times a minute per user. */
  frameFailures: LogLimiter;
  registry: SessionRegistry;
};

/**
 * One socket's lifecycle as a state machine: awaiting auth → authenticated ⇄ in room → closing.
 * The gateway hands it what the socket says (`received`, `closed`); the transitions are `open`
 * (authenticated), `roomChanged` (in or out of a room) and `closed`. Every refusal is an `error`
 * frame and the socket stays open; only auth failures, oversized frames and slow consumers close it.
 */
export class SocketSession {
  private readonly socket: SessionSocket;
  private readonly ctx: SessionContext;
  private current: SocketState;
  /** Frames are handled one at a time, in order: a `send` right after a `join` waits for the join. */
  private queue: Promise<void> = Promise.resolve();
  private lastLimitedNotice = 0;

  /**
   * `auth` is the session from the upgrade request's cookie or bearer header, if it had one that
   * resolved. `refusedOrigin` names the page whose session cookie was not taken (a foreign origin):
   * such a socket may still authenticate with an `auth` frame.
   */
  constructor(
    socket: SessionSocket,
    ctx: SessionContext,
    start: { auth: Authenticated | null; refusedOrigin?: string },
  ) {
    this.socket = socket;
    this.ctx = ctx;
    const { auth, refusedOrigin } = start;
    const authTimer = auth ? undefined : setTimeout(() => this.authTimedOut(refusedOrigin), ctx.options.authTimeoutMs);
    authTimer?.unref();
    this.current = { kind: 'awaitingAuth', frames: newFrameBucket(ctx.options), authTimer };
    if (auth) this.queue = this.open(auth).catch((error: unknown) => this.failed(error));
  }

  get state(): SocketState {
    return this.current;
  }

  /** The socket's connection once authenticated (kept while closing, for the frames still queued). */
  get connection(): Connection | null {
    const state = this.current;
    if (state.kind === 'awaitingAuth') return null;
    if (state.kind === 'closing') return state.connection;
    return state.opened.connection;
  }

  /** A frame arrived: its size and the frame budget are checked at once, then it waits its turn. */
  received(data: Buffer, isBinary: boolean): void {
    const state = this.current;
    // `ws` reports no frame after the close; were one to come, there is no one left to answer.
    if (state.kind === 'closing') return;
    const { maxFrameBytes } = this.ctx.options;
    if (data.length > maxFrameBytes) {
      this.socket.close(CloseCode.tooBig, `frames may be at most ${maxFrameBytes} bytes`);
      return;
    }
    // Counted as it arrives, binary or not, so a flood is cut before it queues up.
    const frames = state.kind === 'awaitingAuth' ? state.frames : state.opened.frames;
    if (!frames.take()) {
      // Before authentication a flood ends the socket; after, its frames are dropped with a notice.
      if (state.kind === 'awaitingAuth') this.socket.close(CloseCode.unauthorized, AUTH_FIRST);
      else if (this.limitedNoticeDue()) {
        state.opened.connection.send(errorFrame('rate_limited', 'Too many frames; slow down.'));
      }
      return;
    }
    this.queue = this.queue
      .then(() => this.handle(isBinary ? null : data.toString()))
      .catch((error: unknown) => this.failed(error));
  }

  /**
   * any state → closing: the socket closed. Its slot is given back and the gateway forgets it at
   * once; its room is left after the frames already queued (a `send` among them is still stored).
   */
  closed(): void {
    const state = this.current;
    if (state.kind === 'closing') return;
    if (state.kind === 'awaitingAuth') clearTimeout(state.authTimer);
    const opened = state.kind === 'awaitingAuth' ? null : state.opened;
    this.current = { kind: 'closing', connection: opened?.connection ?? null };
    if (!opened) return;
    const { connection } = opened;
    opened.releaseSlot();
    this.ctx.registry.closed(this, opened);
    this.ctx.lobby.watch(connection, false);
    connection.markClosed();
    this.queue = this.queue.then(() => void this.ctx.handlers.leaveCurrentRoom(connection));
  }

  /** The sign-in session was ended elsewhere (signed out): closed with 4401. */
  signedOut(): void {
    this.socket.close(CloseCode.unauthorized, SESSION_CLOSED.signed_out);
  }

  /** Sessions that ran out while their sockets were open end here, on the gateway's heartbeat. */
  expireBy(now: number): void {
    const state = this.current;
    if (state.kind !== 'authenticated' && state.kind !== 'inRoom') return;
    if (state.opened.expiresAt <= now) this.socket.close(CloseCode.unauthorized, SESSION_CLOSED.expired);
  }

  /** The user's membership of a room ended: a socket in that room leaves it, and is told why. */
  membershipEnded(roomId: string): void {
    const state = this.current;
    if (state.kind !== 'inRoom' || state.roomId !== roomId) return;
    const { connection } = state.opened;
    this.ctx.handlers.leaveCurrentRoom(connection);
    connection.send(
      frameOf({
        type: 'left',
        roomId,
        reason: 'You left this room (on this or another device): join it again to return.',
      }),
    );
  }

  /**
   * awaiting auth → authenticated: takes one of the user's socket slots (all nodes), then makes
   * the connection, joins the user's frame budget on this node and says hello. Without a free slot
   * the socket is refused; a socket that closed meanwhile gives its slot straight back.
   */
  private async open(authenticated: Authenticated, ref?: string): Promise<void> {
    const { limits, options, registry } = this.ctx;
    if (this.current.kind === 'awaitingAuth') clearTimeout(this.current.authTimer);
    const releaseSlot = await limits.acquireSocket(authenticated.user.id, options.maxSocketsPerUser);
    if (!releaseSlot) {
      this.socket.close(
        CloseCode.tooManyConnections,
        `too many connections: at most ${options.maxSocketsPerUser} per user; close a tab or device`,
      );
      return;
    }
    // The socket closed while the slot was being taken.
    if (this.current.kind !== 'awaitingAuth') return releaseSlot();
    const connection = new Connection({
      id: randomUUID(),
      user: authenticated.user,
      publicUser: toPublicUser(authenticated.user),
      socket: this.socket,
      sendBufferLimit: options.sendBufferLimit,
      onSlow: (slow) => this.slow(slow),
      onRoomChange: (roomId) => this.roomChanged(roomId),
    });
    const { tokenHash, expiresAt } = authenticated;
    const opened: Opened = {
      connection,
      tokenHash,
      expiresAt,
      releaseSlot,
      frames: registry.framesOf(connection.user.id),
    };
    this.current = { kind: 'authenticated', opened };
    registry.opened(this, opened);
    connection.send(this.hello(connection, ref));
  }

  /** authenticated ⇄ in room, as the frame handlers move the connection; a closing socket stays closing. */
  private roomChanged(roomId: string | null): void {
    const state = this.current;
    if (state.kind !== 'authenticated' && state.kind !== 'inRoom') return;
    this.current =
      roomId === null
        ? { kind: 'authenticated', opened: state.opened }
        : { kind: 'inRoom', opened: state.opened, roomId };
  }

  private hello(connection: Connection, ref: string | undefined): string {
    const { options } = this.ctx;
    return frameOf({
      type: 'hello',
      ...(ref === undefined ? {} : { ref }),
      protocolVersion: PROTOCOL_VERSION,
      connectionId: connection.id,
      user: connection.publicUser,
      heartbeatMs: options.heartbeatMs,
      limits: {
        maxFrameBytes: options.maxFrameBytes,
        sendsPerSecond: options.sendsPerSecond,
        typingTimeoutMs: options.typingTimeoutMs,
      },
    });
  }

  private authTimedOut(refusedOrigin: string | undefined): void {
    this.socket.close(
      CloseCode.authTimeout,
      refusedOrigin === undefined
        ? 'no auth frame in time'
        : `no auth frame in time (the session cookie is not accepted from ${refusedOrigin.slice(0, 60)})`,
    );
  }

  /** A peer that stopped reading: told why, and cut off if it does not finish the close in time. */
  private slow(connection: Connection): void {
    this.ctx.log.warn({ connectionId: connection.id }, 'slow consumer disconnected');
    this.socket.close(CloseCode.slowConsumer, 'send buffer full: reconnect and resume');
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  /** One `rate_limited` notice a second at most while frames are dropped: a flood is not echoed. */
  private limitedNoticeDue(): boolean {
    const now = Date.now();
    if (now - this.lastLimitedNotice < 1000) return false;
    this.lastLimitedNotice = now;
    return true;
  }

  /** One frame, in its turn: before authentication only an `auth` frame is taken. */
  private async handle(raw: string | null): Promise<void> {
    const reading = readClientFrame(raw);
    const connection = this.connection;
    if (!connection) return this.authenticate(reading);
    if (!reading.ok) return connection.send(reading.error);
    return this.dispatch(connection, reading.frame, reading.ref);
  }

  /** Before authentication anything but a well-formed auth frame ends the socket (binary junk is answered). */
  private async authenticate(reading: Reading): Promise<void> {
    if (!reading.ok && reading.binary) return this.socket.send(reading.error);
    if (!reading.ok || reading.frame.type !== 'auth') return this.socket.close(CloseCode.unauthorized, AUTH_FIRST);
    // A failure to look the token up (SessionCheckError) reaches `failed`: closed with 1013.
    const authenticated = await this.ctx.services.accounts.authenticate(reading.frame.token);
    if (!authenticated) return this.socket.close(CloseCode.unauthorized, SESSION_UNKNOWN);
    return await this.open(authenticated, reading.frame.ref);
  }

  /** A valid frame on an authenticated socket; what a client got wrong is answered with its ref. */
  private async dispatch(connection: Connection, frame: ParsedClientFrame, ref: string | undefined): Promise<void> {
    const { handlers, lobby } = this.ctx;
    try {
      switch (frame.type) {
        case 'auth':
          return connection.send(errorFrame('conflict', 'This socket is already authenticated.', ref));
        case 'ping':
          return connection.send(frameOf({ type: 'pong', ...(ref === undefined ? {} : { ref }) }));
        case 'join':
          return await handlers.join(connection, frame);
        case 'leave':
          return handlers.leave(connection, frame);
        case 'send':
          return await this.sendMessage(connection, frame, ref);
        case 'typing':
          return handlers.setTyping(connection, frame);
        case 'read':
          return await handlers.read(connection, frame);
        case 'watch_rooms':
          lobby.watch(connection, frame.active);
          return connection.send(
            frameOf({ type: 'watching', ...(ref === undefined ? {} : { ref }), active: frame.active }),
          );
      }
    } catch (error) {
      if (error instanceof NotInRoomError) return connection.send(errorFrame('not_in_room', error.message, ref));
      if (error instanceof AppError) {
        return connection.send(errorFrame(SOCKET_CODE[error.code], error.message, ref, error.details));
      }
      return this.failed(error, ref);
    }
  }

  /** One budget per user, over all its sockets on every node and its REST sends. */
  private async sendMessage(
    connection: Connection,
    frame: Extract<ParsedClientFrame, { type: 'send' }>,
    ref: string | undefined,
  ): Promise<void> {
    const { limits, options, handlers } = this.ctx;
    const rule = { ratePerSecond: options.sendsPerSecond, burst: options.sendBurst };
    if (!(await limits.take(`send:${connection.user.id}`, rule))) {
      // The ref is echoed so that a client can retry exactly the frame that was refused.
      const message = `At most ${options.sendsPerSecond} messages a second per user (all your tabs and devices together); slow down.`;
      return connection.send(errorFrame('rate_limited', message, ref));
    }
    return await handlers.sendMessage(connection, frame);
  }

  /**
   * A frame failed on our side (the database or Redis did not answer…). Its `ref` goes back with
   * the error, so that the client can retry exactly that frame. Before the socket is
   * authenticated, nothing was wrong with what it sent: it is told to reconnect shortly (1013).
   */
  private failed(error: unknown, ref?: string): void {
    const unchecked = error instanceof SessionCheckError;
    const cause = error instanceof FrameFailedError || unchecked ? error.cause : error;
    const connection = this.connection;
    const { frameFailures } = this.ctx;
    if (isStoreUnavailable(cause)) {
      // An outage fails every frame at once: logged at warn, at most 30 lines a minute per
      // node (not per user), then a count.
      frameFailures.log('warn', 'database', { err: cause }, 'frame failed: the database is not answering');
    } else {
      const level = unchecked ? 'warn' : 'error';
      frameFailures.log(level, connection?.user.id ?? 'unauthenticated', { err: cause }, 'frame handling failed');
    }
    if (!connection) {
      this.socket.close(CloseCode.tryAgainLater, unchecked ? SESSION_UNCHECKED : SOCKET_NOT_OPENED);
      return;
    }
    const message = error instanceof FrameFailedError ? error.message : INTERNAL_FAILURE;
    connection.send(errorFrame('internal', message, ref));
  }
}
