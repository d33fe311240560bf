import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../src/ids.ts';
import { roomsService } from '../src/services/rooms.service.ts';
import { type Db, migrateToLatest, openStore, type Store, withTransaction } from '../src/store/db.ts';
import * as users from '../src/store/users.repository.ts';
import { asUser, backends } from './helpers.ts';

const sqlite = backends.find((b) => b.name === 'sqlite');

// Services own transactions: what belongs together commits together, through withTransaction().
describe('services own transactions (SQLite, failures injected with a trigger)', () => {
  let store: Store;
  let db: Db;
  beforeAll(async () => {
    if (!sqlite) throw new Error('no SQLite backend');
    store = openStore(await sqlite.database());
    db = store.db;
    await migrateToLatest(db);
  });
  afterAll(() => store.close());

  const newUser = async () => {
    const username = `u${randomId().slice(0, 8)}`;
    await users.insertUser(db, {
      id: randomId(),
      username,
      username_key: username.toLowerCase(),
      name: null,
      email: null,
      email_key: null,
      password_hash: null,
      created_at: 1_000,
    });
    const user = await users.findUserByUsernameKey(db, username.toLowerCase());
    if (!user) throw new Error('user not stored');
    return asUser(user);
  };

  it('a failure adding the creator leaves no room behind', async () => {
    const creator = await newUser();
    await sql
      .raw(
        `create trigger fail_membership before insert on room_members when new.user_id = '${creator.id}'
         begin select raise(abort, 'injected: membership refused'); end`,
      )
      .execute(db);
    const service = roomsService({ db, clock: { now: () => 5_000 }, presence: { onlineCount: () => 0 } });
    const name = `Atomic ${randomId().slice(0, 6)}`;
    await expect(service.create({ name, kind: 'chat', encrypted: false }, creator)).rejects.toThrow(/injected/);
    const left = await db.selectFrom('rooms').select('id').where('name', '=', name).execute();
    expect(left).toEqual([]);

    // Without the failure the same call stores both.
    await sql`drop trigger fail_membership`.execute(db);
    const created = await service.create({ name, kind: 'chat', encrypted: false }, creator);
    expect(created).toMatchObject({ name });
    const members = await db.selectFrom('room_members').select('user_id').where('room_id', '=', created.id).execute();
    expect(members).toEqual([{ user_id: creator.id }]);
  });

  it('hands rooms on as domain objects (booleans, camelCase, the newest seq), never as table rows', async () => {
    const creator = await newUser();
    const service = roomsService({ db, clock: { now: () => 5_000 }, presence: { onlineCount: () => 0 } });
    const created = await service.create(
      { name: `Domain ${randomId().slice(0, 6)}`, kind: 'chat', encrypted: true },
      creator,
    );
    const expected = {
      id: created.id,
      name: created.name,
      kind: 'chat',
      encrypted: true,
      createdBy: creator.id,
      createdAt: new Date(5_000).toISOString(),
      latestSeq: 0,
    };
    expect(await service.requireRoom(created.id)).toStrictEqual(expected);
    expect(await service.findRoom(created.id)).toStrictEqual(expected);
    expect(await service.messageCounts(1000)).toContainEqual({
      roomId: created.id,
      name: created.name,
      messageCount: 0,
    });
  });

  it('withTransaction commits all or nothing, and joins a transaction already open', async () => {
    const ids = [randomId(), randomId()];
    const insert = (d: Db, id: string) =>
      d.insertInto('users').values({ id, username: id, username_key: id.toLowerCase(), created_at: 0 }).execute();
    await expect(
      withTransaction(db, async (trx) => {
        await insert(trx, ids[0] as string);
        await withTransaction(trx, (inner) => insert(inner, ids[1] as string));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await db.selectFrom('users').select('id').where('id', 'in', ids).execute()).toEqual([]);

    await withTransaction(db, async (trx) => {
      await insert(trx, ids[0] as string);
      await withTransaction(trx, (inner) => insert(inner, ids[1] as string));
    });
    expect(await db.selectFrom('users').select('id').where('id', 'in', ids).execute()).toHaveLength(2);
  });
});
