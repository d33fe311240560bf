/**
 * Writes docs/protocol.md, the reference of the realtime protocol at `/ws`, from the zod schemas
 * in packages/protocol/src/ws.ts: every frame's description, field table (through its JSON
 * Schema) and example come from the schemas, and every example is validated against its schema
 * here, so the document cannot show a frame the server would refuse or never send.
 *
 *   node scripts/write-protocol-doc.ts           (re)writes docs/protocol.md
 *   node scripts/write-protocol-doc.ts --check   exits 1 when docs/protocol.md is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { MessageType } from '@hocuspocus/server';
import { z } from 'zod';
import { CODE_SOCKET_PATH } from '../apps/server/src/collab/index.ts';
import { CATCH_UP_LIMIT, SNAPSHOT_MESSAGES } from '../apps/server/src/realtime/frame-handlers.ts';
import { CODE_FRAME_MAX_BYTES } from '../apps/server/src/realtime/index.ts';
import { ClientFrame, CloseCode, PROTOCOL_VERSION, ServerFrame, WsErrorCode } from '../packages/protocol/src/index.ts';

import {
  clientExamples,
  closeCodeMeanings,
  defaults,
  errorCodeMeanings,
  serverExamples,
} from './protocol-doc/content.ts';
import {
  code,
  type Direction,
  type FrameSchema,
  fieldRows,
  frameHeading,
  type JsonSchema,
  json,
  slug,
  table,
} from './protocol-doc/markdown.ts';

export { clientExamples, serverExamples };

export const PROTOCOL_DOC_PATH = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));

// ---------------------------------------------------------------- schema facts

function frameType(schema: FrameSchema): string {
  return schema.shape.type.value;
}

function description(direction: Direction, schema: FrameSchema): string {
  const key = `${direction}:${frameType(schema)}`;
  const text = schema.description;
  if (text === undefined) throw new Error(`${key} has no description: add .describe(...) to its schema in ws.ts`);
  return text;
}

/**
 * Cross-field rules (`.refine(...)`) do not show in JSON Schema; their messages are read from
 * the schema's checks so the document states them. A rule whose message cannot be read stops
 * the script rather than go unmentioned.
 */
function rules(direction: Direction, schema: FrameSchema): string[] {
  const out: string[] = [];
  for (const check of schema._zod.def.checks ?? []) {
    const def = check._zod.def;
    if (def.check !== 'custom') continue;
    const error = def.error as ((issue: object) => unknown) | undefined;
    const result = error?.({});
    const message = typeof result === 'string' ? result : (result as { message?: unknown } | undefined)?.message;
    if (typeof message !== 'string') {
      throw new Error(`${direction}:${frameType(schema)} has a refinement without a readable message`);
    }
    out.push(message);
  }
  return out;
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: 'throw' }) as JsonSchema;
}

/** Throws unless every frame type has an example that its schema (and the union) accepts unchanged. */
export function validateExamples(): void {
  const sides = [
    { direction: 'client', union: ClientFrame, examples: clientExamples as Record<string, unknown> },
    { direction: 'server', union: ServerFrame, examples: serverExamples as Record<string, unknown> },
  ] as const;
  for (const { direction, union, examples } of sides) {
    const types = new Set<string>();
    for (const schema of union.options as readonly FrameSchema[]) {
      const type = frameType(schema);
      types.add(type);
      const example = examples[type];
      if (example === undefined) {
        throw new Error(`The ${direction} frame "${type}" has no example: add one to ${direction}Examples.`);
      }
      for (const [name, parser] of [
        ['its schema', schema],
        [`${direction === 'client' ? 'ClientFrame' : 'ServerFrame'}`, union],
      ] as const) {
        const parsed = (parser as z.ZodType).safeParse(example);
        if (!parsed.success) {
          throw new Error(`The example ${direction} frame "${type}" fails ${name}:\n${z.prettifyError(parsed.error)}`);
        }
        // Parsing drops unknown keys and trims strings: an example must come through unchanged.
        if (!isDeepStrictEqual(parsed.data, example)) {
          throw new Error(`The example ${direction} frame "${type}" changes when ${name} parses it (unknown keys?).`);
        }
      }
    }
    for (const type of Object.keys(examples)) {
      if (!types.has(type)) throw new Error(`${direction}Examples has "${type}", which is no ${direction} frame type.`);
    }
  }
}

function checkMeanings(what: string, keys: readonly string[], meanings: Record<string, string>): void {
  for (const key of keys) {
    if (!meanings[key]) throw new Error(`${what} "${key}" has no meaning: add it in scripts/write-protocol-doc.ts`);
  }
  for (const key of Object.keys(meanings)) {
    if (!keys.includes(key)) throw new Error(`${what} "${key}" has a meaning but no longer exists`);
  }
}

