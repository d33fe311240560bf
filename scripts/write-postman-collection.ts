/**
 * Writes docs/tandem.postman_collection.json, a Postman collection (format v2.1) of the REST API,
 * from the OpenAPI document the server generates from the protocol's zod schemas: one folder per
 * tag, one request per route, each body and saved response taken from the schemas' examples.
 * `{{baseUrl}}` (http://localhost:8000) and a bearer `{{token}}` are collection variables; any
 * response that carries a session token or a room id stores it for the next requests.
 * No ids or timestamps: the same schemas always give the same file.
 *
 *   node scripts/write-postman-collection.ts           (re)writes the collection
 *   node scripts/write-postman-collection.ts --check   exits 1 when it is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../apps/server/src/app.ts';
import { loadConfig } from '../apps/server/src/config.ts';

export const POSTMAN_COLLECTION_PATH = fileURLToPath(
  new URL('../docs/tandem.postman_collection.json', import.meta.url),
);
export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
export const DEFAULT_BASE_URL = 'http://localhost:8000';

type Json = { [key: string]: unknown };
type Parameter = {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: Json;
};
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Json[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Json }> }>;
};
export type OpenApi = {
  info: { title: string; version: string; description?: string };
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json> };
};

/** The server's OpenAPI document, as /docs/json serves it, from an app that never listens. */
export async function openApiDocument(): Promise<OpenApi> {
  const app = await buildApp(loadConfig({ DATABASE_URL: 'sqlite::memory:', DEFAULT_ROOMS: '' }), { logger: false });
  try {
    await app.ready();
    // @fastify/swagger's `swagger()` decoration; its type augmentation lives in the server's project.
    return structuredClone((app as unknown as { swagger(): unknown }).swagger()) as OpenApi;
  } finally {
    await app.close();
  }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Saves a session token and a room id from any JSON response, for the requests that follow. */
const captureScript = [
  "const type = pm.response.headers.get('Content-Type') || '';",
  "if (type.includes('application/json') && pm.response.text()) {",
  '  const body = pm.response.json();',
  '  const token = body && (body.token || (body.session && body.session.token));',
  "  if (token) pm.collectionVariables.set('token', token);",
  '  const roomId = body && (body.roomId || (body.room && body.room.id));',
  "  if (roomId) pm.collectionVariables.set('roomId', roomId);",
  '}',
];

function resolve(schema: Json | undefined, doc: OpenApi): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return resolve(doc.components?.schemas?.[name], doc);
}

const examplesOf = (schema: Json | undefined, doc: OpenApi): unknown[] => {
  const examples = resolve(schema, doc)?.examples;
  return Array.isArray(examples) ? examples : [];
};

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Postman's path segments: `{roomId}` becomes `:roomId`. */
const segments = (path: string) =>
  path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/^\{(.+)\}$/, ':$1'));

