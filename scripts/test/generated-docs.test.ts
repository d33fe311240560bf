import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../apps/server/src/app.ts';
import { loadConfig } from '../../apps/server/src/config.ts';
import { asyncApiYaml } from '../../apps/server/src/http/asyncapi.ts';
import { clientFrameExamples } from '../../apps/server/src/http/frame-examples.ts';
import { ASYNCAPI_DOC_PATH, renderAsyncApi } from '../write-asyncapi.ts';
import {
  openApiDocument,
  POSTMAN_COLLECTION_PATH,
  POSTMAN_SCHEMA,
  postmanCollection,
  renderPostmanCollection,
} from '../write-postman-collection.ts';

type Item = { name: string; item?: Item[]; request?: Request; response?: unknown[] };
type Request = {
  method: string;
  header: Array<{ key: string; value: string }>;
  body?: { mode: string; raw?: string };
  url: { raw: string; path: string[]; variable?: Array<{ key: string; value: string }> };
};
type Collection = {
  info: { name: string; schema: string };
  item: Item[];
  auth: { type: string; bearer: Array<{ key: string; value: string }> };
  event: Array<{ listen: string; script: { exec: string[] } }>;
  variable: Array<{ key: string; value: string }>;
};

describe('docs/asyncapi.yaml', () => {
  const onDisk = readFileSync(ASYNCAPI_DOC_PATH, 'utf8');

  it('is what the schemas generate (run `npm run docs:asyncapi` after changing them)', () => {
    expect(onDisk, 'docs/asyncapi.yaml is out of date: run `npm run docs:asyncapi`').toBe(renderAsyncApi());
  });

  it('is a valid AsyncAPI 3.0 document: the AsyncAPI parser reports no error', async () => {
    const { document, diagnostics } = await new Parser().parse(onDisk);
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  }, 60_000);

  it('refuses to render a frame without an example, or with one its schema refuses', () => {
    const limits = loadConfig({}).realtime;
    const { ping: _ping, ...withoutPing } = clientFrameExamples();
    expect(() => asyncApiYaml({ limits, clientExamples: withoutPing as never })).toThrow(/"ping" has no example/);
    const badPing = { ...clientFrameExamples(), ping: { type: 'ping', ref: 'x'.repeat(65) } };
    expect(() => asyncApiYaml({ limits, clientExamples: badPing as never })).toThrow(/"ping" fails its schema/);
  });
});

describe('docs/tandem.postman_collection.json', () => {
  const onDisk = readFileSync(POSTMAN_COLLECTION_PATH, 'utf8');
  const collection = JSON.parse(onDisk) as Collection;
  const requests = collection.item.flatMap((folder) => folder.item ?? []);

  it('is what the OpenAPI document generates (run `npm run docs:postman` after changing the API)', async () => {
    expect(onDisk, 'the Postman collection is out of date: run `npm run docs:postman`').toBe(
      await renderPostmanCollection(),
    );
    expect(await renderPostmanCollection(), 'two renderings differ: something random got in').toBe(onDisk);
  });

  it('is a v2.1 collection: a folder per tag, every route once, baseUrl and a bearer token', async () => {
    expect(collection.info.schema).toBe(POSTMAN_SCHEMA);
    const doc = await openApiDocument();
    const used = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.tags?.[0])));
    expect(collection.item.map((f) => f.name)).toEqual((doc.tags ?? []).map((t) => t.name).filter((t) => used.has(t)));
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map(
        (method) =>
          `${method.toUpperCase()} /${path
            .split('/')
            .filter(Boolean)
            .map((s) => s.replace(/^\{(.+)\}$/, ':$1'))
            .join('/')}`,
      ),
    );
    const listed = requests.map((r) => `${r.request?.method} /${r.request?.url.path.join('/')}`);
    expect([...listed].sort()).toEqual([...routes].sort());
    expect(collection.variable).toContainEqual({ key: 'baseUrl', value: 'http://localhost:8000', type: 'string' });
    expect(collection.variable.map((v) => v.key)).toContain('token');
    expect(collection.auth).toEqual({ type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] });
    const guest = requests.find((r) => r.request?.url.path.join('/') === 'auth/guest');
    expect(JSON.parse(guest?.request?.body?.raw ?? '')).toEqual({ username: 'alice' });
  });

  it('renders a route with no example body as an empty object, never as a missing body', () => {
    const doc = {
      info: { title: 't', version: '1' },
      paths: { '/things': { post: { requestBody: { content: { 'application/json': { schema: {} } } } } } },
    };
    const [folder] = (postmanCollection(doc) as Collection).item;
    expect(folder?.item?.[0]?.request?.body?.raw).toBe('{}');
  });

  describe('against a real server', () => {
    let app: App;
    const vars = new Map<string, string>();
    beforeAll(async () => {
      app = await buildApp(loadConfig({ DATABASE_URL: 'sqlite::memory:', DEFAULT_ROOMS: '' }), { logger: false });
      vars.set('baseUrl', await app.listen({ port: 0, host: '127.0.0.1' }));
      for (const v of collection.variable) if (v.key !== 'baseUrl') vars.set(v.key, v.value);
    });
    afterAll(() => app.close());

    const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars.get(name) ?? '');
    /** Sends one request of the collection as Postman would, then runs the collection's test script. */
    async function run(method: string, path: string): Promise<{ status: number; body: unknown }> {
      const item = requests.find((r) => r.request?.method === method && r.request.url.path.join('/') === path);
      const req = item?.request;
      if (!req) throw new Error(`no ${method} ${path} in the collection`);
      let url = fill(req.url.raw);
      for (const v of req.url.variable ?? []) url = url.replace(`:${v.key}`, fill(v.value));
      const headers: Record<string, string> = Object.fromEntries(req.header.map((h) => [h.key, fill(h.value)]));
      const token = vars.get('token');
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, { method, headers, ...(req.body?.raw ? { body: fill(req.body.raw) } : {}) });
      const text = await res.text();
      const pm = {
        response: {
          headers: { get: (name: string) => res.headers.get(name) },
          text: () => text,
          json: () => JSON.parse(text),
        },
        collectionVariables: { set: (key: string, value: string) => vars.set(key, value) },
      };
      for (const event of collection.event) new Function('pm', event.script.exec.join('\n'))(pm);
      return { status: res.status, body: text ? JSON.parse(text) : null };
    }

    it('runs as a person would: guest, create a room, post, read, stats, autocomplete', async () => {
      expect((await run('POST', 'auth/guest')).status).toBe(201);
      expect(vars.get('token')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect((await run('GET', 'auth/me')).body).toMatchObject({ user: { username: 'alice' } });
      const created = await run('POST', 'rooms');
      expect(created.status).toBe(201);
      expect(vars.get('roomId')).toBe((created.body as { roomId: string }).roomId);
      expect((await run('POST', 'rooms/:roomId/join')).status).toBe(200);
      expect((await run('POST', 'rooms/:roomId/messages')).status).toBe(201);
      const history = await run('GET', 'rooms/:roomId/messages');
      expect(history.status).toBe(200);
      expect((history.body as { messages: unknown[] }).messages).toHaveLength(1);
      expect((await run('GET', 'stats/users')).body).toMatchObject({ users: [{ username: 'alice', messageCount: 1 }] });
      expect((await run('POST', 'autocomplete')).status).toBe(200);
      expect((await run('POST', 'auth/logout')).status).toBe(204);
    });
  });
});
