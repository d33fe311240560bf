import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import { CloseCode } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { Bus, BusRecovery } from '../bus/bus.ts';
import { AccountMessage, type BusRejection, decode, encode } from '../bus/protocol.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { sessionToken } from '../http/auth-hook.ts';
import { socketErrorHandler } from '../http/errors.ts';
import type { Limits } from '../limits/limits.ts';
import { createLogLimiter } from '../log-limiter.ts';
import type { Metrics } from '../metrics.ts';
import type { SessionEnd } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import { frameHandlers } from './frame-handlers.ts';
import { createGateway } from './gateway.ts';
import { LobbyFeed } from './lobby.ts';
import { PresenceDirectory } from './presence.ts';
import { RoomHub } from './room-hub.ts';
import { TypingLeases } from './typing.ts';

/** Largest Yjs sync frame accepted on the code socket. */
export const CODE_FRAME_MAX_BYTES = 2 * 1024 * 1024;

/** Bus channel for sessions revoked and memberships ended, which sockets on every node must hear. */
const ACCOUNT_CHANNEL = 'accounts';
export type AccountEvent =
  | { t: 'session'; tokenHash: string; why: SessionEnd }
  | { t: 'left'; roomId: string; userId: string };
type Logger = {
  warn: (obj: object, msg: string) => void;
  info: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
};

/** Per app: who else on this node acts on those events (the code-room sockets). */
const accountListeners = new WeakMap<FastifyInstance, Set<(event: AccountEvent) => void>>();

/**
 * Hears every session revoked and membership ended, on every node, as the `/ws` gateway does (the
 * code-room socket closes its own connections with it). Returns the unsubscribe.
 */
