import { RoomMessageCounts, StatsQuery, UserMessageCounts } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteOptions } from './auth.routes.ts';
import { errorResponses, signedIn } from './schema-helpers.ts';

export function statsRoutes(app: FastifyInstance, { services }: RouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/stats/rooms',
    {
      schema: {
        tags: ['stats'],
        summary: 'Messages per room',
        description: 'Busiest rooms first. Read from a counter, not by counting rows.',
        querystring: StatsQuery,
        response: { 200: RoomMessageCounts, ...errorResponses(400) },
      },
    },
    async (request) => {
      return { rooms: await services.rooms.messageCounts(request.query.limit) };
    },
  );

  r.get(
    '/stats/users',
    {
      // Usernames are not for anyone who asks: a session (a guest's will do) is needed.
      config: { auth: 'required' },
      schema: {
        tags: ['stats'],
        summary: 'Messages sent by each user across all rooms',
        description: 'Most active first; users who never sent a message are left out. Needs a session.',
        security: signedIn,
        querystring: StatsQuery,
        response: { 200: UserMessageCounts, ...errorResponses(400, 401) },
      },
    },
    async (request) => ({ users: await services.accounts.messageCounts(request.query.limit) }),
  );
}
