import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { RealtimeClient } from '@tandem/client';
import type { Message } from '@tandem/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startServerProcess, stopServerProcess } from '../scripts/server-process.ts';
import { connect } from './ws-helpers.ts';

describe('graceful shutdown', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shutdown-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { DATABASE_URL: `sqlite:${path.join(dir, 'tandem.db')}`, DEFAULT_ROOMS: '', SEND_RATE_LIMIT: '100000' };

  it('on SIGTERM during traffic: tells sockets to reconnect, stores code edits at once, loses no acknowledged message', async () => {
    const server = await startServerProcess('shutdown', { ...env, WS_SENDS_PER_SECOND: '1000', WS_SEND_BURST: '1000' });
    const api = async (url: string, token: string | undefined, body?: unknown): Promise<any> => {
      const res = await fetch(`${server.http}${url}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return res.json();
    };
    const { token } = await api('/auth/guest', undefined, { username: 'stayer' });
    const { roomId } = await api('/rooms', token, { name: 'Busy room' });
    const { roomId: codeRoomId } = await api('/rooms', token, { name: 'Busy code', kind: 'code' });

    // A raw socket, to see exactly what the node says when it goes away.
    const watcher = await connect(server.ws, { token });
    await watcher.next('hello');

    // An editor types; the last edit is well inside the 1 s store debounce when the signal comes.
    const doc = new Y.Doc();
    const editor = await new Promise<HocuspocusProvider>((resolve) => {
      const provider: HocuspocusProvider = new HocuspocusProvider({
        url: `${server.ws}/code`,
        name: codeRoomId,
        token,
        document: doc,
        onSynced: () => resolve(provider),
      });
    });
    doc.getText('code').insert(0, 'edit before the signal\n');

    // A chatty client: every acknowledged message must survive.
    const client = new RealtimeClient({ url: server.ws, token, backoff: { baseMs: 5000, maxMs: 5000 } });
    await client.join({ roomId });
    const acked: Message[] = [];
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        client.send(`message ${i}`).done.then(
          (m) => acked.push(m),
          () => {},
        );
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    while (acked.length < 30) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50)); // let the editor's update reach the node

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const goodbye = await watcher.next('reconnect', undefined, 5000);
    expect(goodbye.reason).toContain('shutting down');
    expect((await watcher.closed).code).toBe(1001);
    const [code] = (await once(server.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    sending = false;
    await sender;
    client.close();
    editor.destroy();

    // Back up on the same database: everything acknowledged is there, once; the edit too.
    const again = await startServerProcess('restarted', env);
    try {
      const stored: Message[] = [];
      for (let after = 0; ; ) {
        const page = (await (
          await fetch(`${again.http}/rooms/${roomId}/messages?after=${after}&limit=100`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as {
          messages: Message[];
          hasMore: boolean;
        };
        stored.push(...page.messages);
        if (!page.hasMore) break;
        after = page.messages.at(-1)?.seq ?? after;
      }
      const storedIds = stored.map((m) => m.clientMessageId);
      expect(new Set(storedIds).size).toBe(storedIds.length);
      for (const m of acked) expect(storedIds, m.clientMessageId).toContain(m.clientMessageId);
      const saved = (await (
        await fetch(`${again.http}/rooms/${codeRoomId}/code`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { code: string };
      expect(saved.code).toContain('edit before the signal');
      console.log(`acknowledged before the signal: ${acked.length}; stored: ${stored.length}`);
    } finally {
      await stopServerProcess(again.child);
    }
  });
});
