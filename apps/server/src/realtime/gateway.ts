import { CloseCode, PROTOCOL_VERSION } from '@tandem/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Limits } from '../limits/limits.ts';
import { createLogLimiter } from '../log-limiter.ts';
import type { Authenticated, SessionEnd } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import { frameOf } from './client-frame.ts';
import type { FrameHandlers } from './frame-handlers.ts';
import type { LobbyFeed } from './lobby.ts';
import { sendPrepared } from './prepared-frame.ts';
import {
  newFrameBucket,
  SESSION_UNCHECKED,
  SESSION_UNKNOWN,
  type SessionRegistry,
  type SessionSocket,
  SocketSession,
} from './socket-session.ts';
import type { TokenBucket } from './token-bucket.ts';

type Tracked = WebSocket & { alive?: boolean };

/** The `ws` socket as a session sees it: the only place the two meet. */
function sessionSocket(socket: WebSocket): SessionSocket {
  return {
    send: (data) => socket.send(data),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    sendPrepared: (frame) => sendPrepared(socket, frame),
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
  };
}

/**
 * Why a socket is refused before it gets a session, if it is: a protocol version this server does
 * not speak (4426), a token that could not be looked up (1013: our failure, not the token's), or
 * one that does not resolve (4401, at once rather than after the auth timeout).
 */
function refusal(
  version: string | undefined,
  auth: Authenticated | null,
  presentedToken: boolean,
  sessionCheckFailed: boolean,
): [code: number, reason: string] | null {
  if (version !== undefined && version !== String(PROTOCOL_VERSION)) {
    const reason = `protocol version ${version.slice(0, 16)} is not supported; this server speaks ${PROTOCOL_VERSION}`;
    return [CloseCode.unsupportedVersion, reason];
  }
  if (presentedToken && sessionCheckFailed) return [CloseCode.tryAgainLater, SESSION_UNCHECKED];
  if (presentedToken && !auth) return [CloseCode.unauthorized, SESSION_UNKNOWN];
  return null;
}

/**
 * The gateway's book of authenticated sockets: all of them, by user and by sign-in session (a
 * token's hash), and each user's frame bucket on this node, dropped with the user's last socket.
 */
function sessionBook(options: Config['realtime']) {
  const opened = new Set<SocketSession>();
  const byUser = new Map<string, Set<SocketSession>>();
  const bySession = new Map<string, Set<SocketSession>>();
  const frameBuckets = new Map<string, TokenBucket>();
  const index = <K>(map: Map<K, Set<SocketSession>>, key: K, session: SocketSession, add: boolean) => {
    const set = map.get(key) ?? new Set<SocketSession>();
    if (add) {
      set.add(session);
      map.set(key, set);
    } else if (set.delete(session) && set.size === 0) map.delete(key);
  };
  const registry: SessionRegistry = {
    framesOf(userId) {
      const frames = frameBuckets.get(userId) ?? newFrameBucket(options);
      frameBuckets.set(userId, frames);
      return frames;
    },
    opened(session, { connection, tokenHash }) {
      opened.add(session);
      index(byUser, connection.user.id, session, true);
      index(bySession, tokenHash, session, true);
    },
    closed(session, { connection, tokenHash }) {
      const userId = connection.user.id;
      opened.delete(session);
      index(byUser, userId, session, false);
      index(bySession, tokenHash, session, false);
      if (!byUser.has(userId)) frameBuckets.delete(userId);
    },
  };
  return { registry, opened, byUser, bySession };
}

/**
 * Every beat, a socket that did not answer the last ping is cut off and the others are pinged;
 * sessions that ran out while their sockets were open end, at the latest a beat late.
 */
function startHeartbeat(sockets: Set<Tracked>, opened: Set<SocketSession>, heartbeatMs: number, clock: Clock) {
  const heartbeat = setInterval(() => {
    for (const socket of sockets) {
      if (socket.alive === false) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
    const now = clock.now();
    for (const session of opened) session.expireBy(now);
  }, heartbeatMs);
  heartbeat.unref();
  return heartbeat;
}

type GatewayDeps = {
  services: Services;
  handlers: FrameHandlers;
  lobby: LobbyFeed;
  options: Config['realtime'];
  log: FastifyBaseLogger;
  /** Socket slots and the send budget, shared by every node through Redis when there is one. */
  limits: Limits;
  clock: Clock;
};

/**
 * The `/ws` endpoint: refuses what cannot be served, hands every other socket to a
 * `SocketSession` (authentication, frames, limits, cleanup: `socket-session.ts`), keeps the
 * heartbeat, and finds sockets by user and by sign-in session for what happens elsewhere (a
 * sign-out, a membership ended, shutdown).
 */
export function createGateway(deps: GatewayDeps) {
  const { options, log, clock } = deps;
  const sockets = new Set<Tracked>();
  const { registry, opened, byUser, bySession } = sessionBook(options);
  const heartbeat = startHeartbeat(sockets, opened, options.heartbeatMs, clock);
  // A failure one client can trigger at will is logged at most 30 times a minute per user.
  const frameFailures = createLogLimiter(log, { perMinute: 30, what: 'failed frames' });
  const context = { ...deps, frameFailures, registry };

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
    const refused = refusal(version, auth, presentedToken, sessionCheckFailed);
    if (refused) {
      socket.close(...refused);
      return;
    }
    sockets.add(socket);
    socket.alive = true;
    socket.on('pong', () => {
      socket.alive = true;
    });
    const session = new SocketSession(sessionSocket(socket), context, { auth, refusedOrigin });
    // `ws` hands text and binary frames over as one Buffer each (binaryType 'nodebuffer').
    socket.on('message', (data, isBinary) => session.received(data as Buffer, isBinary));
    socket.on('close', () => {
      sockets.delete(socket);
      session.closed();
    });
  }

  /**
   * A session was signed out: its sockets close with 4401. A session replaced by a registration
   * (a guest who became an account) leaves them open: they are the same user, and a socket told to
   * reconnect at once could race the new cookie and be signed out for nothing; they pick up the
   * new session when they next connect.
   */
  function endSession(tokenHash: string, why: SessionEnd): void {
    if (why === 'replaced') return;
    for (const session of [...(bySession.get(tokenHash) ?? [])]) session.signedOut();
  }

  /** The user's membership of a room ended: its sockets there leave the room, and are told why. */
  function membershipEnded(userId: string, roomId: string): void {
    for (const session of byUser.get(userId) ?? []) session.membershipEnded(roomId);
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

  return { accept, closeAll, endSession, membershipEnded, connectionCount: () => opened.size };
}
export type Gateway = ReturnType<typeof createGateway>;
