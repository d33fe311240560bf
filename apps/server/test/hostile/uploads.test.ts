// Issue 15, items 3 and 8: uploads that try to run script at Tandem's origin, and uploads that
// try to fill the disk. Every case goes through the real server (port 0) and a real database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, createRoom, guest, manualClock, startApp, testConfig, uniqueName } from '../helpers.ts';
import { listen } from '../ws-helpers.ts';

type Attachment = { id: string; url: string; name: string; size: number; contentType: string };
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const KiB = 1024;

const form = (...files: Array<[name: string, bytes: Buffer | string, type?: string]>) => {
  const body = new FormData();
  for (const [name, bytes, type] of files) body.append('file', new Blob([bytes], { type: type ?? '' }), name);
  return body;
};

/** A fresh upload folder and app for one describe block; the folder goes when the app does. */
function serve(env: Record<string, string>, backend = backends[0]) {
  if (!backend) throw new Error('no backend');
  const ctx = {
    uploadDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-hostile-uploads-')),
    clock: manualClock(Date.now()),
    app: undefined as unknown as App,
    base: '',
    filesOnDisk: () => fs.readdirSync(ctx.uploadDir).sort(),
    upload: (token: string, body: FormData) =>
      fetch(`${ctx.base}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body }),
  };
  beforeAll(async () => {
    ctx.app = await startApp(testConfig(await backend.database(), { UPLOAD_DIR: ctx.uploadDir, ...env }), ctx.clock);
    ctx.base = (await listen(ctx.app)).http;
  });
  afterAll(async () => {
    await ctx.app.close();
    fs.rmSync(ctx.uploadDir, { recursive: true, force: true });
  });
  return ctx;
}

describe('uploads never run as script or page at the app’s origin', () => {
  const ctx = serve({});

  it('serves .js, .html, .svg, .css and unknown files as application/octet-stream downloads', async () => {
    const g = await guest(ctx.app);
    const res = await ctx.upload(
      g.token,
      form(
        ['evil.js', 'window.pwned = true', 'text/javascript'],
        ['x.html', '<script>alert(document.domain)</script>', 'text/html'],
        ['x.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml'],
        ['x.css', 'body{background:url(//evil.example/leak)}', 'text/css'],
        ['report.pdf.mjs', 'export default 1', 'application/pdf'],
      ),
    );
    expect(res.status).toBe(201);
    for (const file of (await res.json()) as Attachment[]) {
      const served = await fetch(`${ctx.base}${file.url}`);
      expect(served.status, file.name).toBe(200);
      // The old code sent evil.js as application/javascript: <script src="/static/….js"> ran it.
      expect(served.headers.get('content-type'), file.name).toBe('application/octet-stream');
      expect(served.headers.get('content-disposition'), file.name).toBe('attachment');
      expect(served.headers.get('x-content-type-options'), file.name).toBe('nosniff');
      expect(served.headers.get('content-security-policy'), file.name).toContain('sandbox');
    }
  });

  it('still shows images (not SVG), PDF and plain text in place, under their own types', async () => {
    const g = await guest(ctx.app);
    const res = await ctx.upload(
      g.token,
      form(['cat.png', PNG, 'image/png'], ['menu.pdf', '%PDF-1.4 lunch', 'application/pdf'], ['a.txt', 'hi']),
    );
    const types = [];
    for (const file of (await res.json()) as Attachment[]) {
      const served = await fetch(`${ctx.base}${file.url}`);
      expect(served.headers.get('content-disposition'), file.name).toBe('inline');
      expect(served.headers.get('x-content-type-options'), file.name).toBe('nosniff');
      types.push(served.headers.get('content-type'));
    }
    expect(types).toEqual(['image/png', 'application/pdf', 'text/plain; charset=utf-8']);
  });

  it('a file type claimed by the uploader does not change how it is served', async () => {
    const g = await guest(ctx.app);
    // An image/png that is really script: stored under .js (its name), sent as a download.
    const [file] = (await (
      await ctx.upload(g.token, form(['innocent.js', 'window.pwned = 1', 'image/png']))
    ).json()) as Attachment[];
    const served = await fetch(`${ctx.base}${file?.url}`);
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
  });
});

describe('UPLOADS_ORIGIN: files on an origin of their own', () => {
  const origin = 'https://files.tandem.test';
  const ctx = serve({ UPLOADS_ORIGIN: `${origin}/` });

  it('links uploads and attachments there, redirects /static on the app’s origin, and serves only files there', async () => {
    const g = await guest(ctx.app);
    const [file] = (await (await ctx.upload(g.token, form(['cat.png', PNG, 'image/png']))).json()) as Attachment[];
    if (!file) throw new Error('upload failed');
    expect(file.url).toMatch(/^https:\/\/files\.tandem\.test\/static\/[A-Za-z0-9_-]{22}\.png$/);
    const roomId = await createRoom(ctx.app, g.headers);
    const post = await ctx.app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: g.headers,
      payload: { clientMessageId: 'file', body: 'look', attachmentIds: [file.id] },
    });
    expect(post.json().attachments[0].url).toBe(file.url);
    const history = await ctx.app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers: g.headers });
    expect(history.json().messages[0].attachments[0].url).toBe(file.url);

    const pathname = new URL(file.url).pathname;
    // The app's own origin: a redirect, so old links keep working and nothing is served here.
    const onApp = await fetch(`${ctx.base}${pathname}`, { redirect: 'manual' });
    expect(onApp.status).toBe(308);
    expect(onApp.headers.get('location')).toBe(file.url);

    // The uploads origin (the same server under another name): the file, readable by the app's
    // fetch() for encrypted files; nothing else, so no cookie is ever set there.
    const onFiles = await ctx.app.inject({ method: 'GET', url: pathname, headers: { host: 'files.tandem.test' } });
    expect(onFiles.statusCode).toBe(200);
    expect(onFiles.headers['content-type']).toBe('image/png');
    expect(onFiles.headers['access-control-allow-origin']).toBe('*');
    for (const [method, url] of [
      ['POST', '/auth/guest'],
      ['GET', '/'],
      ['GET', '/rooms'],
      ['POST', '/uploads'],
    ] as const) {
      const res = await ctx.app.inject({
        method,
        url,
        headers: { host: 'files.tandem.test', accept: 'text/html' },
        ...(method === 'POST' ? { payload: { username: uniqueName() } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.headers['set-cookie'], `${method} ${url}`).toBeUndefined();
    }
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'files.tandem.test' } })).statusCode,
    ).toBe(200);
  });
});

for (const backend of backends) {
  describe(`upload quotas (${backend.name})`, () => {
    const ctx = serve(
      {
        UPLOAD_MAX_FILE_BYTES: String(512 * KiB),
        UPLOAD_QUOTA_DAILY: '100KiB',
        UPLOAD_QUOTA_TOTAL: '150KiB',
        UPLOAD_QUOTA_GUEST: '0',
        // The disk check has its own test; here it must not interfere.
        UPLOAD_MIN_FREE_DISK: '0',
      },
      backend,
    );

    it('refuses a request that would pass the daily quota with 413 and a message, keeping nothing', async () => {
      const g = await guest(ctx.app);
      expect((await ctx.upload(g.token, form(['a.bin', Buffer.alloc(60 * KiB, 1)]))).status).toBe(201);
      const before = ctx.filesOnDisk();
      // 30 KiB fits the 40 KiB left, the next 30 KiB does not: the first is removed again too.
      const res = await ctx.upload(
        g.token,
        form(['b.bin', Buffer.alloc(30 * KiB, 2)], ['c.bin', Buffer.alloc(30 * KiB, 3)]),
      );
      expect(res.status).toBe(413);
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'dailyQuota', quotaBytes: 100 * KiB, usedBytes: 60 * KiB },
      });
      expect(body.error.message).toBe('You can upload 100 KB a day and have 40 KB left; try again later.');
      expect(ctx.filesOnDisk()).toEqual(before);

      // One file far bigger than what is left is cut off while it streams, and leaves nothing.
      const big = await ctx.upload(g.token, form(['big.bin', Buffer.alloc(500 * KiB, 4)]));
      expect(big.status).toBe(413);
      expect(ctx.filesOnDisk()).toEqual(before);

      // Another user has a quota of their own.
      const other = await guest(ctx.app);
      expect((await ctx.upload(other.token, form(['d.bin', Buffer.alloc(30 * KiB, 5)]))).status).toBe(201);
    });

    it('counts the last 24 hours for the daily quota, and every stored file for the total', async () => {
      const g = await guest(ctx.app);
      const roomId = await createRoom(ctx.app, g.headers);
      const keep = async (n: number) => {
        const res = await ctx.upload(g.token, form([`${n}.bin`, Buffer.alloc(70 * KiB, n)]));
        expect(res.status).toBe(201);
        const [file] = (await res.json()) as Attachment[];
        // Attached, so the orphan sweep never frees it.
        await ctx.app.inject({
          method: 'POST',
          url: `/rooms/${roomId}/messages`,
          headers: g.headers,
          payload: { clientMessageId: `keep-${n}`, body: '', attachmentIds: [file?.id] },
        });
      };
      await keep(1);
      expect((await ctx.upload(g.token, form(['x.bin', Buffer.alloc(40 * KiB, 9)]))).status).toBe(413);
      ctx.clock.advance(24 * 3_600_000 + 1);
      await keep(2); // a new day: 70 KiB more is fine (140 of 150 KiB stored)
      ctx.clock.advance(24 * 3_600_000 + 1);
      const before = ctx.filesOnDisk();
      const res = await ctx.upload(g.token, form(['y.bin', Buffer.alloc(20 * KiB, 9)]));
      expect(res.status).toBe(413);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.details).toEqual({ limit: 'totalQuota', quotaBytes: 150 * KiB, usedBytes: 140 * KiB });
      expect(body.error.message).toBe('Your files may take up 150 KB and have 10 KB left.');
      expect(ctx.filesOnDisk()).toEqual(before);
    });

    it('counts uploads running at the same time against one quota', async () => {
      const g = await guest(ctx.app);
      const results = await Promise.all(
        [1, 2, 3].map((n) => ctx.upload(g.token, form([`${n}.bin`, Buffer.alloc(45 * KiB, n)]))),
      );
      const statuses = results.map((r) => r.status);
      // Never past the quota: at most two of three fit in 100 KiB, whatever the timing. An upload
      // that finishes while another reads its usage can be counted twice for that moment, so the
      // second may be refused too (on the safe side, never over the quota).
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(2);
      expect(statuses.every((s) => s === 201 || s === 413)).toBe(true);
    });
  });
}

describe('guests get a smaller quota', () => {
  const ctx = serve({ UPLOAD_QUOTA_DAILY: '1MiB', UPLOAD_QUOTA_GUEST: '50KiB', UPLOAD_MIN_FREE_DISK: '0' });

  it('refuses a guest past UPLOAD_QUOTA_GUEST, says how to get more, and lets an account upload it', async () => {
    const g = await guest(ctx.app);
    const res = await ctx.upload(g.token, form(['a.bin', Buffer.alloc(60 * KiB, 1)]));
    expect(res.status).toBe(413);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.message).toBe(
      'You can upload 50 KB a day and have 50 KB left; try again later. Guests get less room: create an account to upload more.',
    );
    expect(body.error.details).toMatchObject({ limit: 'dailyQuota', quotaBytes: 50 * KiB });

    const username = uniqueName();
    const registered = await ctx.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { name: 'Quota Tester', username, email: `${username}@example.com`, password: 'correct horse battery' },
    });
    expect(registered.statusCode).toBe(201);
    const token = (registered.json() as { token: string }).token;
    expect((await ctx.upload(token, form(['a.bin', Buffer.alloc(60 * KiB, 1)]))).status).toBe(201);
  });
});

describe('low disk space', () => {
  // No test machine has 8000 TiB free: the server must believe its disk is full.
  const ctx = serve({ UPLOAD_MIN_FREE_DISK: '8000TiB' });

  it('refuses uploads with 507 and a message while free space is under UPLOAD_MIN_FREE_DISK', async () => {
    const g = await guest(ctx.app);
    const before = ctx.filesOnDisk();
    const res = await ctx.upload(g.token, form(['a.txt', 'tiny']));
    expect(res.status).toBe(507);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: 'insufficient_storage', details: { limit: 'disk' } });
    expect(body.error.message).toContain('running out of disk space');
    expect(ctx.filesOnDisk()).toEqual(before);
  });
});

describe('orphan lifetime', () => {
  // The defaults: no UPLOAD_ORPHAN_TTL in the environment.
  const ctx = serve({});

  it('removes a file never attached an hour after it was uploaded', async () => {
    const g = await guest(ctx.app);
    const [orphan] = (await (await ctx.upload(g.token, form(['orphan.txt', 'o']))).json()) as Attachment[];
    if (!orphan) throw new Error('upload failed');
    const onDisk = path.join(ctx.uploadDir, path.basename(orphan.url));
    ctx.clock.advance(59 * 60_000);
    await ctx.app.services.uploads.sweepOrphans();
    expect(fs.existsSync(onDisk)).toBe(true);
    ctx.clock.advance(60_000 + 1);
    expect(await ctx.app.services.uploads.sweepOrphans()).toBe(1);
    expect(fs.existsSync(onDisk)).toBe(false);
    expect((await fetch(`${ctx.base}${orphan.url}`)).status).toBe(404);
  });
});
