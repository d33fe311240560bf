import { CodeResponse, RoomParams } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Collab } from '../collab/index.ts';
import { currentUser } from './auth-hook.ts';
import { errorResponses } from './schema-helpers.ts';

export function codeRoutes(app: FastifyInstance, { collab }: { collab: Collab }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/rooms/:roomId/code',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['code'],
        summary: "A code room's current code",
        description:
          'The shared document as plain text, as the editors see it now (or as last stored), for members of the room (opening its editor over `/ws/code` joins it, as `POST /rooms/:roomId/join` does). Edit it live over the Yjs socket at `/ws/code` (see docs/protocol.md).',
        params: RoomParams,
        response: { 200: CodeResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      roomId: request.params.roomId,
      ...(await collab.readAsMember(request.params.roomId, currentUser(request).id)),
    }),
  );
}