// ---------------------------------------------------------------- the document

const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
const bytes = (n: number) =>
  n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

function intro(): string {
  const d = defaults;
  return `# Realtime protocol (WebSocket)

<!-- Generated by scripts/write-protocol-doc.ts from packages/protocol/src/ws.ts; do not edit.
     Change the schemas or the script, then run \`npm run docs:protocol\`. -->

Protocol version **${PROTOCOL_VERSION}**. Everything below is generated from the zod schemas in
\`packages/protocol/src/ws.ts\` (\`ClientFrame\`, \`ServerFrame\`, \`CloseCode\`, \`WsErrorCode\`);
every example is checked against its schema when this file is written.

## Connecting

- **Endpoint:** \`GET /ws\`, upgraded to a WebSocket: \`ws://localhost:8000/ws?v=${PROTOCOL_VERSION}\`
  (\`wss://\` behind TLS).
- **Version:** \`?v=${PROTOCOL_VERSION}\` names the protocol version the client speaks. It may be left
  out; any other value closes the socket with \`${CloseCode.unsupportedVersion}\` (unsupported version).
- **Frames:** JSON text frames, one object each, told apart by \`type\`. A binary frame or text
  that is not JSON is answered with a \`bad_frame\` error.
- **\`ref\`:** a client frame may carry a \`ref\` of the client's choosing (at most 64 characters).
  The answer to that frame — \`joined\`, \`left\`, \`ack\`, \`pong\` or \`error\` — carries the same \`ref\`.
  Frames are handled one at a time, in the order they arrive.
- **Errors** never close the socket: a refused frame is answered with an \`error\` frame. Only
  authentication failures, oversized frames, slow consumers, an unsupported version and server
  shutdown close it ([close codes](#close-codes)).

## Authentication

A socket is authenticated in one of three ways; the server then sends \`hello\`.

1. **Cookie:** browsers send the HttpOnly session cookie that every sign-in call sets. It counts
   only from a page of this site (or one in \`CORS_ORIGINS\`): with another \`Origin\` it is ignored
   and the socket waits for an \`auth\` frame (cross-site WebSocket hijacking).
2. **Bearer header** on the upgrade request: \`Authorization: Bearer <token>\`, the \`token\` of any
   session response (\`POST /auth/guest\`, \`/auth/login\`, \`/auth/register\`, or \`/rooms/join\` with a
   \`username\`).
3. **\`auth\` frame:** for clients that cannot set headers, open the socket without credentials
   and send \`{"type":"auth","token":"…"}\` first, within ${duration(d.authTimeoutMs)} (\`WS_AUTH_TIMEOUT\`);
   otherwise the socket closes with \`${CloseCode.authTimeout}\`. Any other first frame, or an unknown or
   expired token, closes it with \`${CloseCode.unauthorized}\`.

A cookie or header whose token is unknown or expired counts as no credentials: the socket
waits for an \`auth\` frame like any other.

## Heartbeats

The server sends a WebSocket ping every \`heartbeatMs\` (${duration(d.heartbeatMs)}, \`WS_HEARTBEAT\`) and drops
a socket that has not answered with a pong by the next one. WebSocket libraries and browsers
answer pings by themselves. The \`ping\` frame is an application-level check for clients that
cannot see control frames: the server answers \`pong\`.

## Limits

\`hello\` carries this server's values in \`limits\`; the defaults:

${table(
  ['limit', 'default', 'setting', 'over it'],
  [
    ['frame size', bytes(d.maxFrameBytes), '`WS_MAX_FRAME_BYTES`', `the socket closes with \`${CloseCode.tooBig}\``],
    [
      'messages sent',
      `${d.sendsPerSecond} a second, bursts of ${d.sendBurst}, per user (all its sockets and REST, every node)`,
      '`WS_SENDS_PER_SECOND`, `WS_SEND_BURST`',
      '`rate_limited` error; the message is not stored',
    ],
    [
      'frames of any kind (binary too)',
      'a cap per user on a node, above the send rate',
      '–',
      '`rate_limited` error (one a second); the frames are dropped',
    ],
    [
      'open sockets',
      `${d.maxSocketsPerUser} per user (every node)`,
      '`WS_MAX_SOCKETS_PER_USER`',
      `the new socket closes with \`${CloseCode.tooManyConnections}\``,
    ],
    [
      'unread data queued for a client',
      bytes(d.sendBufferLimit),
      '`WS_SEND_BUFFER_LIMIT`',
      `the socket closes with \`${CloseCode.slowConsumer}\` (slow consumer)`,
    ],
    ['typing lease', duration(d.typingTimeoutMs), '`TYPING_TIMEOUT`', 'the others are told typing stopped'],
  ],
)}

## Rooms and delivery