function request(doc: OpenApi, method: string, path: string, op: Operation, variables: Set<string>): Json {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const query = params
    .filter((p) => p.in === 'query')
    .map((p) => ({
      key: p.name,
      // A query parameter named like a collection variable (deviceId) takes its value.
      value: variables.has(p.name) ? `{{${p.name}}}` : String(p.example ?? p.schema?.default ?? ''),
      ...(p.description ? { description: p.description } : {}),
      disabled: !p.required,
    }));
  const enabledQuery = query.filter((q) => !q.disabled);
  const url: Json = {
    raw: `{{baseUrl}}/${segments(path).join('/')}${
      enabledQuery.length > 0 ? `?${enabledQuery.map((q) => `${q.key}=${q.value}`).join('&')}` : ''
    }`,
    host: ['{{baseUrl}}'],
    path: segments(path),
    ...(query.length > 0 ? { query } : {}),
    ...(pathParams.length > 0
      ? {
          variable: pathParams.map((p) => ({
            key: p.name,
            value: `{{${p.name}}}`,
            ...(p.description ? { description: p.description } : {}),
          })),
        }
      : {}),
  };

  const header: Json[] = [];
  let body: Json | undefined;
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const bodyExamples = examplesOf(bodySchema, doc);
  if (op.requestBody?.content?.['application/json']) {
    header.push({ key: 'Content-Type', value: 'application/json' });
    body = { mode: 'raw', raw: json(bodyExamples[0] ?? {}), options: { raw: { language: 'json' } } };
  } else if (op.description?.includes('multipart/form-data')) {
    body = { mode: 'formdata', formdata: [{ key: 'file', type: 'file', src: [], description: 'Pick a file' }] };
  }

  const notes = [op.description ?? ''];
  if (bodyExamples.length > 1) {
    notes.push(
      `Other example bodies:\n\n${bodyExamples
        .slice(1)
        .map((e) => `\`\`\`json\n${json(e)}\n\`\`\``)
        .join('\n\n')}`,
    );
  }
  const auth = op.security?.some((s) => Object.keys(s).length === 0)
    ? 'Sign-in: optional.'
    : op.security
      ? 'Sign-in: required (the collection sends `Authorization: Bearer {{token}}`).'
      : undefined;
  if (auth) notes.push(auth);

  return {
    method: method.toUpperCase(),
    header,
    ...(body ? { body } : {}),
    url,
    description: notes.filter(Boolean).join('\n\n'),
  };
}

/** One saved response per request: the first success status whose schema has an example. */
function savedResponses(doc: OpenApi, name: string, req: Json, op: Operation): Json[] {
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    if (!status.startsWith('2')) continue;
    const schema = response.content?.['application/json']?.schema;
    const [example] = examplesOf(schema, doc);
    if (example === undefined) continue;
    return [
      {
        name: `${name} (${status})`,
        originalRequest: {
          method: req.method,
          header: req.header,
          ...(req.body ? { body: req.body } : {}),
          url: req.url,
        },
        status: STATUS_CODES[Number(status)] ?? status,
        code: Number(status),
        _postman_previewlanguage: 'json',
        header: [{ key: 'Content-Type', value: 'application/json; charset=utf-8' }],
        body: json(example),
      },
    ];
  }
  return [];
}

/** The whole collection, from an OpenAPI document. Pure. */
export function postmanCollection(doc: OpenApi): Json {
  // Path parameters become collection variables, with the schema's example, or the value of the
  // same field in the route's example body (PUT /devices/:deviceId).
  const pathVariables = new Map<string, string>();
  for (const operations of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = operations[method];
      const [body] = examplesOf(op?.requestBody?.content?.['application/json']?.schema, doc);
      for (const p of op?.parameters ?? []) {
        if (p.in !== 'path') continue;
        const fromBody = (body as Json | undefined)?.[p.name];
        const value = p.example ?? fromBody;
        if (value !== undefined && !pathVariables.get(p.name)) pathVariables.set(p.name, String(value));
        if (!pathVariables.has(p.name)) pathVariables.set(p.name, '');
      }
    }
  }
  const variables = new Set(pathVariables.keys());
  const folders = new Map<string, Json[]>();
  for (const tag of doc.tags ?? []) folders.set(tag.name, []);
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = operations[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      const name = op.summary ?? `${method.toUpperCase()} ${path}`;
      const req = request(doc, method, path, op, variables);
      if (!folders.has(tag)) folders.set(tag, []);
      folders.get(tag)?.push({ name, request: req, response: savedResponses(doc, name, req, op) });
    }
  }
  const tagDescriptions = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  return {
    info: {
      name: doc.info.title,
      description: [
        doc.info.description ?? '',
        'Generated from the OpenAPI document (`/docs/json`) by `scripts/write-postman-collection.ts` (`npm run docs:postman`).',
        `Set \`baseUrl\` (default ${DEFAULT_BASE_URL}). Any response carrying a session token (guest, register, login, join as a guest) stores it in \`token\`, which every request sends as a bearer token; a response naming a room stores it in \`roomId\`.`,
      ]
        .filter(Boolean)
        .join('\n\n'),
      version: doc.info.version,
      schema: POSTMAN_SCHEMA,
    },
    item: [...folders]
      .filter(([, items]) => items.length > 0)
      .map(([tag, items]) => ({
        name: tag,
        ...(tagDescriptions.get(tag) ? { description: tagDescriptions.get(tag) } : {}),
        item: items,
      })),
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] },
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: captureScript } }],
    variable: [
      { key: 'baseUrl', value: DEFAULT_BASE_URL, type: 'string' },
      { key: 'token', value: '', type: 'string' },
      ...[...pathVariables].map(([key, value]) => ({ key, value, type: 'string' })),
    ],
  };
}

export async function renderPostmanCollection(): Promise<string> {
  return `${JSON.stringify(postmanCollection(await openApiDocument()), null, 2)}\n`;
}

if (import.meta.main) {
  const rendered = await renderPostmanCollection();
  if (process.argv.includes('--check')) {
    let current: string | null = null;
    try {
      current = readFileSync(POSTMAN_COLLECTION_PATH, 'utf8');
    } catch {
      current = null;
    }
    if (current !== rendered) {
      process.stderr.write(
        `docs/tandem.postman_collection.json is ${current === null ? 'missing' : 'out of date'}: run \`npm run docs:postman\` and commit the result.\n`,
      );
      process.exit(1);
    }
    process.stdout.write('docs/tandem.postman_collection.json is up to date.\n');
  } else {
    writeFileSync(POSTMAN_COLLECTION_PATH, rendered);
    process.stdout.write(`wrote ${POSTMAN_COLLECTION_PATH}\n`);
  }
}
