import { HistoryQuery, HistoryResponse, Message, PostMessageRequest, RoomParams } from '@tandem/protocol';
import { MESSAGE_MAX } from '@tandem/protocol/constants';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomId } from '../ids.ts';
import type { RouteOptions } from './auth.routes.ts';
import { currentUser } from './auth-hook.ts';
import { errorResponses, signedIn } from './schema-helpers.ts';

export function messageRoutes(
  app: FastifyInstance,
  { services, sendRateLimit }: RouteOptions & { sendRateLimit: number },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { messages } = services;

  r.post(
    '/rooms/:roomId/messages',
    {
      config: {
        auth: 'required',
        rateLimit: {
          max: sendRateLimit,
          timeWindow: 60_000,
          keyGenerator: (request) => request.auth?.user.id ?? request.ip,
        },
      },
      schema: {
        tags: ['messages'],
        summary: 'Post a message to a room you are a member of',
        description: `The body is trimmed and must be 1–${MESSAGE_MAX} characters. \`clientMessageId\` is yours to choose and unique per sender: a retry with the same id returns the stored message (200) instead of storing it twice (201 the first time). The same id with a different body or room answers 409. \`clientMessageId\` may be left out (\`{"body": "hello"}\`): the server then makes one, and a retry of that request stores the message again — send an id whenever a request may be retried. In encrypted rooms a missing id is taken from \`sealed.clientMessageId\`.`,
        security: signedIn,
        params: RoomParams,
        body: PostMessageRequest,
        response: { 200: Message, 201: Message, ...errorResponses(400, 401, 403, 404, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const { clientMessageId, ...post } = request.body;
      const { message, created } = await messages.post(request.params.roomId, currentUser(request), {
        ...post,
        // Without an id the send cannot be recognised when retried. An encrypted message carries its
        // id signed inside; any other gets a fresh random one.
        clientMessageId: clientMessageId ?? post.sealed?.clientMessageId ?? `srv-${randomId()}`,
      });
      return reply.status(created ? 201 : 200).send(message);
    },
  );

  r.get(
    '/rooms/:roomId/messages',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['messages'],
        summary: "A page of a room's history",
        description:
          'Newest page by default. `before=<seq>` pages backwards, `after=<seq>` pages forwards (catching up after a disconnect); both together give the messages between. At most 100 a page; messages come in ascending seq order.',
        security: signedIn,
        params: RoomParams,
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => messages.history(request.params.roomId, currentUser(request), request.query),
  );
}
