import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { sessionToken } from '../http/auth-hook.ts';
import type { Services } from '../services/index.ts';
import { frameHandlers } from './frame-handlers.ts';
import { createGateway } from './gateway.ts';
import { PresenceDirectory } from './presence.ts';
import { RoomHub } from './room-hub.ts';
import { TypingLeases } from './typing.ts';

/**
 * Realtime, assembled: the room hub (fan-out over the bus), presence, typing leases, the frame
 * handlers and the gateway serving `/ws`. Messages stored by any path (REST or socket) are
 * announced by the hub.
 */
export async function registerRealtime(
  app: FastifyInstance,
  deps: { services: Services; bus: Bus; clock: Clock; options: Config['realtime'] },
) {
  const { services, bus, clock, options } = deps;
  const nodeId = randomUUID();
  const hub = new RoomHub(bus, nodeId);
  const presence = new PresenceDirectory({
    bus,
    nodeId,
    clock,
    nodeTimeoutMs: options.nodeTimeoutMs,
    onChange: (roomId, user, action) => hub.presenceNotice(roomId, user, action),
  });
  const typing = new TypingLeases(
    options.typingTimeoutMs,
    (roomId, user) => handlers.typingExpired(roomId, user),
    clock.now,
  );
  const handlers = frameHandlers({ services, hub, presence, typing, typingTimeoutMs: options.typingTimeoutMs });
  const gateway = createGateway({ services, handlers, options, log: app.log });
  services.messages.onMessage((message) => hub.announceMessage(message));
  presence.start();

  await app.register(websocket, {
    options: { maxPayload: options.maxFrameBytes, perMessageDeflate: false },
    preClose: async () => {
      gateway.closeAll('server shutting down');
    },
  });
  app.get('/ws', { websocket: true, config: { auth: 'optional' }, schema: { hide: true } }, (socket, request) => {
    const version = (request.query as { v?: string }).v;
    gateway.accept(socket, request.auth, version, sessionToken(request) !== undefined);
  });
  app.addHook('onClose', async () => {
    presence.stop();
    typing.clear();
  });

  return { hub, presence, gateway, nodeId };
}
