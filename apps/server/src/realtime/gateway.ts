import { randomUUID } from 'node:crypto';
import { ClientFrame, CloseCode, PROTOCOL_VERSION, type ServerFrame, type WsErrorCode } from '@tandem/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { AppError, isStoreUnavailable } from '../errors.ts';
import type { Limits } from '../limits/limits.ts';
import { createLogLimiter } from '../log-limiter.ts';
import { type Authenticated, SessionCheckError, type SessionEnd } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import { toPublicUser } from '../services/mappers.ts';
import { Connection } from './connection.ts';
import { FrameFailedError, type FrameHandlers, NotInRoomError } from './frame-handlers.ts';
import type { LobbyFeed } from './lobby.ts';
import { sendPrepared } from './prepared-frame.ts';
import { tokenBucket } from './token-bucket.ts';

const KNOWN_TYPES = new Set<string>(ClientFrame.options.map((o) => o.shape.type.value));
/**
 * Frames other than sends (typing, reads, pings, binary junk) a user may send on one node, over
 * all its sockets there, on top of the send budget.
 */
const OTHER_FRAMES_PER_SECOND = 50;
const OTHER_FRAME_BURST = 100;

const STATUS_TO_CODE: Record<number, WsErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
};

type Tracked = WebSocket & { alive?: boolean };

/** An authenticated socket and the session it was opened with. */
type Live = { connection: Connection; socket: Tracked; tokenHash: string; expiresAt: number };

/** Close reasons for sessions that end while their sockets are open. */
const SESSION_CLOSED = {
  signed_out: 'signed out: this session was ended; sign in again',
  expired: 'session expired: sign in again',
};

/** Closed with 1013 when the session could not be checked (our failure, not the token's). */
const SESSION_UNCHECKED = 'could not check your session just now; reconnect shortly';
/** Closed with 1013 when opening an authenticated socket failed on our side (its slot, its set-up). */
const SOCKET_NOT_OPENED = 'could not open your connection just now; reconnect shortly';
/** What an `internal` error frame says when a frame failed on our side. */
const INTERNAL_FAILURE = 'Something went wrong on our side. Try again in a moment.';

/**
 * The socket lifecycle: version check, authentication (cookie or bearer on the upgrade, or a
 * first `auth` frame), frame parsing and validation, rate limits, heartbeats and cleanup.
 * Every refusal is an `error` frame and the socket stays open; only auth failures, oversized
 * frames and slow consumers close it.
 */
