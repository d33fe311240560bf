import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const mainTs = path.resolve(import.meta.dirname, '../src/main.ts');

/** Starts `node src/main.ts` on port 0 and resolves with its address from the JSON log. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [mainTs], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk) => {
      buffered += String(chunk);
      const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(buffered);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000).unref();
  });
  return { child, url };
}

describe('the server process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-process-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts on embedded defaults, creates a room for a bare curl, and stops cleanly on SIGTERM', async () => {
    const { child, url } = await startServer({ DATABASE_URL: `sqlite:${path.join(dir, 'nested', 'tandem.db')}` });
    try {
      const res = await fetch(`${url}/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { roomId: string }).roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const rooms = (await (await fetch(`${url}/rooms`)).json()) as { rooms: Array<{ name: string }> };
      expect(rooms.rooms.map((r) => r.name)).toEqual(expect.arrayContaining(['Room 1', 'Room 2', 'Room 3']));
      expect(fs.existsSync(path.join(dir, 'nested', 'tandem.db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('keeps secrets out of its logs', async () => {
    const { child, url } = await startServer({
      DATABASE_URL: `sqlite:${path.join(dir, 'logs.db')}`,
      LOG_LEVEL: 'info',
    });
    let logs = '';
    child.stdout?.on('data', (d) => {
      logs += String(d);
    });
    try {
      const res = await fetch(`${url}/auth/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'loggeduser' }),
      });
      const { token } = (await res.json()) as { token: string };
      await fetch(`${url}/auth/me`, {
        headers: { authorization: `Bearer ${token}`, cookie: `tandem_session=${token}` },
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(logs).toContain('/auth/me');
      expect(logs).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
