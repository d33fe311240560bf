import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, startApp, testConfig } from './helpers.ts';
import { connect, listen } from './ws-helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
/** What Chromium sends. */
const browserEncodings = { 'accept-encoding': 'gzip, deflate, br, zstd' };
const YEAR = 'public, max-age=31536000, immutable';

/** Plenty to compress, and different on every line so that it is not trivially small. */
const script = Array.from(
  { length: 400 },
  (_, i) => `export function handler${i}(event) { return event.target.value + ${i}; }`,
).join('\n');
const page = `<!doctype html><html lang="en"><head><title>Tandem</title></head><body><div id="root"></div>${'<!-- padding so the page is worth compressing -->\n'.repeat(40)}</body></html>`;

const css = Array.from({ length: 200 }, (_, i) => `.c${i} { margin: ${i}px; }`).join('\n');

function writeWithVariants(file: string, text: string) {
  fs.writeFileSync(file, text);
  fs.writeFileSync(
    `${file}.br`,
    zlib.brotliCompressSync(text, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(text, { level: 9 }));
}

const decode = (encoding: string | undefined, body: Buffer): Buffer =>
  encoding === 'br' ? zlib.brotliDecompressSync(body) : encoding === 'gzip' ? zlib.gunzipSync(body) : body;

describe('compressed responses', () => {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-web-'));
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-uploads-'));
  const asset = path.join(webDir, 'assets', 'app-1a2b3c.js');
  let app: App;
  let base: string;
  beforeAll(async () => {
    fs.mkdirSync(path.join(webDir, 'assets'));
    // As `vite build` leaves them (apps/web/build/precompress.ts): each file and its two variants…
    writeWithVariants(path.join(webDir, 'index.html'), page);
    writeWithVariants(asset, script);
    // …but none where they would not be smaller, nor in a folder built without them.
    fs.writeFileSync(path.join(webDir, 'assets', 'tiny-4d5e6f.js'), 'console.log(1)');
    fs.writeFileSync(path.join(webDir, 'assets', 'plain-7a8b9c.css'), css);
    app = await startApp(testConfig(await sqlite.database(), { WEB_DIR: webDir, UPLOAD_DIR: uploadDir }));
    base = (await listen(app)).http;
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(webDir, { recursive: true, force: true });
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  it('sends the precompressed brotli asset to a browser that accepts br, cached for a year', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js', headers: browserEncodings });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers.vary).toContain('accept-encoding');
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['cache-control']).toBe(YEAR);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // The very bytes the build wrote (not compressed again per request), and they decode to the file.
    expect(res.rawPayload.equals(fs.readFileSync(`${asset}.br`))).toBe(true);
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    expect(zlib.brotliDecompressSync(res.rawPayload).equals(fs.readFileSync(asset))).toBe(true);
  });

  it('sends the gzip asset to a client that accepts gzip but not br', async () => {
    for (const accept of ['gzip', 'gzip, deflate', 'br;q=0, gzip']) {
      const res = await app.inject({
        method: 'GET',
        url: '/assets/app-1a2b3c.js',
        headers: { 'accept-encoding': accept },
      });
      expect(res.headers['content-encoding'], accept).toBe('gzip');
      expect(res.headers.vary, accept).toContain('accept-encoding');
      expect(res.headers['content-type'], accept).toContain('javascript');
      expect(res.headers['cache-control'], accept).toBe(YEAR);
      expect(res.rawPayload.equals(fs.readFileSync(`${asset}.gz`)), accept).toBe(true);
      expect(zlib.gunzipSync(res.rawPayload).equals(fs.readFileSync(asset)), accept).toBe(true);
    }
  });

  it('sends the file as it is to a client that accepts no compression', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0, gzip;q=0' }]) {
      const res = await app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js', headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding'], JSON.stringify(headers)).toBeUndefined();
      // Still varies: a shared cache must not give this copy to a browser that accepts br.
      expect(res.headers.vary).toContain('accept-encoding');
      expect(res.headers['cache-control']).toBe(YEAR);
      expect(res.rawPayload.equals(fs.readFileSync(asset))).toBe(true);
    }
  });

  it('serves the compressed asset over a real connection, as a browser decodes it', async () => {
    // fetch() asks for br and gzip and decodes what it gets, as a browser does.
    const res = await fetch(`${base}/assets/app-1a2b3c.js`);
    expect(res.headers.get('content-encoding')).toMatch(/^(br|gzip)$/);
    expect(await res.text()).toBe(script);
  });

  it('sends index.html compressed, keeping its security headers and no-cache, at / and at app routes', async () => {
    const index = path.join(webDir, 'index.html');
    for (const url of ['/', '/lobby', '/chat/q3Z8vJb0S4mYdE1xKpLr2w']) {
      const res = await app.inject({ method: 'GET', url, headers: { ...html, ...browserEncodings } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-encoding'], url).toBe('br');
      expect(res.headers.vary, url).toContain('accept-encoding');
      expect(res.headers['content-type'], url).toContain('text/html');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.rawPayload.equals(fs.readFileSync(`${index}.br`)), url).toBe(true);
      expect(decode('br', res.rawPayload).toString(), url).toBe(page);
    }
    const gzip = await app.inject({ method: 'GET', url: '/lobby', headers: { ...html, 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers['content-security-policy']).toContain("default-src 'self'");
    expect(decode('gzip', gzip.rawPayload).toString()).toBe(page);
    const identity = await app.inject({ method: 'GET', url: '/lobby', headers: html });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body).toBe(page);
  });

  it('never compresses the web app’s files per request: a file without variants is sent as it is', async () => {
    for (const url of ['/assets/tiny-4d5e6f.js', '/assets/plain-7a8b9c.css']) {
      const res = await app.inject({ method: 'GET', url, headers: browserEncodings });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-encoding'], url).toBeUndefined();
      expect(res.headers['cache-control'], url).toBe(YEAR);
      expect(res.rawPayload.equals(fs.readFileSync(path.join(webDir, url))), url).toBe(true);
    }
  });

  it('compresses a large JSON response and not a small one', async () => {
    const g = await guest(app);
    for (let i = 0; i < 20; i++) await createRoom(app, g.headers);
    const plain = await app.inject({ method: 'GET', url: '/rooms', headers: g.headers });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);

    const res = await app.inject({ method: 'GET', url: '/rooms', headers: { ...g.headers, ...browserEncodings } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers.vary).toContain('accept-encoding');
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(JSON.parse(decode('br', res.rawPayload).toString())).toEqual(plain.json());

    for (const url of ['/healthz', '/readyz', '/auth/me']) {
      const small = await app.inject({ method: 'GET', url, headers: { ...g.headers, ...browserEncodings } });
      expect(small.statusCode, url).toBe(200);
      expect(small.headers['content-encoding'], url).toBeUndefined();
      expect(() => small.json(), url).not.toThrow();
    }
  });

  it('keeps error responses readable', async () => {
    const g = await guest(app);
    const room = 'AAAAAAAAAAAAAAAAAAAAAA';
    for (const res of [
      await app.inject({ method: 'GET', url: `/rooms/${room}/nothing`, headers: browserEncodings }),
      await app.inject({ method: 'POST', url: '/nothing', headers: browserEncodings }),
      await app.inject({
        method: 'GET',
        url: `/rooms/${room}/messages`,
        headers: { ...g.headers, ...browserEncodings },
      }),
      await app.inject({
        method: 'POST',
        url: '/rooms',
        headers: { ...g.headers, ...browserEncodings },
        payload: { name: '' },
      }),
    ]) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      const encoding = res.headers['content-encoding'] as string | undefined;
      const body = JSON.parse(decode(encoding, res.rawPayload).toString()) as { error: { code: string } };
      expect(body.error.code).toEqual(expect.any(String));
    }
  });

  it('sends an uploaded file exactly as stored: never compressed, length and ranges intact', async () => {
    const g = await guest(app);
    const text = 'All work and no play makes Jack a dull boy.\n'.repeat(300);
    const body = new FormData();
    body.append('file', new Blob([text], { type: 'text/plain' }), 'notes.txt');
    body.append('file', new Blob([Buffer.from(script)], { type: 'application/octet-stream' }), 'build.js');
    const uploaded = await fetch(`${base}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.token}` },
      body,
    });
    expect(uploaded.status).toBe(201);
    const [notes, build] = (await uploaded.json()) as Array<{ url: string }>;

    for (const [file, bytes] of [
      [notes, Buffer.from(text)],
      [build, Buffer.from(script)],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: file?.url ?? '', headers: browserEncodings });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(Number(res.headers['content-length'])).toBe(bytes.length);
      expect(res.headers['cache-control']).toBe(YEAR);
      expect(res.rawPayload.equals(bytes)).toBe(true);
    }
    const range = await app.inject({
      method: 'GET',
      url: notes?.url ?? '',
      headers: { ...browserEncodings, range: 'bytes=4-7' },
    });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-encoding']).toBeUndefined();
    expect(range.body).toBe('work');
  });

  it('still upgrades WebSockets from a browser that accepts compression', async () => {
    const g = await guest(app);
    const socket = await connect(`${base.replace('http', 'ws')}/ws`, { token: g.token, headers: browserEncodings });
    expect((await socket.next('hello')).user.id).toBe(g.user.id);
    socket.close();
  });

  it('does not decompress request bodies: a compressed JSON body is refused, not inflated', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/guest',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: zlib.gzipSync(JSON.stringify({ username: 'zipped' })),
    });
    expect(res.statusCode).toBe(400);
  });
});
