import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, startApp, testConfig } from './helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('serving the web app', () => {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-web-'));
  let app: App;
  beforeAll(async () => {
    fs.mkdirSync(path.join(webDir, 'assets'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(webDir, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    app = await startApp(testConfig(await sqlite.database(), { WEB_DIR: webDir }));
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('serves index.html at / with a content security policy and no caching', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('caches hashed assets for a year', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toContain('javascript');
  });

  it('answers browser navigations to app routes with the app', async () => {
    for (const url of [
      '/lobby',
      '/chat/q3Z8vJb0S4mYdE1xKpLr2w',
      '/room/q3Z8vJb0S4mYdE1xKpLr2w',
      '/signin?next=%2Flobby',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('<div id="root">');
    }
  });

  it('keeps the API in JSON: API routes win, unknown API paths are JSON 404s', async () => {
    const list = await app.inject({ method: 'GET', url: '/rooms', headers: html });
    expect(list.headers['content-type']).toContain('application/json');
    const missing = await app.inject({ method: 'GET', url: '/rooms/AAAAAAAAAAAAAAAAAAAAAA/nothing', headers: html });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const script = await app.inject({ method: 'GET', url: '/lobby' });
    expect(script.statusCode).toBe(404);
    const post = await app.inject({ method: 'POST', url: '/lobby', headers: html });
    expect(post.statusCode).toBe(404);
  });

  it('never serves files outside the web folder', async () => {
    const res = await app.inject({ method: 'GET', url: '/..%2f..%2fetc%2fpasswd', headers: html });
    expect(res.body).not.toContain('root:');
    const dotdot = await app.inject({ method: 'GET', url: '/assets/../../../../etc/passwd' });
    expect(dotdot.body).not.toContain('root:');
  });
});

describe('without a built web app', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(
      testConfig(await sqlite.database(), { WEB_DIR: path.join(os.tmpdir(), 'tandem-no-such-dir') }),
    );
  });
  afterAll(() => app.close());

  it('says how to build it', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build -w @tandem/web');
  });
});
