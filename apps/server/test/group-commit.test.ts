import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId } from '../src/ids.ts';
import { groupCommitter, messagesService } from '../src/services/messages.service.ts';
import { roomsService } from '../src/services/rooms.service.ts';
import { type Db, isUniqueViolation, migrateToLatest, openStore, type Store } from '../src/store/db.ts';
import type * as messages from '../src/store/messages.repository.ts';
import * as rooms from '../src/store/rooms.repository.ts';
import * as users from '../src/store/users.repository.ts';
import { asUser, backends } from './helpers.ts';

// Sends that reach the store together are committed together; each still gets its own outcome.
describe.each(backends)('group commit on $name', (backend) => {
  let store: Store;
  let db: Db;

  beforeAll(async () => {
    store = openStore(await backend.database());
    db = store.db;
    await migrateToLatest(db);
  });
  afterAll(() => store.close());

  const newUser = async () => {
    const username = `u${randomId().slice(0, 8)}`;
    const user = {
      id: randomId(),
      username,
      username_key: username.toLowerCase(),
      name: null,
      email: null,
      email_key: null,
      password_hash: null,
      created_at: 1_000,
    };
    await users.insertUser(db, user);
    return user;
  };
  const newRoom = async () => {
    const id = randomId();
    await rooms.insertRoom(db, {
      id,
      name: `Room ${id}`,
      name_key: `room ${id.toLowerCase()}`,
      kind: 'chat',
      encrypted: 0,
      created_by: null,
      created_at: 1_000,
      last_activity_at: 1_000,
    });
    return id;
  };
  const message = (roomId: string, senderId: string, clientMessageId: string): messages.NewMessage => ({
    id: randomId(),
    roomId,
    senderId,
    clientMessageId,
    body: 'hi',
    createdAt: 2_000,
    attachmentIds: [],
    sealed: null,
  });

  it('commits the sends of one event-loop turn in one transaction, with gap-free seqs', async () => {
    const [r1, r2] = [await newRoom(), await newRoom()];
    const sender = await newUser();
    const transactions = vi.spyOn(db, 'transaction');
    const write = groupCommitter(db);
    const seqs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => write(message(i % 2 ? r2 : r1, sender.id, `g${i}`))),
    );
    expect(transactions).toHaveBeenCalledTimes(1);
    transactions.mockRestore();
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => Math.floor(i / 2) + 1));
    expect((await rooms.findRoomById(db, r1))?.last_seq).toBe(20);
    expect((await users.findUserById(db, sender.id))?.message_count).toBe(40);
  });

  it('overlaps batches up to its concurrency, keeping each room gap-free', async () => {
    const [r1, r2] = [await newRoom(), await newRoom()];
    const sender = await newUser();
    const transaction = db.transaction.bind(db);
    let open = 0;
    let most = 0;
    const spy = vi.spyOn(db, 'transaction').mockImplementation(() => {
      const builder = transaction();
      const execute = builder.execute.bind(builder);
      return Object.assign(Object.create(builder), {
        execute: async (fn: Parameters<typeof execute>[0]) => {
          open += 1;
          most = Math.max(most, open);
          try {
            return await execute(fn);
          } finally {
            open -= 1;
          }
        },
      });
    });
    const write = groupCommitter(db, 2);
    const sends: Array<Promise<number>> = [];
    for (let turn = 0; turn < 4; turn++) {
      for (let i = 0; i < 10; i++) sends.push(write(message(i % 2 ? r2 : r1, sender.id, `c${turn}-${i}`)));
      await new Promise((r) => setImmediate(r));
    }
    const seqs = await Promise.all(sends);
    spy.mockRestore();
    // SQLite's batches run to their commit within one turn; PostgreSQL's wait on the network.
    if (backend.name === 'postgres') expect(most).toBe(2);
    const r1Seqs = seqs.filter((_, i) => i % 2 === 0).sort((a, b) => a - b);
    expect(r1Seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await rooms.findRoomById(db, r2))?.last_seq).toBe(20);
  });

  it('gives each send of a failed batch its own outcome, with no seq lost', async () => {
    const roomId = await newRoom();
    const sender = await newUser();
    const write = groupCommitter(db);
    await write(message(roomId, sender.id, 'dup'));
    const outcomes = await Promise.allSettled([
      write(message(roomId, sender.id, 'a')),
      write(message(roomId, sender.id, 'dup')),
      write(message(roomId, sender.id, 'b')),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(outcomes[1]?.status).toBe('rejected');
    expect(isUniqueViolation((outcomes[1] as PromiseRejectedResult).reason)).toBe(true);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 3 });
    expect((await rooms.findRoomById(db, roomId))?.last_seq).toBe(3);
  });

  it('keeps committing what arrives while a commit is under way', async () => {
    const roomId = await newRoom();
    const sender = await newUser();
    const write = groupCommitter(db);
    const first = write(message(roomId, sender.id, 'w0'));
    await new Promise((r) => setImmediate(r));
    const rest = Array.from({ length: 10 }, (_, i) => write(message(roomId, sender.id, `w${i + 1}`)));
    expect(await Promise.all([first, ...rest])).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });

  it('reads what a send needs in one query, and still refuses strangers and replays retries', async () => {
    const roomId = await newRoom();
    const [member, stranger] = [await newUser(), await newUser()];
    await rooms.addMember(db, roomId, member.id, 1_000);
    const clock = { now: () => 5_000 };
    const service = messagesService({
      db,
      clock,
      rooms: roomsService({ db, clock, presence: { onlineCount: () => 0 } }),
    });
    const post = (user: typeof member, clientMessageId: string, body = 'hello') =>
      service.post(roomId, asUser(user), { clientMessageId, body, attachmentIds: [] });
    const reads = vi.spyOn(db, 'selectFrom');
    const first = await post(member, 'one');
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    expect(first).toMatchObject({ created: true, message: { seq: 1, body: 'hello' } });
    expect(await post(member, 'one')).toMatchObject({ created: false, message: { id: first.message.id } });
    await expect(post(member, 'one', 'changed')).rejects.toMatchObject({ code: 'conflict' });
    await expect(post(stranger, 'two')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      service.post('no-such-room', asUser(member), { clientMessageId: 'x', body: 'x', attachmentIds: [] }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
