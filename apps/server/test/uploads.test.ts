import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RealtimeClient } from '@tandem/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { backends, createRoom, guest, manualClock, startApp, testConfig } from './helpers.ts';
import { connectAs, listen } from './ws-helpers.ts';

const sqlite = backends[0];
if (!sqlite) throw new Error('no SQLite backend');

type Attachment = { id: string; url: string; name: string; size: number; contentType: string };
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('uploads', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-uploads-'));
  const clock = manualClock(Date.now());
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = await startApp(
      testConfig(await sqlite.database(), {
        UPLOAD_DIR: uploadDir,
        UPLOAD_MAX_FILE_BYTES: String(64 * 1024),
        UPLOAD_MAX_FILES: '3',
        UPLOAD_ORPHAN_TTL: '1h',
      }),
      clock,
    );
    base = (await listen(app)).http;
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  const filesOnDisk = () => fs.readdirSync(uploadDir).sort();
  const form = (...files: Array<[name: string, bytes: Buffer | string, type?: string]>) => {
    const body = new FormData();
    for (const [name, bytes, type] of files) body.append('file', new Blob([bytes], { type: type ?? '' }), name);
    return body;
  };
  const upload = (token: string | undefined, body: FormData | string, headers: Record<string, string> = {}) =>
    fetch(`${base}/uploads`, {
      method: 'POST',
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });

  it('stores several files from one request and links each at /static/<name>', async () => {
    const g = await guest(app);
    const res = await upload(g.token, form(['cat.png', PNG, 'image/png'], ['notes.txt', 'hello notes', 'text/plain']));
    expect(res.status).toBe(201);
    const files = (await res.json()) as Attachment[];
    expect(files.map((f) => [f.name, f.size, f.contentType])).toEqual([
      ['cat.png', PNG.length, 'image/png'],
      ['notes.txt', 11, 'text/plain'],
    ]);
    for (const f of files) expect(f.url).toMatch(/^\/static\/[A-Za-z0-9_-]{22}\.(png|txt)$/);

    const png = await fetch(`${base}${files[0]?.url}`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('x-content-type-options')).toBe('nosniff');
    expect(png.headers.get('content-disposition')).toBe('inline');
    expect(png.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await png.arrayBuffer()).equals(PNG)).toBe(true);

    const range = await fetch(`${base}${files[1]?.url}`, { headers: { range: 'bytes=6-10' } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe('notes');
  });

  it('refuses a file over the size limit with 413 naming it, and keeps nothing of the request', async () => {
    const g = await guest(app);
    const before = filesOnDisk();
    const res = await upload(g.token, form(['small.txt', 'fine'], ['big.bin', Buffer.alloc(64 * 1024 + 1, 1)]));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'fileSize', maxBytes: 65536 } });
    expect(body.error.message).toBe('Each file may be at most 0.1 MB.');
    expect(filesOnDisk()).toEqual(before);
  });

  it('refuses more files than allowed with 413 naming the limit, and keeps nothing', async () => {
    const g = await guest(app);
    const before = filesOnDisk();
    const res = await upload(g.token, form(['1.txt', 'a'], ['2.txt', 'b'], ['3.txt', 'c'], ['4.txt', 'd']));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'At most 3 files can be sent at once.',
    );
    expect(filesOnDisk()).toEqual(before);
  });

  it('refuses an empty file with 400 and keeps nothing', async () => {
    const g = await guest(app);
    const before = filesOnDisk();
    const res = await upload(g.token, form(['ok.txt', 'ok'], ['empty.txt', '']));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('The file "empty.txt" is empty.');
    expect(filesOnDisk()).toEqual(before);
  });

  it('refuses uploads without a session, and bodies that are not multipart', async () => {
    expect((await upload(undefined, form(['a.txt', 'a']))).status).toBe(401);
    const g = await guest(app);
    const json = await upload(g.token, '{"file":"x"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
  });

  it('never lets a file name or a link escape the upload folder', async () => {
    const g = await guest(app);
    const res = await upload(g.token, form(['../../etc/passwd', 'not really'], ['..%2f..%2fsecret.txt', 'x']));
    const files = (await res.json()) as Attachment[];
    expect(files.map((f) => f.name)).toEqual(['passwd', '..%2f..%2fsecret.txt']);
    for (const f of files) expect(fs.existsSync(path.join(uploadDir, path.basename(f.url)))).toBe(true);
    expect(fs.existsSync(path.join(os.tmpdir(), 'etc', 'passwd'))).toBe(false);
    for (const probe of [
      '/static/..%2f..%2f..%2fetc%2fpasswd',
      '/static/../../../../etc/passwd',
      '/static/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const r = await fetch(`${base}${probe}`);
      expect(r.status, probe).not.toBe(200);
      expect(await r.text(), probe).not.toContain('root:');
    }
  });

  it('sends anything a browser could execute as a download, never inline', async () => {
    const g = await guest(app);
    const res = await upload(
      g.token,
      form(
        ['page.html', '<script>alert(1)</script>', 'text/html'],
        ['logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml'],
        ['app.js', 'alert(1)', 'text/javascript'],
      ),
    );
    for (const f of (await res.json()) as Attachment[]) {
      const served = await fetch(`${base}${f.url}`);
      expect(served.headers.get('content-disposition'), f.name).toBe('attachment');
      expect(served.headers.get('content-security-policy'), f.name).toContain('sandbox');
    }
  });

  it('attaches the sender’s own uploads to a message, in history and live', async () => {
    const a = await guest(app);
    const b = await guest(app);
    const roomId = await createRoom(app, a.headers);
    await app.inject({ method: 'POST', url: `/rooms/${roomId}/join`, headers: b.headers });
    const [pdf] = (await (
      await upload(a.token, form(['menu.pdf', '%PDF-1.4 lunch', 'application/pdf']))
    ).json()) as Attachment[];
    if (!pdf) throw new Error('upload failed');
    const listener = await connectAs(`${base.replace('http', 'ws')}/ws`, b.token);
    listener.send({ type: 'join', roomId });
    await listener.next('joined');

    const post = await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: a.headers,
      payload: { clientMessageId: 'with-file', body: '', attachmentIds: [pdf.id] },
    });
    expect(post.statusCode).toBe(201);
    expect(post.json()).toMatchObject({ body: '', attachments: [pdf] });
    expect((await listener.next('message')).message.attachments).toEqual([pdf]);
    const history = await app.inject({ method: 'GET', url: `/rooms/${roomId}/messages`, headers: b.headers });
    expect(history.json().messages[0].attachments).toEqual([pdf]);

    // Already attached, or someone else's: refused, and nothing is stored.
    const again = await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: a.headers,
      payload: { clientMessageId: 'again', body: 'same file', attachmentIds: [pdf.id] },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.details).toEqual({ field: 'attachmentIds' });
    const [bobs] = (await (await upload(b.token, form(['bob.txt', 'mine']))).json()) as Attachment[];
    const stolen = await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: a.headers,
      payload: { clientMessageId: 'stolen', body: 'look', attachmentIds: [bobs?.id] },
    });
    expect(stolen.statusCode).toBe(400);
    const room = await app.inject({ method: 'GET', url: `/rooms/${roomId}` });
    expect(room.json().messageCount).toBe(1);
    listener.close();
  });

  it('attaches files to a message sent with the realtime client, and resends them with it', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const [image] = (await (await upload(a.token, form(['cat.png', PNG, 'image/png']))).json()) as Attachment[];
    if (!image) throw new Error('upload failed');
    const client = new RealtimeClient({ url: `${base.replace('http', 'ws')}/ws`, token: a.token });
    await client.join({ roomId });
    const { done } = client.send({ body: 'look', attachmentIds: [image.id] });
    expect((await done).attachments).toEqual([image]);
    client.close();
  });

  it('removes files never attached once the orphan time has passed, and keeps attached ones', async () => {
    const a = await guest(app);
    const roomId = await createRoom(app, a.headers);
    const [kept, orphan] = (await (
      await upload(a.token, form(['kept.txt', 'k'], ['orphan.txt', 'o']))
    ).json()) as Attachment[];
    if (!kept || !orphan) throw new Error('upload failed');
    await app.inject({
      method: 'POST',
      url: `/rooms/${roomId}/messages`,
      headers: a.headers,
      payload: { clientMessageId: 'keep', body: 'kept', attachmentIds: [kept.id] },
    });
    clock.advance(3_600_000 + 1);
    expect(await app.services.uploads.sweepOrphans()).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(path.join(uploadDir, path.basename(orphan.url)))).toBe(false);
    expect(fs.existsSync(path.join(uploadDir, path.basename(kept.url)))).toBe(true);
    expect((await fetch(`${base}${orphan.url}`)).status).toBe(404);
  });
});

describe('upload rate limit', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-uploads-'));
  let app: App;
  let base: string;
  beforeAll(async () => {
    app = await startApp(testConfig(await sqlite.database(), { UPLOAD_DIR: uploadDir, UPLOAD_RATE_LIMIT: '2' }));
    base = (await listen(app)).http;
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  it('answers 429 past the per-user budget', async () => {
    const g = await guest(app);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const body = new FormData();
      body.append('file', new Blob([`file ${i}`]), `f${i}.txt`);
      const res = await fetch(`${base}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${g.token}` },
        body,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
  });
});
