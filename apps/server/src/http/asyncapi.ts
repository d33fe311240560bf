import { isDeepStrictEqual } from 'node:util';
import { ClientFrame, CloseCode, PROTOCOL_VERSION, ServerFrame } from '@tandem/protocol';
import { stringify } from 'yaml';
import { z } from 'zod';
import { CODE_SOCKET_PATH } from '../collab/index.ts';
import {
  type ClientExamples,
  clientFrameExamples,
  type ExampleLimits,
  type ServerExamples,
  serverFrameExamples,
} from './frame-examples.ts';

/**
 * The AsyncAPI 3.0 document of Tandem's sockets, generated from the zod schemas of
 * packages/protocol/src/ws.ts: one message per frame, its payload the frame's JSON Schema, its
 * example one that the schema accepts unchanged. The server serves it at /docs/asyncapi;
 * `npm run docs:asyncapi` writes the same text to docs/asyncapi.yaml, and a test fails when the
 * file is stale.
 */

type JsonSchema = { [key: string]: unknown };
type FrameSchema = z.ZodObject<{ type: z.ZodLiteral<string> }>;
type Side = 'client' | 'server';

export const ASYNCAPI_PATH = '/docs/asyncapi';

/** The frame that answers a client frame (it carries the same `ref`), when there is one. */
const replies: Record<string, string> = {
  auth: 'hello',
  join: 'joined',
  leave: 'left',
  send: 'ack',
  ping: 'pong',
  watch_rooms: 'watching',
};

const frameType = (schema: FrameSchema): string => schema.shape.type.value;
const messageKey = (side: Side, type: string) => `${side}.${type}`;
const operationId = (side: Side, type: string) =>
  `${side === 'client' ? 'receive' : 'send'}${type
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

/** Rewrites `#/definitions/X` (JSON Schema's local references) to the document's components. */
function rehome(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rehome(item, names));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonSchema = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$schema' || key === 'definitions') continue;
    if (key === '$ref' && typeof inner === 'string') {
      const name = inner.replace('#/definitions/', '');
      out.$ref = `#/components/schemas/${names.get(name) ?? name}`;
    } else {
      out[key] = rehome(inner, names);
    }
  }
  return out;
}

/** Checks an example against its frame schema and the union: it must parse, and parse unchanged. */
function checkedExample(side: Side, schema: FrameSchema, union: z.ZodType, example: unknown): unknown {
  const type = frameType(schema);
  if (example === undefined) throw new Error(`The ${side} frame "${type}" has no example (http/frame-examples.ts).`);
  for (const parser of [schema, union] as z.ZodType[]) {
    const parsed = parser.safeParse(example);
    if (!parsed.success) {
      throw new Error(`The example ${side} frame "${type}" fails its schema:\n${z.prettifyError(parsed.error)}`);
    }
    if (!isDeepStrictEqual(parsed.data, example)) {
      throw new Error(`The example ${side} frame "${type}" changes when its schema parses it (unknown keys?).`);
    }
  }
  return example;
}

function description(side: Side, schema: FrameSchema): string {
  if (schema.description === undefined) {
    throw new Error(`${side}:${frameType(schema)} has no description: add .describe(...) to its schema in ws.ts`);
  }
  return schema.description;
}

const closeCodes = Object.entries(CloseCode)
  .map(([name, value]) => `\`${value}\` ${name}`)
  .join(', ');

export type AsyncApiOptions = {
  limits: ExampleLimits;
  clientExamples?: ClientExamples;
  serverExamples?: ServerExamples;
};

