import {
  DeviceKeys,
  DeviceListResponse,
  EnvelopeListResponse,
  KeyRequestBody,
  KeyRequestListResponse,
  PostEnvelopesRequest,
  RoomParams,
} from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequest } from '../errors.ts';
import type { RouteOptions } from './auth.routes.ts';
import { currentUser } from './auth-hook.ts';
import { errorResponses, signedIn } from './schema-helpers.ts';

const DeviceParams = z.object({ deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) });
const EnvelopeQuery = z.object({ deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) });
const done = z.null().describe('Done');

/** Encrypted rooms: device keys, key requests and envelopes, stored and relayed as they are. */
export function e2eRoutes(app: FastifyInstance, { services }: RouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { e2e } = services;
  const auth = { auth: 'required' as const };

  r.put(
    '/devices/:deviceId',
    {
      config: auth,
      schema: {
        tags: ['encryption'],
        summary: "Publish this device's public keys",
        description:
          'The bundle must name you as its user and be signed by its own signing key (the server checks the signature, so it cannot swap keys without it showing). Publishing again replaces the keys. At most 10 devices per person (409), 20 publications at once then one a minute (429).',
        security: signedIn,
        params: DeviceParams,
        body: DeviceKeys,
        response: { 204: done, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      if (request.body.deviceId !== request.params.deviceId) {
        throw badRequest('The device id in the path and in the body differ.', { field: 'deviceId' });
      }
      await e2e.publishDevice(currentUser(request), request.body);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/rooms/:roomId/devices',
    {
      config: auth,
      schema: {
        tags: ['encryption'],
        summary: "The members' device keys",
        description: 'To check message signatures and compare safety codes. Members only.',
        security: signedIn,
        params: RoomParams,
        response: { 200: DeviceListResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ devices: await e2e.roomDevices(request.params.roomId, currentUser(request)) }),
  );

  r.post(
    '/rooms/:roomId/key-requests',
    {
      config: auth,
      schema: {
        tags: ['encryption'],
        summary: 'Ask the members for the room key',
        description:
          "A new member's device asks; the members' online clients answer with envelopes. The server cannot answer: it has no key. At most 5 of your devices may wait in one room (409); 10 requests per room at once, then one a minute (429).",
        security: signedIn,
        params: RoomParams,
        body: KeyRequestBody,
        response: { 204: done, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await e2e.requestKey(request.params.roomId, currentUser(request), request.body.deviceId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/rooms/:roomId/key-requests',
    {
      config: auth,
      schema: {
        tags: ['encryption'],
        summary: 'Pending key requests',
        security: signedIn,
        params: RoomParams,
        response: { 200: KeyRequestListResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ requests: await e2e.keyRequests(request.params.roomId, currentUser(request)) }),
  );

  r.post(
    '/rooms/:roomId/envelopes',
    {
      config: auth,
      schema: {
        tags: ['encryption'],
        summary: "Hand the room key to members' devices",
        description:
          'Envelopes from one of your devices to devices of members; each answers a pending request. The first answer to a request wins: afterwards only its sender may replace its own envelope, and an envelope for a device with no pending request (or one another device already answered) is refused with 409, storing nothing of the batch.',
        security: signedIn,
        params: RoomParams,
        body: PostEnvelopesRequest,
        response: { 204: done, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await e2e.postEnvelopes(request.params.roomId, currentUser(request), request.body.envelopes);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/rooms/:roomId/envelopes',
    {
      config: auth,
      schema: {
        tags: ['encryption'],
        summary: 'The room keys wrapped for one of your devices',
        security: signedIn,
        params: RoomParams,
        querystring: EnvelopeQuery,
        response: { 200: EnvelopeListResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      envelopes: await e2e.envelopesFor(request.params.roomId, currentUser(request), request.query.deviceId),
    }),
  );
}
