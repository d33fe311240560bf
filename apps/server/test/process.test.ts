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
