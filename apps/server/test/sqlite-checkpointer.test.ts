import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { randomId } from '../src/ids.ts';
import { migrateToLatest, openStore } from '../src/store/db.ts';
import * as messages from '../src/store/messages.repository.ts';
import * as rooms from '../src/store/rooms.repository.ts';
import * as users from '../src/store/users.repository.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-checkpoint-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// SQLite's WAL is copied back into the database by a worker thread, not inside the server's commits.
describe('SQLite checkpoints off the event loop', () => {
  it('leaves the writer only a 64 MB backstop, and a worker copies the WAL back meanwhile', async () => {
    const file = path.join(dir, 'wal.db');
    const store = openStore({ kind: 'sqlite', file });
    await migrateToLatest(store.db);
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(16_384);

    const user = { id: randomId(), username: 'w', username_key: 'w', name: null, email: null, email_key: null };
    await users.insertUser(store.db, { ...user, password_hash: null, created_at: 1 });
    const roomId = randomId();
    await rooms.insertRoom(store.db, {
      id: roomId,
      name: 'wal',
      name_key: 'wal',
      kind: 'chat',
      encrypted: 0,
      created_by: null,
      created_at: 1,
      last_activity_at: 1,
    });
    await new Promise((r) => setTimeout(r, 1200)); // the migrations' pages are copied back
    const before = fs.statSync(file).size;
    // Far fewer pages than SQLite's default autocheckpoint (1000): only the worker copies them.
    for (let round = 0; round < 10; round++) {
      await messages.insertMessagesWithSeqs(
        store.db,
        Array.from({ length: 40 }, (_, i) => ({
          id: randomId(),
          roomId,
          senderId: user.id,
          clientMessageId: `m${round}-${i}`,
          body: 'x'.repeat(1000),
          createdAt: 2,
          attachmentIds: [],
          sealed: null,
        })),
      );
    }
    await new Promise((r) => setTimeout(r, 1200));
    expect(fs.statSync(file).size).toBeGreaterThan(before + 300_000);
    await store.close();
  });
});
