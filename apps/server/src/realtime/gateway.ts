import { randomUUID } from 'node:crypto';
import { ClientFrame, CloseCode, PROTOCOL_VERSION, type ServerFrame, type WsErrorCode } from '@tandem/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Authenticated } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import { toPublicUser } from '../services/mappers.ts';
import { Connection } from './connection.ts';
import { type FrameHandlers, NotInRoomError } from './frame-handlers.ts';
import type { LobbyFeed } from './lobby.ts';
import { sendPrepared } from './prepared-frame.ts';
import { tokenBucket } from './token-bucket.ts';

const KNOWN_TYPES = new Set<string>(ClientFrame.options.map((o) => o.shape.type.value));
/** Frames other than sends (typing, reads, pings) a socket may send, on top of its send budget. */
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
}) {
  const { services, handlers, lobby, options, log } = deps;
  const sockets = new Set<Tracked>();
  const connections = new Set<Connection>();

  const heartbeat = setInterval(() => {
    for (const socket of sockets) {
      if (socket.alive === false) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  const frameOf = (frame: ServerFrame) => JSON.stringify(frame);
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
   */
  function accept(
    socket: Tracked,
    auth: Authenticated | null,
    version: string | undefined,
    presentedToken = false,
  ): void {
    if (version !== undefined && version !== String(PROTOCOL_VERSION)) {
      socket.close(
        CloseCode.unsupportedVersion,
        `protocol version ${version.slice(0, 16)} is not supported; this server speaks ${PROTOCOL_VERSION}`,
      );
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
    let queue: Promise<void> = Promise.resolve();
    // Every frame counts against this, so a flood of typing or pings is cut like a flood of sends.
    const frames = tokenBucket(OTHER_FRAMES_PER_SECOND + options.sendsPerSecond, OTHER_FRAME_BURST + options.sendBurst);
    const sends = tokenBucket(options.sendsPerSecond, options.sendBurst);
    const authTimer = auth
      ? undefined
      : setTimeout(() => socket.close(CloseCode.authTimeout, 'no auth frame in time'), options.authTimeoutMs);
    authTimer?.unref();

    const open = (authenticated: Authenticated, ref?: string) => {
      clearTimeout(authTimer);
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
    if (auth) open(auth);

    socket.on('message', (data, isBinary) => {
      if ((data as Buffer).length > options.maxFrameBytes) {
        socket.close(CloseCode.tooBig, `frames may be at most ${options.maxFrameBytes} bytes`);
        return;
      }
      // Handled one at a time, in order: a `send` right after a `join` waits for the join.
      queue = queue
        .then(() => handle(isBinary ? null : data.toString()))
        .catch((error: unknown) => {
          log.error({ err: error }, 'frame handling failed');
          const failure = errorFrame('internal', 'Something went wrong on our side. Try again in a moment.');
          if (connection) connection.send(failure);
          else socket.close(CloseCode.unauthorized, 'authentication failed');
        });
    });

    socket.on('close', () => {
      clearTimeout(authTimer);
      sockets.delete(socket);
      if (!connection) return;
      const closing = connection;
      connections.delete(closing);
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
      // The ref is echoed so that a client can retry exactly the frame that was refused.
      if (!frames.take()) return reply(errorFrame('rate_limited', 'Too many frames; slow down.', ref));
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
        const authenticated = await services.accounts.authenticate(frame.token);
        if (!authenticated) {
          socket.close(CloseCode.unauthorized, 'session unknown or expired: sign in again');
          return;
        }
        return open(authenticated, frame.ref);
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
            if (!sends.take()) {
              return reply(
                errorFrame('rate_limited', `At most ${options.sendsPerSecond} messages a second; slow down.`, ref),
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
        throw error;
      }
    }
  }

  /** Tells every socket to reconnect elsewhere, then closes them (shutdown). */
  function closeAll(reason: string): void {
    clearInterval(heartbeat);
    const goodbye = frameOf({ type: 'reconnect', reason });
    for (const socket of sockets) {
      socket.send(goodbye);
      socket.close(CloseCode.goingAway, reason);
    }
  }

  return { accept, closeAll, connectionCount: () => connections.size };
}
export type Gateway = ReturnType<typeof createGateway>;