- **One room at a time.** \`join\` enters a room by \`roomId\` or \`roomName\` and makes you a member
  (joining by name never creates a room). Joining another room leaves the first. \`send\`,
  \`typing\`, \`read\` and \`leave\` name the room and are refused with \`not_in_room\` for any other.
  \`leave\` (or closing the socket) ends your presence, not your membership: you keep your read
  position and unread count; \`POST /rooms/:roomId/leave\` ends the membership.
- **Join snapshot.** The answer to \`join\` is \`joined\`: the room, who is present, read positions
  and messages. Without \`lastSeq\` it has the latest ${SNAPSHOT_MESSAGES} messages. With \`lastSeq\` it has every
  message after it (\`resumed: true\`), unless more than ${CATCH_UP_LIMIT} were missed: then it has the
  latest ${SNAPSHOT_MESSAGES} and \`resumed: false\`, and the client starts afresh (older pages over REST).
  Events that happen while the snapshot is made follow it, without repeating its messages.
- **Sending.** Once a message is stored the sender gets \`ack\` (with the \`ref\`), then everyone in
  the room — the sender's sockets included — gets \`message\`. A retry with the same
  \`clientMessageId\` is answered with \`ack\` and the stored message; nothing new is stored or
  broadcast. Messages posted over REST are broadcast the same way.
- **Typing** is a lease. Send \`typing\` with \`active: true\` and repeat it every few seconds while
  the person types; the room (you included) gets \`typing\` notices. The lease ends — and the room
  is told \`active: false\` — on \`active: false\`, on sending a message, on leaving, on disconnect,
  or ${duration(d.typingTimeoutMs)} after the last refresh.
- **Read receipts.** \`read\` moves your read position forward (never back, never past the room's
  latest seq); when it moves, the room (you included) gets a \`read\` notice.
- **Presence.** The others get \`presence\` \`join\` when your first socket enters the room and
  \`leave\` when your last socket leaves it or disconnects.
- **Shutdown.** The server sends \`reconnect\` and closes with \`${CloseCode.goingAway}\`: reconnect, join
  with \`lastSeq\`, and carry on.
- **Sessions and memberships that end.** Signing out closes the session's sockets with
  \`${CloseCode.unauthorized}\` (on every node), and so does the session expiring (checked every
  heartbeat); a guest who registers keeps its sockets. Leaving a room over REST takes your
  sockets out of it: each gets \`left\` with a \`reason\`.`;
}

function frameSections(direction: Direction, options: readonly FrameSchema[]): string {
  const io = direction === 'client' ? 'input' : 'output';
  const title = direction === 'client' ? '## Client frames (client → server)' : '## Server frames (server → client)';
  const examples = (direction === 'client' ? clientExamples : serverExamples) as Record<string, unknown>;
  const summary = table(
    ['type', 'what it is'],
    options.map((schema) => [
      `[${code(frameType(schema))}](#${slug(frameHeading(direction, frameType(schema)))})`,
      description(direction, schema),
    ]),
  );
  const sections = options.map((schema) => {
    const type = frameType(schema);
    const parts = [`### ${frameHeading(direction, type)}`, description(direction, schema)];
    for (const rule of rules(direction, schema)) parts.push(`**Rule:** ${rule}.`);
    parts.push(
      table(['field', 'type', 'required', 'description'], fieldRows(jsonSchemaOf(schema, io))),
      json(examples[type]),
    );
    return parts.join('\n\n');
  });
  return [title, summary, ...sections].join('\n\n');
}

const withoutStrictness = (schema: JsonSchema): unknown =>
  JSON.parse(JSON.stringify(schema, (key, value) => (key === 'additionalProperties' ? undefined : value)));

/** The shared object types frames refer to (`$ref`), each with its field table. */
function sharedTypes(options: readonly FrameSchema[]): string {
  const defs = new Map<string, JsonSchema>();
  for (const schema of options) {
    const io = (ClientFrame.options as readonly FrameSchema[]).includes(schema) ? 'input' : 'output';
    for (const [name, def] of Object.entries(jsonSchemaOf(schema, io).$defs ?? {})) {
      const known = defs.get(name);
      // Input and output renderings of one schema differ only in additionalProperties.
      if (known !== undefined && !isDeepStrictEqual(withoutStrictness(known), withoutStrictness(def))) {
        throw new Error(`Two different schemas are both called ${name}: give one another id`);
      }
      defs.set(name, def);
    }
  }
  const sections = [...defs].map(([name, def]) =>
    [
      `### ${code(name)}`,
      ...(def.description === undefined ? [] : [def.description]),
      table(['field', 'type', 'required', 'description'], fieldRows(def)),
    ].join('\n\n'),
  );
  return ['## Shared types', 'Objects that frames carry.', ...sections].join('\n\n');
}

