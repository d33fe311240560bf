import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, stopServerProcess } from '../scripts/server-process.ts';

const MB = 1024 * 1024;
const FILE_BYTES = 300 * MB;

/** The server's resident memory, read the way `ps` does. */
const rssOf = (pid: number) => {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1] ?? 0) * 1024;
};

/** POSTs one file of `bytes` zero-ish bytes as multipart, written chunk by chunk with backpressure. */
function streamUpload(url: string, token: string, bytes: number): Promise<{ status: number; body: string }> {
  const boundary = `----tandem${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 7);
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + bytes + tail.length),
      },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (d) => {
        body += String(d);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    let left = bytes;
    const write = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!request.write(piece)) return void request.once('drain', write);
      }
      request.end(tail);
    };
    request.write(head);
    write();
  });
}

describe('uploading a large file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bigupload-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('streams 300 MB to disk while the server grows by less than 64 MB', async () => {
    const server = await startServerProcess('uploads', {
      DATABASE_URL: `sqlite:${path.join(dir, 'tandem.db')}`,
      UPLOAD_DIR: path.join(dir, 'files'),
      UPLOAD_MAX_FILE_BYTES: String(400 * MB),
    });
    const pid = server.child.pid;
    if (!pid) throw new Error('no pid');
    try {
      const guest = await fetch(`${server.http}/auth/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bigsender' }),
      });
      const { token } = (await guest.json()) as { token: string };
      // Warm up the upload path once so that loading code does not count as growth.
      expect((await streamUpload(`${server.http}/uploads`, token, MB)).status).toBe(201);
      const baseline = rssOf(pid);
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssOf(pid));
      }, 25);
      const result = await streamUpload(`${server.http}/uploads`, token, FILE_BYTES);
      clearInterval(sampler);
      expect(result.status).toBe(201);
      const [file] = JSON.parse(result.body) as Array<{ url: string; size: number }>;
      expect(file?.size).toBe(FILE_BYTES);
      expect(fs.statSync(path.join(dir, 'files', path.basename(file?.url ?? ''))).size).toBe(FILE_BYTES);
      const growth = peak - baseline;
      console.log(
        `server RSS: baseline ${Math.round(baseline / MB)} MB, peak ${Math.round(peak / MB)} MB, growth ${Math.round(growth / MB)} MB`,
      );
      expect(growth).toBeLessThan(64 * MB);
    } finally {
      await stopServerProcess(server.child);
    }
  });
});
