import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { randomId } from '../src/ids.ts';
import { migrateToLatest, openStore, type Store } from '../src/store/db.ts';
import * as messages from '../src/store/messages.repository.ts';
import * as rooms from '../src/store/rooms.repository.ts';
import * as users from '../src/store/users.repository.ts';
import { backends } from './helpers.ts';

const postgres = backends.find((b) => b.name === 'postgres');

/**
 * Two nodes on one PostgreSQL database; one of them stops in the middle of a transaction that
 * holds a room's row lock (frozen by SIGSTOP, swapped out, its connection black-holed). The
 * database ends that session after the idle-transaction timeout, so the other node's sends to
 * the room go on instead of waiting for the frozen one to wake.
 */
describe.skipIf(!postgres)('a node stopped inside a transaction (PostgreSQL)', () => {
  let frozen: Store;
  let healthy: Store;

  beforeAll(async () => {
    if (!postgres) throw new Error('unreachable: the suite is skipped');
    const database = await postgres.database();
    if (database.kind !== 'postgres') throw new Error('expected PostgreSQL');
    frozen = openStore({ ...database, idleTransactionTimeoutMs: 1000 });
    healthy = openStore({ ...database, idleTransactionTimeoutMs: 1000 });
    await migrateToLatest(healthy.db);
  });
  afterAll(async () => {
    await frozen?.close();
    await healthy?.close();
  });

  it("does not hold the room's lock past the timeout: the other node's send is stored, the frozen transaction rolls back", async () => {
    const roomId = randomId();
    await rooms.insertRoom(healthy.db, {
      id: roomId,
      name: `Room ${roomId}`,
      name_key: `room ${roomId.toLowerCase()}`,
      kind: 'chat',
      encrypted: 0,
      created_by: null,
      created_at: 1_000,
      last_activity_at: 1_000,
    });
    const senderId = randomId();
    await users.insertUser(healthy.db, {
      id: senderId,
      username: `u${senderId.slice(0, 8)}`,
      username_key: `u${senderId.slice(0, 8)}`.toLowerCase(),
      name: null,
      email: null,
      email_key: null,
      password_hash: null,
      created_at: 1_000,
    });

    const events: string[] = [];
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // The frozen node: takes the room's lock (as a send does), then does nothing for 4 s.
    const stalled = frozen.db
      .transaction()
      .execute(async (trx) => {
        await sql`update rooms set last_seq = last_seq + 1 where id = ${roomId}`.execute(trx);
        locked();
        await new Promise((resolve) => setTimeout(resolve, 4000));
        await sql`select 1`.execute(trx);
      })
      .then(
        () => events.push('frozen committed'),
        () => events.push('frozen rolled back'),
      );
    await lockTaken;
    const seq = await messages.insertMessageWithSeq(healthy.db, {
      id: randomId(),
      roomId,
      senderId,
      clientMessageId: 'while-frozen',
      body: 'still moving',
      sealed: null,
      createdAt: 2_000,
      attachmentIds: [],
    });
    events.push('healthy stored');
    await stalled;
    // Without the timeout, the healthy node waits the whole 4 s and the frozen transaction commits.
    expect(events).toEqual(['healthy stored', 'frozen rolled back']);
    expect(seq).toBe(1);
    expect((await rooms.findRoomById(healthy.db, roomId))?.last_seq).toBe(1);
  }, 15_000);

  it('the timeout is DATABASE_IDLE_TRANSACTION_TIMEOUT, 5 s unless set', () => {
    const base = { DATABASE_URL: 'postgres://db.example/tandem' };
    const at = (env: NodeJS.ProcessEnv) => {
      const { database } = loadConfig(env);
      return database.kind === 'postgres' ? database.idleTransactionTimeoutMs : undefined;
    };
    expect(at(base)).toBe(5000);
    expect(at({ ...base, DATABASE_IDLE_TRANSACTION_TIMEOUT: '2s' })).toBe(2000);
  });
});
