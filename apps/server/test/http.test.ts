import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, startApp, testConfig } from './helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

describe('HTTP surface', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database()));
  });
  afterAll(() => app.close());

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).toEqual({
      error: { code: 'not_found', message: 'There is no GET /api/nothing here. See /docs for the API.' },
    });
  });

  it('answers malformed JSON with 400 invalid_json and a wrong content type with 415', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/auth/guest',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const text = await app.inject({
      method: 'POST',
      url: '/auth/guest',
      headers: { 'content-type': 'application/xml' },
      payload: '<u>alice</u>',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
  });

  it('never leaks a stack trace: unexpected failures answer a generic 500', async () => {
    app.services.rooms.list = async () => {
      throw new Error('secret internal detail at /srv/tandem/db.ts:42');
    };
    const res = await app.inject({ method: 'GET', url: '/rooms' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'internal', message: 'Something went wrong on our side. Try again in a moment.' },
    });
    expect(res.body).not.toContain('secret');
  });

  it('gives every request an id, taking a sane one from the load balancer', async () => {
    const fresh = await app.inject({ method: 'GET', url: '/healthz' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const passed = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-1234567890' } });
    expect(passed.headers['x-request-id']).toBe('lb-1234567890');
    const junk = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id <script>' } });
    expect(junk.headers['x-request-id']).not.toContain('<');
  });

  it('reports liveness and readiness', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ok',
      checks: { database: 'ok', bus: 'ok (memory)' },
    });
  });

  it('serves Swagger UI at /docs', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
  });

  it('documents every route in OpenAPI 3.1 with a summary, and every body and response with an example', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const expected = [
      'post /auth/guest',
      'post /auth/register',
      'post /auth/login',
      'post /auth/logout',
      'get /auth/me',
      'post /rooms',
      'get /rooms',
      'get /rooms/{roomId}',
      'post /rooms/join',
      'post /rooms/{roomId}/join',
      'post /rooms/{roomId}/leave',
      'get /rooms/{roomId}/members',
      'post /rooms/{roomId}/messages',
      'get /rooms/{roomId}/messages',
      'get /stats/rooms',
      'get /stats/users',
      'post /uploads',
      'post /autocomplete',
      'get /rooms/{roomId}/code',
      'put /devices/{deviceId}',
      'get /rooms/{roomId}/devices',
      'post /rooms/{roomId}/key-requests',
      'get /rooms/{roomId}/key-requests',
      'post /rooms/{roomId}/envelopes',
      'get /rooms/{roomId}/envelopes',
      'get /healthz',
      'get /readyz',
    ];
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(expected.sort());

    const resolve = (schema: { $ref?: string } | undefined): Record<string, unknown> | undefined => {
      if (!schema?.$ref) return schema as Record<string, unknown> | undefined;
      return doc.components.schemas[schema.$ref.split('/').at(-1) as string];
    };
    // @fastify/swagger moves a schema's `examples` to the media type's `example`.
    const hasExample = (media: { schema?: { $ref?: string }; example?: unknown; examples?: unknown } | undefined) =>
      Boolean(media && (media.example || media.examples || resolve(media.schema)?.examples));

    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Record<string, any>>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method} ${path}`;
        if (!op.summary) missing.push(`${name}: summary`);
        const body = op.requestBody?.content?.['application/json'];
        if (body && !hasExample(body)) missing.push(`${name}: request example`);
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          const media = response?.content?.['application/json'];
          if (status.startsWith('2') && status !== '204' && !hasExample(media))
            missing.push(`${name}: ${status} example`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('cross-origin calls (CORS_ORIGINS)', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database(), { CORS_ORIGINS: 'http://localhost:8081' }));
  });
  afterAll(() => app.close());

  it('lets a listed origin call the API with a bearer token, never with the cookie', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/rooms',
      headers: {
        origin: 'http://localhost:8081',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8081');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    const guest = await app.inject({
      method: 'POST',
      url: '/auth/guest',
      headers: { origin: 'http://localhost:8081' },
      payload: { username: 'cors_guest' },
    });
    expect(guest.statusCode).toBe(201);
    expect(guest.headers['access-control-allow-origin']).toBe('http://localhost:8081');
  });

  it('gives other origins no CORS headers, so their pages cannot read the answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/rooms', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
