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
import { z } from 'zod';
import { loadConfig } from '../apps/server/src/config.ts';
import { CATCH_UP_LIMIT, SNAPSHOT_MESSAGES } from '../apps/server/src/realtime/frame-handlers.ts';
import {
  exampleMessage,
  examplePublicUser,
  exampleRoom,
  exampleRoomSummary,
} from '../packages/protocol/src/examples.ts';
import {
  ClientFrame,
  CloseCode,
  PROTOCOL_VERSION,
  ServerFrame,
  type ServerFrameOf,
  WsErrorCode,
} from '../packages/protocol/src/index.ts';

export const PROTOCOL_DOC_PATH = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));

/** What the server announces in `hello` unless configured otherwise. */
const defaults = loadConfig({}).realtime;

// ---------------------------------------------------------------- examples

type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

const roomId = exampleRoom.id;
const exampleToken = 'kq0m8Yd2b1vS6cJ3nW5tF7hR9xL4pZ0aE2gU8iO6yTk';
const earlierMessage = { ...exampleMessage, id: '0193a5c2-8a4f-7b21-8c3d-5e6f7a8b9c0c', seq: exampleMessage.seq - 1 };

/** One example per client frame type; each is validated against its schema when the doc is made. */
export const clientExamples: { [T in ClientFrame['type']]: ClientFrameOf<T> } = {
  auth: { type: 'auth', ref: 'a-1', token: exampleToken },
  join: { type: 'join', ref: 'j-1', roomId, lastSeq: exampleRoomSummary.membership.lastReadSeq },
  leave: { type: 'leave', ref: 'l-1', roomId },
  send: {
    type: 'send',
    ref: 's-1',
    roomId,
    clientMessageId: exampleMessage.clientMessageId,
    body: exampleMessage.body,
  },
  typing: { type: 'typing', roomId, active: true },
  read: { type: 'read', ref: 'r-1', roomId, seq: exampleMessage.seq },
  ping: { type: 'ping', ref: 'p-1' },
};

/** One example per server frame type; each is validated against its schema when the doc is made. */
export const serverExamples: { [T in ServerFrame['type']]: ServerFrameOf<T> } = {
  hello: {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    connectionId: '5f0c9a4e-3b7d-4c1a-9e2f-8d6b1a0c7e34',
    user: examplePublicUser,
    heartbeatMs: defaults.heartbeatMs,
    limits: {
      maxFrameBytes: defaults.maxFrameBytes,
      sendsPerSecond: defaults.sendsPerSecond,
      typingTimeoutMs: defaults.typingTimeoutMs,
    },
  },
  joined: {
    type: 'joined',
    ref: 'j-1',
    room: exampleRoomSummary,
    present: [examplePublicUser],
    reads: [{ userId: examplePublicUser.id, seq: exampleRoomSummary.membership.lastReadSeq }],
    latestSeq: exampleRoomSummary.latestSeq,
    messages: [earlierMessage, exampleMessage],
    hasMore: true,
    resumed: true,
  },
  left: { type: 'left', ref: 'l-1', roomId },
  message: { type: 'message', message: exampleMessage },
  ack: { type: 'ack', ref: 's-1', message: exampleMessage },
  presence: { type: 'presence', roomId, action: 'join', user: examplePublicUser },
  typing: { type: 'typing', roomId, user: examplePublicUser, active: true, expiresInMs: defaults.typingTimeoutMs },
  read: { type: 'read', roomId, userId: examplePublicUser.id, seq: exampleMessage.seq },
  pong: { type: 'pong', ref: 'p-1' },
  error: {
    type: 'error',
    ref: 's-2',
    code: 'validation_failed',
    message: 'body: must not be empty',
    details: { issues: [{ path: 'body', message: 'must not be empty' }] },
  },
  reconnect: { type: 'reconnect', reason: 'server shutting down' },
};

// ---------------------------------------------------------------- codes

/** The meaning of each close code (the JSDoc in ws.ts, in a form the script can read). */
const closeCodeMeanings: Record<keyof typeof CloseCode, string> = {
  normal: 'Normal close.',
  goingAway: 'The server is shutting down (a `reconnect` frame came first): reconnect, possibly to another node.',
  tooBig: `A frame was larger than \`limits.maxFrameBytes\`.`,
  unauthorized:
    'The session token is missing, unknown or expired, or the first frame of an unauthenticated socket was not `auth`. Sign in again before reconnecting.',
  authTimeout: 'No `auth` frame arrived in time on a socket opened without a cookie or bearer token.',
  unsupportedVersion: 'The client asked for a protocol version (`?v=`) this server does not speak.',
  slowConsumer: 'The client stopped reading and its send buffer passed the cap. Reconnect and resume.',
};

