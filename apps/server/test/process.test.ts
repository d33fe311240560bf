import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, stopServerProcess } from '../scripts/server-process.ts';

describe('the server process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-process-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts on embedded defaults, creates a room for a bare curl, and stops cleanly on SIGTERM', async () => {
    const server = await startServerProcess('defaults', {
      DATABASE_URL: `sqlite:${path.join(dir, 'nested', 'tandem.db')}`,
    });
    try {
      const res = await fetch(`${server.http}/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { roomId: string }).roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const rooms = (await (await fetch(`${server.http}/rooms`)).json()) as { rooms: Array<{ name: string }> };
      expect(rooms.rooms.map((r) => r.name)).toEqual(expect.arrayContaining(['Room 1', 'Room 2', 'Room 3']));
      expect(fs.existsSync(path.join(dir, 'nested', 'tandem.db'))).toBe(true);
    } finally {
      expect(await stopServerProcess(server.child)).toBe(0);
    }
  });

  it('keeps tokens and message bodies out of its logs', async () => {
    const server = await startServerProcess('logs', {
      DATABASE_URL: `sqlite:${path.join(dir, 'logs.db')}`,
      LOG_LEVEL: 'debug',
    });
    try {
      const res = await fetch(`${server.http}/auth/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'loggeduser' }),
      });
      const { token } = (await res.json()) as { token: string };
      await fetch(`${server.http}/auth/me`, {
        headers: { authorization: `Bearer ${token}`, cookie: `tandem_session=${token}` },
      });
      const room = (await (
        await fetch(`${server.http}/rooms`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { roomId: string };
      await fetch(`${server.http}/rooms/${room.roomId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientMessageId: 'log-1', body: 'a private lunch plan' }),
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(server.output()).toContain('/auth/me');
      expect(server.output()).not.toContain(token);
      expect(server.output()).toContain('/messages');
      expect(server.output()).not.toContain('private lunch plan');
    } finally {
      await stopServerProcess(server.child);
    }
  });
});

describe('the terminal a newcomer sees', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-terminal-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mainTs = path.resolve(import.meta.dirname, '../src/main.ts');

  /** Runs main.ts under `script`, which gives it a pseudo-terminal as stdout, until `until` shows up. */
  async function runInTerminal(env: Record<string, string>, until: RegExp): Promise<string> {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(mainTs)}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, TERM: 'xterm', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      out += String(chunk);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${until} in:\n${out}`)), 20_000);
        child.stdout.on('data', () => {
          if (until.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', () => {
          clearTimeout(timer);
          reject(new Error(`exited before ${until}:\n${out}`));
        });
      });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit').catch(() => undefined);
    }
    // Colours and the terminal's carriage returns are not what a person reads.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
    return out.replace(/\u001b\[[0-9;]*m/g, '').replaceAll('\r', '');
  }

  it('prints readable lines and where to go when stdout is a terminal', async () => {
    const out = await runInTerminal(
      { DATABASE_URL: `sqlite:${path.join(dir, 'tty.db')}` },
      /Tandem is running at http:\/\/localhost:\d+ \(API docs: \/docs\)/,
    );
    expect(out).not.toContain('{"level"');
    expect(out).toMatch(/\d\d:\d\d:\d\d\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const url = /Tandem is running at (http:\/\/localhost:\d+)/.exec(out)?.[1];
    expect(url).toBeDefined();
  });

  it('keeps JSON lines when stdout is not a terminal, with the same line as a log entry', async () => {
    const server = await startServerProcess('json-logs', { DATABASE_URL: `sqlite:${path.join(dir, 'json.db')}` });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const running = server
        .output()
        .split('\n')
        .filter((line) => line.includes('Tandem is running at'));
      expect(running).toHaveLength(1);
      const entry = JSON.parse(running[0] ?? '{}') as { level: number; msg: string; url: string };
      expect(entry.level).toBe(30);
      expect(entry.msg).toBe(`Tandem is running at ${entry.url} (API docs: /docs)`);
      expect(entry.url).toMatch(/^http:\/\/localhost:\d+$/);
    } finally {
      await stopServerProcess(server.child);
    }
  });
});