export function createGateway(deps: {
  services: Services;
  handlers: FrameHandlers;
  lobby: LobbyFeed;
  options: Config['realtime'];
  log: FastifyBaseLogger;
  /** Socket slots and the send budget, shared by every node through Redis when there is one. */
  limits: Limits;
  clock: Clock;
}) {
  const { services, handlers, lobby, options, log, limits, clock } = deps;
  const sockets = new Set<Tracked>();
  const connections = new Set<Connection>();
  const live = new Map<Connection, Live>();
  const byUser = new Map<string, Set<Live>>();
  const bySession = new Map<string, Set<Live>>();
  /** Per user on this node: every frame of every socket of the user counts here. */
  const frameBuckets = new Map<string, ReturnType<typeof tokenBucket>>();
  const sendRule = { ratePerSecond: options.sendsPerSecond, burst: options.sendBurst };

  const index = <K>(map: Map<K, Set<Live>>, key: K, entry: Live, add: boolean) => {
    const set = map.get(key) ?? new Set<Live>();
    if (add) {
      set.add(entry);
      map.set(key, set);
    } else if (set.delete(entry) && set.size === 0) map.delete(key);
  };

  const heartbeat = setInterval(() => {
    for (const socket of sockets) {
      if (socket.alive === false) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
    // Sessions that ran out while their sockets were open end here, at the latest a beat late.
    const now = clock.now();
    for (const entry of live.values()) {
      if (entry.expiresAt <= now) entry.socket.close(CloseCode.unauthorized, SESSION_CLOSED.expired);
    }
  }, options.heartbeatMs);
  heartbeat.unref();
  // A failure one client can trigger at will is logged at most 30 times a minute per user.
  const frameFailures = createLogLimiter(log, { perMinute: 30, what: 'failed frames' });

  const frameOf = (frame: ServerFrame) => JSON.stringify(frame);
  const newFrameBucket = () =>
    tokenBucket(OTHER_FRAMES_PER_SECOND + options.sendsPerSecond, OTHER_FRAME_BURST + options.sendBurst);
  const errorFrame = (code: WsErrorCode, message: string, ref?: string, details?: unknown) =>
    frameOf({
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(details === undefined ? {} : { details }),
    });

  /**
   * `auth` is the session from the upgrade request's cookie or bearer header; `presentedToken`
   * says whether one was sent at all (a token that does not resolve is refused at once).
   * `refusedOrigin` names the page whose session cookie was not taken (a foreign origin): such a
   * socket may still authenticate with an `auth` frame. `sessionCheckFailed`: the token sent
   * could not be looked up (the database did not answer); the socket closes with 1013, not 4401.
   */
  function accept(
    socket: Tracked,
    auth: Authenticated | null,
    version: string | undefined,
    presentedToken = false,
    refusedOrigin?: string,
    sessionCheckFailed = false,
  ): void {
    if (version !== undefined && version !== String(PROTOCOL_VERSION)) {
      socket.close(
        CloseCode.unsupportedVersion,
        `protocol version ${version.slice(0, 16)} is not supported; this server speaks ${PROTOCOL_VERSION}`,
      );
      return;
    }
    if (presentedToken && sessionCheckFailed) {
      socket.close(CloseCode.tryAgainLater, SESSION_UNCHECKED);
      return;
    }
    if (presentedToken && !auth) {
      socket.close(CloseCode.unauthorized, 'session unknown or expired: sign in again');
      return;
    }
    sockets.add(socket);
    socket.alive = true;
    socket.on('pong', () => {
      socket.alive = true;
    });

    let connection: Connection | null = null;
    let entry: Live | null = null;
    let releaseSlot: (() => void) | null = null;
    let closed = false;
    let queue: Promise<void> = Promise.resolve();
    // Every frame counts against this, so a flood of typing or pings is cut like a flood of sends.
    // Before authentication the socket has its own; after, it shares its user's on this node.
    let frames = newFrameBucket();
    const authTimer = auth
      ? undefined
      : setTimeout(
          () =>
            socket.close(
              CloseCode.authTimeout,
              refusedOrigin === undefined
                ? 'no auth frame in time'
                : `no auth frame in time (the session cookie is not accepted from ${refusedOrigin.slice(0, 60)})`,
            ),
          options.authTimeoutMs,
        );
    authTimer?.unref();

    const open = async (authenticated: Authenticated, ref?: string) => {
      clearTimeout(authTimer);
      const userId = authenticated.user.id;
      // One of the user's socket slots (all nodes); without a free one the new socket is refused.
      const release = await limits.acquireSocket(userId, options.maxSocketsPerUser);
      if (!release) {
        socket.close(
          CloseCode.tooManyConnections,
          `too many connections: at most ${options.maxSocketsPerUser} per user; close a tab or device`,
        );
        return;
      }
      if (closed) return release();
      releaseSlot = release;
      frames = frameBuckets.get(userId) ?? newFrameBucket();
      frameBuckets.set(userId, frames);
      connection = new Connection({
        id: randomUUID(),
        user: authenticated.user,
        publicUser: toPublicUser(authenticated.user),
        socket: {
          send: (data) => socket.send(data),
          get bufferedAmount() {
            return socket.bufferedAmount;
          },
          sendPrepared: (frame) => sendPrepared(socket, frame),
        },
        sendBufferLimit: options.sendBufferLimit,
        onSlow: (slow) => {
          log.warn({ connectionId: slow.id }, 'slow consumer disconnected');
          socket.close(CloseCode.slowConsumer, 'send buffer full: reconnect and resume');
          setTimeout(() => socket.terminate(), 1000).unref();
        },
      });
      connections.add(connection);
      entry = { connection, socket, tokenHash: authenticated.tokenHash, expiresAt: authenticated.expiresAt };
      live.set(connection, entry);
      index(byUser, userId, entry, true);
      index(bySession, entry.tokenHash, entry, true);
      connection.send(
        frameOf({
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
        }),
      );
    };
    /**
     * A frame failed on our side (the database or Redis did not answer…). Its `ref` goes back with
     * the error, so that the client can retry exactly that frame. Before the socket is
     * authenticated, nothing was wrong with what it sent: it is told to reconnect shortly (1013).
     */
    const failed = (error: unknown, ref?: string) => {
      const unchecked = error instanceof SessionCheckError;
      const cause = error instanceof FrameFailedError || unchecked ? error.cause : error;
      if (isStoreUnavailable(cause)) {
        // An outage fails every frame at once: logged at warn, at most 30 lines a minute per
        // node (not per user), then a count.
        frameFailures.log('warn', 'database', { err: cause }, 'frame failed: the database is not answering');
      } else {
        const level = unchecked ? 'warn' : 'error';
        frameFailures.log(level, connection?.user.id ?? 'unauthenticated', { err: cause }, 'frame handling failed');
      }
      if (!connection) {
        return socket.close(CloseCode.tryAgainLater, unchecked ? SESSION_UNCHECKED : SOCKET_NOT_OPENED);
      }
      const message = error instanceof FrameFailedError ? error.message : INTERNAL_FAILURE;
      connection.send(errorFrame('internal', message, ref));
    };
    if (auth) queue = open(auth).catch((error: unknown) => failed(error));

    socket.on('message', (data, isBinary) => {
      if ((data as Buffer).length > options.maxFrameBytes) {
        socket.close(CloseCode.tooBig, `frames may be at most ${options.maxFrameBytes} bytes`);
        return;
      }
      // Counted as it arrives, binary or not, so a flood is cut before it queues up.
      if (!frames.take()) {
        if (!connection) return socket.close(CloseCode.unauthorized, 'authenticate first: send an auth frame');
        if (limitedNoticeDue()) connection.send(errorFrame('rate_limited', 'Too many frames; slow down.'));
        return;
      }
      // Handled one at a time, in order: a `send` right after a `join` waits for the join.
      queue = queue.then(() => handle(isBinary ? null : data.toString())).catch((error: unknown) => failed(error));
    });

    // One `rate_limited` notice a second at most while frames are dropped: a flood is not echoed.
    let lastLimitedNotice = 0;
    const limitedNoticeDue = () => {
      const now = Date.now();
      if (now - lastLimitedNotice < 1000) return false;
      lastLimitedNotice = now;
      return true;
    };

    socket.on('close', () => {
      closed = true;
      clearTimeout(authTimer);
      sockets.delete(socket);
      releaseSlot?.();
      if (!connection) return;
      const closing = connection;
      connections.delete(closing);
      if (entry) {
        live.delete(closing);
        index(byUser, closing.user.id, entry, false);
        index(bySession, entry.tokenHash, entry, false);
        if (!byUser.has(closing.user.id)) frameBuckets.delete(closing.user.id);
      }
      lobby.watch(closing, false);
      closing.markClosed();
      queue = queue.then(() => void handlers.leaveCurrentRoom(closing));
    });

    async function handle(raw: string | null): Promise<void> {
      const reply = (frame: string) => (connection ? connection.send(frame) : socket.send(frame));
      if (raw === null) return reply(errorFrame('bad_frame', 'Send JSON text frames, not binary ones.'));
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch {
        data = undefined;
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        // Before authentication anything but a well-formed auth frame ends the socket.
        if (!connection) return socket.close(CloseCode.unauthorized, 'authenticate first: send an auth frame');
        return reply(errorFrame('bad_frame', 'A frame must be one JSON object.'));
      }
      const ref =
        typeof (data as { ref?: unknown } | null)?.ref === 'string' ? (data as { ref: string }).ref : undefined;
      const parsed = ClientFrame.safeParse(data);
      if (!parsed.success && !connection) {
        return socket.close(CloseCode.unauthorized, 'authenticate first: send an auth frame');
      }
      if (!parsed.success) {
        const type = (data as { type?: unknown } | null)?.type;
        if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) {
          return reply(
            errorFrame(
              'unknown_type',
              `Unknown frame type ${JSON.stringify(type ?? null)}. Known: ${[...KNOWN_TYPES].join(', ')}.`,
              ref,
            ),
          );
        }
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        return reply(
          errorFrame('validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), ref, { issues }),
        );
      }
      const frame = parsed.data;

      if (!connection) {
        if (frame.type !== 'auth') {
          socket.close(CloseCode.unauthorized, 'authenticate first: send an auth frame');
          return;
        }
        // A failure to look the token up (SessionCheckError) reaches `failed`: closed with 1013.
        const authenticated = await services.accounts.authenticate(frame.token);
        if (!authenticated) {
          socket.close(CloseCode.unauthorized, 'session unknown or expired: sign in again');
          return;
        }
        return await open(authenticated, frame.ref);
      }

      try {
        switch (frame.type) {
          case 'auth':
            return reply(errorFrame('conflict', 'This socket is already authenticated.', ref));
          case 'ping':
            return reply(frameOf({ type: 'pong', ...(ref === undefined ? {} : { ref }) }));
          case 'join':
            return await handlers.join(connection, frame);
          case 'leave':
            return handlers.leave(connection, frame);
          case 'send':
            // One budget per user, over all its sockets on every node and its REST sends.
            if (!(await limits.take(`send:${connection.user.id}`, sendRule))) {
              // The ref is echoed so that a client can retry exactly the frame that was refused.
              return reply(
                errorFrame(
                  'rate_limited',
                  `At most ${options.sendsPerSecond} messages a second per user (all your tabs and devices together); slow down.`,
                  ref,
                ),
              );
            }
            return await handlers.sendMessage(connection, frame);
          case 'typing':
            return handlers.setTyping(connection, frame);
          case 'read':
            return await handlers.read(connection, frame);
          case 'watch_rooms':
            lobby.watch(connection, frame.active);
            return reply(frameOf({ type: 'watching', ...(ref === undefined ? {} : { ref }), active: frame.active }));
        }
      } catch (error) {
        if (error instanceof NotInRoomError) return reply(errorFrame('not_in_room', error.message, ref));
        if (error instanceof AppError) {
          return reply(errorFrame(STATUS_TO_CODE[error.status] ?? 'internal', error.message, ref, error.details));
        }
        return failed(error, ref);
      }
    }
  }

  /**
   * A session was signed out: its sockets close with 4401. A session replaced by a registration
   * (a guest who became an account) leaves them open: they are the same user, and a socket told to
   * reconnect at once could race the new cookie and be signed out for nothing; they pick up the
   * new session when they next connect.
   */
  function endSession(tokenHash: string, why: SessionEnd): void {
    if (why === 'replaced') return;
    for (const entry of [...(bySession.get(tokenHash) ?? [])]) {
      entry.socket.close(CloseCode.unauthorized, SESSION_CLOSED.signed_out);
    }
  }

  /** The user's membership of a room ended: its sockets there leave the room, and are told why. */
  function membershipEnded(userId: string, roomId: string): void {
    for (const { connection } of byUser.get(userId) ?? []) {
      if (connection.roomId !== roomId) continue;
      handlers.leaveCurrentRoom(connection);
      connection.send(
        frameOf({
          type: 'left',
          roomId,
          reason: 'You left this room (on this or another device): join it again to return.',
        }),
      );
    }
  }

  /** Tells every socket to reconnect elsewhere, then closes them (shutdown). */
  function closeAll(reason: string): void {
    clearInterval(heartbeat);
    frameFailures.close();
    const goodbye = frameOf({ type: 'reconnect', reason });
    for (const socket of sockets) {
      socket.send(goodbye);
      socket.close(CloseCode.goingAway, reason);
    }
  }

  return { accept, closeAll, endSession, membershipEnded, connectionCount: () => connections.size };
}
export type Gateway = ReturnType<typeof createGateway>;