function closeCodes(): string {
  checkMeanings('CloseCode', Object.keys(CloseCode), closeCodeMeanings);
  const rows = Object.entries(CloseCode).map(([name, value]) => [
    code(String(value)),
    code(name),
    closeCodeMeanings[name as keyof typeof CloseCode],
  ]);
  return [
    '## Close codes',
    '`CloseCode` in `ws.ts`; the 4xxx codes mirror the HTTP status they resemble. The close reason is a sentence for people.',
    table(['code', 'name', 'meaning'], rows),
  ].join('\n\n');
}

function errorCodes(): string {
  checkMeanings('WsErrorCode', WsErrorCode.options, errorCodeMeanings);
  return [
    '## Error codes',
    'The `code` of an `error` frame (`WsErrorCode` in `ws.ts`). The socket stays open after any of them.',
    table(
      ['code', 'meaning'],
      WsErrorCode.options.map((c) => [code(c), errorCodeMeanings[c]]),
    ),
  ].join('\n\n');
}

/** The whole of docs/protocol.md. Pure: throws if an example or a meaning is missing or wrong. */
/** What each Hocuspocus message type does, for the code socket's table (keys: the enum's names). */
const codeMessageMeanings: Record<string, string> = {
  Sync: 'Yjs sync (y-protocols): step 1 (state vector), step 2 (missing updates), or an update.',
  Awareness: 'Awareness update: cursors, selections, names and colours of the people in the document.',
  Auth: 'Authentication: the client sends its session token (or an empty one, and the cookie counts); the server answers authenticated or permission denied.',
  QueryAwareness: 'Ask for everyone’s awareness state.',
  SyncReply: 'Like Sync, but answers a step 1 without asking back.',
  Stateless: 'An application message that is not part of the document (unused by Tandem).',
  BroadcastStateless: 'A stateless message to every connection of the document (unused by Tandem).',
  CLOSE: 'The server closes this document on the connection.',
  SyncStatus: 'The server confirms it applied an update (the client shows “saved”).',
  Ping: 'Keep-alive.',
  Pong: 'Answer to Ping.',
};

function codeSocket(): string {
  const types = Object.entries(MessageType).filter(([, value]) => typeof value === 'number' && value >= 0) as Array<
    [string, number]
  >;
  const missing = types.filter(([name]) => !codeMessageMeanings[name]).map(([name]) => name);
  if (missing.length > 0) throw new Error(`no meaning for Hocuspocus message types: ${missing.join(', ')}`);
  return `## Code rooms: \`${CODE_SOCKET_PATH}\`

The shared editor of a code room (\`kind: "code"\`) syncs its Yjs document over a second socket,
\`${CODE_SOCKET_PATH}\`, speaking the Hocuspocus protocol (use \`@hocuspocus/provider\` with
\`url: "ws(s)://<host>${CODE_SOCKET_PATH}"\` and \`name: <roomId>\`). Frames are **binary**: each starts
with the document name (a lib0 varString: the room id), then a varUint message type, then the
type's payload. The document holds the text in \`Y.Text("code")\` and the shared language in
\`Y.Map("meta").language\`. Frames may be up to ${bytes(CODE_FRAME_MAX_BYTES)}.

Authentication is required: a signed-in user (guests too), sending the session token in the
Auth message or carrying the session cookie. Unknown rooms, chat rooms and missing sessions are
refused with a permission-denied Auth message. Opening a room's document makes you its member.

${table(
  ['type', 'name', 'meaning'],
  types.map(([name, value]) => [String(value), code(name), codeMessageMeanings[name] ?? '']),
)}`;
}

export function renderProtocolDoc(): string {
  validateExamples();
  const client = ClientFrame.options as readonly FrameSchema[];
  const server = ServerFrame.options as readonly FrameSchema[];
  const doc = [
    intro(),
    frameSections('client', client),
    frameSections('server', server),
    sharedTypes([...client, ...server]),
    closeCodes(),
    errorCodes(),
    codeSocket(),
  ].join('\n\n');
  return `${doc}\n`;
}

if (import.meta.main) {
  const rendered = renderProtocolDoc();
  if (process.argv.includes('--check')) {
    let current: string | null = null;
    try {
      current = readFileSync(PROTOCOL_DOC_PATH, 'utf8');
    } catch {
      current = null;
    }
    if (current !== rendered) {
      process.stderr.write(
        `docs/protocol.md is ${current === null ? 'missing' : 'out of date: it differs from what scripts/write-protocol-doc.ts generates from packages/protocol/src/ws.ts'}.\n` +
          'Run `npm run docs:protocol` and commit the result.\n',
      );
      process.exit(1);
    }
    process.stdout.write('docs/protocol.md is up to date.\n');
  } else {
    writeFileSync(PROTOCOL_DOC_PATH, rendered);
    process.stdout.write(`wrote ${PROTOCOL_DOC_PATH}\n`);
  }
}
