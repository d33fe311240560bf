import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { PROTOCOL_VERSION } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { loadConfig } from '../config.ts';
import { ASYNCAPI_PATH, asyncApiYaml } from './asyncapi.ts';
import type { ExampleLimits } from './frame-examples.ts';

/**
 * OpenAPI 3.1 generated from the protocol's zod schemas: Swagger UI at /docs, JSON at /docs/json.
 * The sockets' AsyncAPI 3.0 document, generated from the same schemas, at /docs/asyncapi (YAML):
 * its examples show the default limits, like docs/asyncapi.yaml, which is the same text.
 */
export async function registerDocs(
  app: FastifyInstance,
  limits: ExampleLimits = loadConfig({}).realtime,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tandem API',
        version: `${PROTOCOL_VERSION}.0.0`,
        description:
          'Rooms, people and messages over REST. Every error answers `{"error": {"code", "message", "details"}}`. ' +
          'Authenticate with the `tandem_session` cookie (browsers) or `Authorization: Bearer <token>`.',
      },
      tags: [
        { name: 'auth', description: 'Guests, accounts and sessions' },
        { name: 'rooms', description: 'Rooms and membership' },
        { name: 'messages', description: 'Posting and reading messages' },
        { name: 'uploads', description: 'Files for messages' },
        { name: 'code', description: 'Pair-programming code rooms' },
        { name: 'encryption', description: 'End-to-end encrypted rooms: device keys and wrapped room keys' },
        { name: 'stats', description: 'Counts' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'tandem_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Built on first request: rendering every frame's schema is work a start-up does not need.
  let asyncApi: string | undefined;
  app.get(ASYNCAPI_PATH, { schema: { hide: true } }, async (_request, reply) => {
    asyncApi ??= asyncApiYaml({ limits });
    return reply.type('application/yaml; charset=utf-8').send(asyncApi);
  });
}