const errorCodeMeanings: Record<WsErrorCode, string> = {
  bad_frame: 'A binary frame, or a text frame that is not JSON.',
  unknown_type: '`type` is missing or names no client frame; the message lists the known types.',
  validation_failed: 'A field is wrong; `details.issues[]` gives each `path` and `message`.',
  unauthorized: 'The session no longer allows this action.',
  not_in_room: 'The frame names a room this socket has not joined (`send`, `typing`, `read`, `leave`).',
  forbidden: 'You may not do this in this room.',
  not_found: 'No such room (`join` by id or by name; joining by name never creates a room).',
  conflict:
    'An `auth` frame on a socket that is already authenticated, or a `clientMessageId` reused for another body.',
  rate_limited: 'Over the send rate, or over the per-socket frame rate. The frame was dropped: wait and retry.',
  internal: 'Our fault; the details are in the server log. Try again in a moment.',
};

// ---------------------------------------------------------------- JSON Schema → markdown

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  description?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $defs?: Record<string, JsonSchema>;
};

type FrameSchema = (typeof ClientFrame.options)[number] | (typeof ServerFrame.options)[number];
type Direction = 'client' | 'server';

const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .trim()
    .replace(/ /g, '-');
const frameHeading = (direction: Direction, type: string) =>
  `${direction === 'client' ? 'Client' : 'Server'} ${code(type)}`;
const refName = (ref: string) => ref.replace(/^#\/\$defs\//, '');

function typeText(s: JsonSchema): string {
  if (s.$ref !== undefined) return `[${code(refName(s.$ref))}](#${slug(refName(s.$ref))})`;
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  if (s.enum !== undefined) {
    if (isDeepStrictEqual(s.enum, WsErrorCode.options)) return '[error code](#error-codes)';
    return s.enum.map((v) => code(JSON.stringify(v))).join(' | ');
  }
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined) return union.map(typeText).join(' | ');
  if (Array.isArray(s.type)) return s.type.map((type) => typeText({ ...s, type })).join(' | ');
  switch (s.type) {
    case 'string':
      return [code('string'), ...stringConstraints(s)].join(', ');
    case 'integer':
    case 'number':
      return [code(s.type), ...numberConstraints(s)].join(', ');
    case 'boolean':
    case 'null':
    case 'object':
      return code(s.type);
    case 'array':
      return `array of ${s.items === undefined ? 'anything' : typeText(s.items)}`;
    case undefined:
      return 'any JSON value';
    default:
      throw new Error(`JSON Schema type ${s.type} has no rendering: teach typeText about it`);
  }
}

function stringConstraints(s: JsonSchema): string[] {
  const out: string[] = [];
  if (s.minLength !== undefined && s.maxLength !== undefined) out.push(`${s.minLength}–${s.maxLength} chars`);
  else if (s.maxLength !== undefined) out.push(`≤ ${s.maxLength} chars`);
  else if (s.minLength !== undefined) out.push(`≥ ${s.minLength} chars`);
  if (s.format === 'date-time') out.push('ISO 8601 date-time (UTC)');
  else if (s.format !== undefined) out.push(s.format);
  else if (s.pattern !== undefined) out.push(`matching ${code(s.pattern)}`);
  return out;
}

function numberConstraints(s: JsonSchema): string[] {
  const out: string[] = [];
  // zod writes the safe-integer range on every int(); only real bounds are worth a word.
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  else if (s.minimum !== undefined && s.minimum !== Number.MIN_SAFE_INTEGER) out.push(`≥ ${s.minimum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
  else if (s.maximum !== undefined && s.maximum !== Number.MAX_SAFE_INTEGER) out.push(`≤ ${s.maximum}`);
  return out;
}

/** Field rows; inline objects (and arrays of them) are flattened as `a.b` and `a[].b`. */
function fieldRows(s: JsonSchema, prefix = ''): string[][] {
  const rows: string[][] = [];
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const field = `${prefix}${name}`;
    const required = s.required?.includes(name) ? 'yes' : 'no';
    rows.push([code(field), typeText(property), required, property.description ?? '']);
    if (property.properties !== undefined) rows.push(...fieldRows(property, `${field}.`));
    if (property.items?.properties !== undefined) rows.push(...fieldRows(property.items, `${field}[].`));
  }
  return rows;
}

/** A GitHub-flavoured table, padded so that the source reads as a table too. */
function table(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const all = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  const [head = [], ...body] = all;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

const json = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

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

1. **Cookie:** browsers send the HttpOnly session cookie that every sign-in call sets.
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
      `${d.sendsPerSecond} a second, bursts of ${d.sendBurst}`,
      '`WS_SENDS_PER_SECOND`, `WS_SEND_BURST`',
      '`rate_limited` error; the message is not stored',
    ],
    ['frames of any kind', 'a cap per socket, above the send rate', '–', '`rate_limited` error'],
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
  with \`lastSeq\`, and carry on.`;
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

/** The shared object types frames refer to (`$ref`), each with its field table. */
function sharedTypes(options: readonly FrameSchema[]): string {
  const defs = new Map<string, JsonSchema>();
  for (const schema of options) {
    const io = (ClientFrame.options as readonly FrameSchema[]).includes(schema) ? 'input' : 'output';
    for (const [name, def] of Object.entries(jsonSchemaOf(schema, io).$defs ?? {})) {
      const known = defs.get(name);
      if (known !== undefined && !isDeepStrictEqual(known, def)) {
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