/** The AsyncAPI document as a plain object. Throws when a frame lacks a description or a valid example. */
export function asyncApiDocument(options: AsyncApiOptions): JsonSchema {
  const examples: Record<Side, Record<string, unknown>> = {
    client: options.clientExamples ?? clientFrameExamples(),
    server: options.serverExamples ?? serverFrameExamples(options.limits),
  };
  const sides = [
    { side: 'client' as const, union: ClientFrame, io: 'input' as const },
    { side: 'server' as const, union: ServerFrame, io: 'output' as const },
  ];

  /** Each shared type as zod rendered it, and as the document holds it. */
  const rendered = new Map<string, unknown>();
  const schemas = new Map<string, unknown>();
  const messages: JsonSchema = {};
  const channelMessages: JsonSchema = {};
  const operations: JsonSchema = {};

  for (const { side, union, io } of sides) {
    for (const schema of union.options as readonly FrameSchema[]) {
      const type = frameType(schema);
      const json = z.toJSONSchema(schema, { io, unrepresentable: 'throw', target: 'draft-7' }) as JsonSchema;
      const definitions = (json.definitions ?? {}) as Record<string, unknown>;
      // A shared type keeps its name; a rendering that differs from one seen before (input vs
      // output) gets a suffix.
      const names = new Map<string, string>();
      for (const [name, definition] of Object.entries(definitions)) {
        const known = rendered.get(name);
        const same = known === undefined || isDeepStrictEqual(known, definition);
        names.set(name, same ? name : `${name}${side === 'client' ? 'Input' : 'Output'}`);
      }
      for (const [name, definition] of Object.entries(definitions)) {
        const target = names.get(name) as string;
        const known = rendered.get(target);
        if (known !== undefined && !isDeepStrictEqual(known, definition)) {
          throw new Error(`Two different schemas are both called ${target}: give one another id`);
        }
        rendered.set(target, definition);
        schemas.set(target, rehome(definition, names));
      }
      const key = messageKey(side, type);
      messages[key] = {
        name: type,
        title: `${side === 'client' ? 'Client' : 'Server'} \`${type}\``,
        summary: description(side, schema),
        contentType: 'application/json',
        payload: rehome(json, names),
        examples: [{ name: type, payload: checkedExample(side, schema, union, examples[side][type]) }],
      };
      channelMessages[key] = { $ref: `#/components/messages/${key}` };
      const reply = side === 'client' ? replies[type] : undefined;
      operations[operationId(side, type)] = {
        action: side === 'client' ? 'receive' : 'send',
        channel: { $ref: '#/channels/chat' },
        summary:
          side === 'client'
            ? `A client sends \`${type}\`${reply === undefined ? '' : `; the server answers \`${reply}\` (or \`error\`) with the same \`ref\``}.`
            : `The server sends \`${type}\`.`,
        messages: [{ $ref: `#/channels/chat/messages/${key}` }],
        ...(reply === undefined
          ? {}
          : {
              reply: {
                channel: { $ref: '#/channels/chat' },
                messages: [{ $ref: `#/channels/chat/messages/${messageKey('server', reply)}` }],
              },
            }),
      };
    }
    for (const type of Object.keys(examples[side])) {
      if (!(union.options as readonly FrameSchema[]).some((schema) => frameType(schema) === type)) {
        throw new Error(`The ${side} examples have "${type}", which is no ${side} frame type.`);
      }
    }
  }

  operations.receiveCodeFrame = {
    action: 'receive',
    channel: { $ref: '#/channels/code' },
    summary: 'A code-room client sends a Hocuspocus frame (sync, awareness, auth…).',
    messages: [{ $ref: '#/channels/code/messages/codeFrame' }],
  };
  operations.sendCodeFrame = {
    action: 'send',
    channel: { $ref: '#/channels/code' },
    summary: 'The server sends a Hocuspocus frame (sync, awareness, auth answer, saved…).',
    messages: [{ $ref: '#/channels/code/messages/codeFrame' }],
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tandem realtime API',
      version: `${PROTOCOL_VERSION}.0.0`,
      description: [
        'The WebSocket side of Tandem, generated from the zod schemas in `packages/protocol/src/ws.ts` (`npm run docs:asyncapi`).',
        'This document describes the **Tandem server**: `receive` operations are frames clients send to it, `send` operations are frames it sends to clients.',
        'The reference in prose, with limits and delivery rules, is `docs/protocol.md`; the REST API is described by OpenAPI at `/docs/json`.',
        `Close codes: ${closeCodes}.`,
      ].join('\n\n'),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:8000',
        protocol: 'ws',
        description: 'A Tandem started with `./tandem start`. Behind TLS, use `wss` and your host.',
        security: [{ $ref: '#/components/securitySchemes/cookie' }, { $ref: '#/components/securitySchemes/bearer' }],
      },
    },
    channels: {
      chat: {
        address: '/ws',
        title: 'Chat rooms',
        description:
          'One socket per client: JSON text frames, one object each, told apart by `type`. Authenticate with the session cookie, an `Authorization: Bearer <token>` header on the upgrade, or a first `auth` frame. A refused frame is answered with an `error` frame and the socket stays open.',
        messages: channelMessages,
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                v: {
                  type: 'string',
                  const: String(PROTOCOL_VERSION),
                  description: `The protocol version the client speaks; may be left out. Any other value closes the socket with ${CloseCode.unsupportedVersion}.`,
                },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
      code: {
        address: CODE_SOCKET_PATH,
        title: 'Code rooms',
        description:
          'The shared editor of a code room: Yjs sync and awareness over the Hocuspocus protocol. Frames are binary: the document name (a lib0 varString: the room id), a varUint message type, then that type\'s payload. The document holds the text in `Y.Text("code")` and the language in `Y.Map("meta").language`. Use `@hocuspocus/provider` with `name: <roomId>`. The message types are listed in `docs/protocol.md`.',
        messages: {
          codeFrame: { $ref: '#/components/messages/codeFrame' },
        },
      },
    },
    operations,
    components: {
      schemas: Object.fromEntries([...schemas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      messages: {
        ...messages,
        codeFrame: {
          name: 'codeFrame',
          title: 'Hocuspocus frame',
          summary: 'One binary Hocuspocus message for the document named by the room id.',
          contentType: 'application/octet-stream',
          payload: { type: 'string', format: 'binary' },
        },
      },
      securitySchemes: {
        cookie: {
          type: 'httpApiKey',
          in: 'cookie',
          name: 'tandem_session',
          description: 'The session cookie browsers get at sign-in.',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The `token` of a session response, on the upgrade request (or in the first `auth` frame).',
        },
      },
    },
  };
}

/** The document as YAML, the way it is served and written to docs/asyncapi.yaml. */
export function asyncApiYaml(options: AsyncApiOptions): string {
  return `# Generated by scripts/write-asyncapi.ts from packages/protocol/src/ws.ts; do not edit.\n${stringify(
    asyncApiDocument(options),
    { lineWidth: 0, aliasDuplicateObjects: false },
  )}`;
}