export function onAccountEvent(app: FastifyInstance, listener: (event: AccountEvent) => void): () => void {
  const listeners = accountListeners.get(app) ?? new Set();
  accountListeners.set(app, listeners);
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** How often coalesced room activity is sent to sockets that watch rooms. */
const LOBBY_FLUSH_MS = 250;

/**
 * The parts of realtime that the services read (who is online) and that fan events out: made
 * before the services, started by `registerRealtime`.
 */
export function createRealtimeCore(deps: {
  bus: Bus;
  clock: Clock;
  options: Config['realtime'];
  metrics: Metrics;
  log: Logger;
}) {
  const nodeId = randomUUID();
  // Bus messages this node cannot read (another version, or junk): dropped, counted, logged a few
  // times a minute per channel kind (a node of another version would otherwise flood the log).
  const rejectLog = createLogLimiter(deps.log, { perMinute: 5, what: 'bus messages dropped' });
  const rejected = (channel: string, rejection: BusRejection) => {
    const kind = channel.startsWith('room:') ? 'room' : channel;
    deps.metrics.busRejected.inc({ channel: kind, reason: rejection.reason });
    rejectLog.log(
      'warn',
      `bus:${kind}`,
      { channel, reason: rejection.reason, detail: rejection.detail },
      'dropped a bus message this node cannot read (another node of another version?)',
    );
  };
  const hub = new RoomHub(
    deps.bus,
    nodeId,
    (deliveries, seconds) => {
      deps.metrics.framesDelivered.inc(deliveries);
      deps.metrics.fanoutSeconds.observe(seconds);
    },
    rejected,
  );
  const presence: PresenceDirectory = new PresenceDirectory({
    bus: deps.bus,
    nodeId,
    clock: deps.clock,
    nodeTimeoutMs: deps.options.nodeTimeoutMs,
    rejected,
    onChange: (roomId, user, action) => {
      hub.presenceNotice(roomId, user, action);
      lobby.presenceChanged(roomId);
    },
  });
  const lobby = new LobbyFeed({
    bus: deps.bus,
    nodeId,
    onlineCount: (roomId) => presence.onlineCount(roomId),
    flushMs: LOBBY_FLUSH_MS,
    rejected,
  });
  // The bus is back: sockets that may have missed room events are told to resync (presence
  // announces itself again on its own).
  const recovered = new Set<(recovery: BusRecovery, resyncedSockets: number) => void>();
  deps.bus.onReconnect((recovery) => {
    if (recovery.downMs > 0) deps.metrics.busReconnects.inc();
    const resynced = hub.recover(recovery);
    for (const listener of recovered) listener(recovery, resynced);
  });
  const onBusRecovered = (listener: (recovery: BusRecovery, resyncedSockets: number) => void) =>
    void recovered.add(listener);
  return { nodeId, hub, presence, lobby, bus: deps.bus, onBusRecovered, rejected, closeLog: () => rejectLog.close() };
}
export type RealtimeCore = ReturnType<typeof createRealtimeCore>;

/**
 * Realtime, assembled: typing leases, the frame handlers and the gateway serving `/ws`, on top
 * of the core. Messages stored by any path (REST or socket) are announced by the hub, and new
 * messages and rooms reach room-list watchers.
 */
export async function registerRealtime(
  app: FastifyInstance,
  deps: { services: Services; core: RealtimeCore; clock: Clock; options: Config['realtime']; limits: Limits },
) {
  const { services, core, clock, options, limits } = deps;
  const { hub, presence, lobby, bus } = core;
  core.onBusRecovered((recovery, resyncedSockets) =>
    app.log.info(
      {
        downMs: recovery.downMs,
        resyncedSockets,
        roomsResyncedElsewhere: [...recovery.droppedChannels].filter((c) => c.startsWith('room:')).length,
      },
      'realtime caught up after a bus outage: sockets told to resync',
    ),
  );
  presence.onStalled((stalledMs) =>
    app.log.warn(
      { stalledMs },
      'this process was stopped or blocked, and heard no other node meanwhile; presence re-announced',
    ),
  );
  const typing = new TypingLeases(
    options.typingTimeoutMs,
    (roomId, user) => handlers.typingExpired(roomId, user),
    clock.now,
  );
  const handlers = frameHandlers({ services, hub, presence, typing, typingTimeoutMs: options.typingTimeoutMs });
  const gateway = createGateway({ services, handlers, lobby, options, log: app.log, limits, clock });
  // Sessions revoked and memberships ended reach the sockets on every node: each node acts on its
  // own. Replayed if the bus was down (acting on one twice is harmless; missing one is not).
  services.accounts.onSessionEnded((tokenHash, why) =>
    bus.publish(ACCOUNT_CHANNEL, encode<AccountMessage>({ t: 'session', tokenHash, why }), {
      replay: true,
    }),
  );
  services.rooms.onLeft((roomId, userId) =>
    bus.publish(ACCOUNT_CHANNEL, encode<AccountMessage>({ t: 'left', roomId, userId }), {
      replay: true,
    }),
  );
  const unsubscribeAccounts = bus.subscribe(ACCOUNT_CHANNEL, (payload) => {
    const decoded = decode(AccountMessage, payload);
    if (!decoded.ok) {
      core.rejected(ACCOUNT_CHANNEL, decoded.rejection);
      return;
    }
    const { v: _version, ...event } = decoded.message;
    if (event.t === 'session') gateway.endSession(event.tokenHash, event.why);
    else gateway.membershipEnded(event.userId, event.roomId);
    for (const listener of accountListeners.get(app) ?? []) listener(event);
  });
  services.messages.onMessage((message) => {
    hub.announceMessage(message);
    lobby.roomChanged(message.roomId, { latestSeq: message.seq, lastActivityAt: message.createdAt });
  });
  services.rooms.onCreated((room) => lobby.roomChanged(room.id, { latestSeq: 0, lastActivityAt: room.createdAt }));
  // Encrypted rooms: key requests and new envelopes are announced to the room (they are opaque).
  services.e2e.on('keyRequested', (roomId, device) => hub.broadcast(roomId, { type: 'key_request', roomId, device }));
  services.e2e.on('keyDelivered', (roomId, recipientDeviceId, epoch) =>
    hub.broadcast(roomId, { type: 'key_available', roomId, recipientDeviceId, epoch }),
  );
  presence.start();
  lobby.start();

  // One socket server for /ws and /ws/code: its cap is the larger (a Yjs sync of a 100 KB file);
  // the chat gateway enforces its own, smaller cap on each frame.
  await app.register(websocket, {
    options: { maxPayload: Math.max(options.maxFrameBytes, CODE_FRAME_MAX_BYTES), perMessageDeflate: false },
    // A peer's broken frames (too large, bad UTF-8…) are its mistake: info, no stack (http/errors.ts).
    errorHandler: socketErrorHandler(app.log),
    // Shutdown: chat sockets are told to reconnect (to another node), then every socket left —
    // code editors, sockets still authenticating — is closed; a peer that does not finish the
    // close handshake is cut off, so shutdown stays bounded.
    preClose: async function (this: FastifyInstance) {
      gateway.closeAll('server shutting down');
      for (const client of this.websocketServer.clients) {
        client.close(CloseCode.goingAway, 'server shutting down');
        setTimeout(() => client.terminate(), 2000).unref();
      }
    },
  });
  app.get('/ws', { websocket: true, config: { auth: 'optional' }, schema: { hide: true } }, (socket, request) => {
    const version = (request.query as { v?: string }).v;
    const token = sessionToken(request) !== undefined;
    gateway.accept(socket, request.auth, version, token, request.refusedOrigin, request.sessionCheckFailed);
  });
  app.addHook('onClose', async () => {
    unsubscribeAccounts();
    presence.stop();
    lobby.stop();
    typing.clear();
  });

  return { ...core, gateway };
}
