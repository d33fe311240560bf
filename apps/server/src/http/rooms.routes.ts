import {
  CreateRoomRequest,
  CreateRoomResponse,
  JoinByNameRequest,
  JoinResponse,
  MemberListResponse,
  RoomListQuery,
  RoomListResponse,
  RoomParams,
  RoomSummary,
} from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { forbidden, unauthorized } from '../errors.ts';
import { toPublicUser } from '../services/mappers.ts';
import type { RouteOptions } from './auth.routes.ts';
import { currentUser, setSessionCookie } from './auth-hook.ts';
import { errorResponses, signedIn } from './schema-helpers.ts';

export function roomRoutes(app: FastifyInstance, { services, cookieSecure, authRateLimit }: RouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { rooms, accounts } = services;

  r.post(
    '/rooms',
    {
      // Creating needs no session (seed 001), so each address gets a budget, like sign-ups.
      config: { auth: 'optional', rateLimit: { max: authRateLimit, timeWindow: 60_000 } },
      // `curl -X POST /rooms` with no body at all means "all defaults".
      preValidation: async (request) => {
        if (request.body == null) (request as { body: unknown }).body = {};
      },
      schema: {
        tags: ['rooms'],
        summary: 'Create a room',
        description:
          'Works without a session (pair-programming rooms need no sign-in). A signed-in creator becomes its first member. Without a name the room gets a readable generated one.',
        body: CreateRoomRequest,
        response: { 201: CreateRoomResponse, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const room = await rooms.create(request.body, request.auth?.user ?? null);
      return reply.status(201).send({ roomId: room.id, room });
    },
  );

  r.get(
    '/rooms',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['rooms'],
        summary: 'List rooms with message count, member count and last activity',
        description: 'Most recently active first. Signed in, each room also carries your membership and unread count.',
        querystring: RoomListQuery,
        response: { 200: RoomListResponse, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const viewer = request.auth?.user ?? null;
      if (request.query.joined && !viewer) throw unauthorized('Sign in to list the rooms you joined.');
      return { rooms: await rooms.list(viewer, { limit: request.query.limit, joinedOnly: request.query.joined }) };
    },
  );

  r.get(
    '/rooms/:roomId',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['rooms'],
        summary: 'One room with its counts',
        params: RoomParams,
        response: { 200: RoomSummary, ...errorResponses(400, 404) },
      },
    },
    async (request) => rooms.summary(request.params.roomId, request.auth?.user.id ?? null),
  );

  r.post(
    '/rooms/join',
    {
      config: { auth: 'optional', rateLimit: { max: authRateLimit, timeWindow: 60_000 } },
      schema: {
        tags: ['rooms'],
        summary: 'Join a room by name, creating it if it does not exist',
        description:
          'The join page in one call: with `username` and no session, you join as a new guest and get a session. With `create: false`, an unknown name answers 404. Answers 201 when the room was created, 200 when it existed.',
        body: JoinByNameRequest,
        response: { 200: JoinResponse, 201: JoinResponse, ...errorResponses(400, 401, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      let user = request.auth?.user ?? null;
      let session: { token: string; expiresAt: string; user: ReturnType<typeof toPublicUser> } | undefined;
      if (!user) {
        if (!request.body.username) throw unauthorized('Sign in, or send a "username" to join as a guest.');
        const guest = await accounts.joinAsGuest(request.body.username);
        setSessionCookie(request, reply, guest.token, guest.expiresAt, cookieSecure);
        const authenticated = await accounts.authenticate(guest.token);
        if (!authenticated) throw new Error('a new guest session could not be read back');
        user = authenticated.user;
        session = { token: guest.token, expiresAt: guest.expiresAt, user: toPublicUser(user) };
      }
      const { room, created } = await rooms.joinByName(request.body, user);
      return reply.status(created ? 201 : 200).send(session ? { room, created, session } : { room, created });
    },
  );

  r.post(
    '/rooms/:roomId/join',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['rooms'],
        summary: 'Join a room by id',
        description: 'Joining a room you are already in changes nothing.',
        security: signedIn,
        params: RoomParams,
        response: { 200: JoinResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({ room: await rooms.joinById(request.params.roomId, currentUser(request)), created: false }),
  );

  r.post(
    '/rooms/:roomId/leave',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['rooms'],
        summary: 'Leave a room',
        description: 'Your messages stay in the room. Leaving a room you are not in changes nothing.',
        security: signedIn,
        params: RoomParams,
        response: { 204: z.null().describe('Left'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await rooms.leave(request.params.roomId, currentUser(request));
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/rooms/:roomId/members',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['rooms'],
        summary: 'The users in a room',
        description: 'For members only: 401 without a session, 403 for a room you are not in.',
        security: signedIn,
        params: RoomParams,
        response: { 200: MemberListResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { roomId } = request.params;
      await rooms.requireRoom(roomId);
      if (!(await rooms.isMember(roomId, currentUser(request).id))) {
        throw forbidden('Only the members of a room see who is in it. Join it first.');
      }
      return rooms.members(roomId);
    },
  );
}
