import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../src/ids.ts';
import { type Db, isUniqueViolation, migrateToLatest, openStore, type Store } from '../src/store/db.ts';
import * as messages from '../src/store/messages.repository.ts';
import * as rooms from '../src/store/rooms.repository.ts';
import * as sessions from '../src/store/sessions.repository.ts';
import * as users from '../src/store/users.repository.ts';
import { backends } from './helpers.ts';

// One contract, every backend: the repositories must behave the same on SQLite and PostgreSQL.
describe.each(backends)('store contract on $name', (backend) => {
  let store: Store;
  let db: Db;

  beforeAll(async () => {
    store = openStore(await backend.database());
    db = store.db;
    await migrateToLatest(db);
  });
  afterAll(() => store.close());

  const newUser = async (username = `u${randomId().slice(0, 8)}`) => {
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
  const send = (roomId: string, senderId: string, clientMessageId: string, body = 'hi', createdAt = 2_000) =>
    messages.insertMessageWithSeq(db, {
      id: randomId(),
      roomId,
      senderId,
      clientMessageId,
      body,
      createdAt,
      attachmentIds: [],
      sealed: null,
    });

  it('migrating twice is a no-op', async () => {
    await expect(migrateToLatest(db)).resolves.toBeUndefined();
  });

  it('keeps usernames unique without regard to case', async () => {
    await newUser('Alice');
    const err = await newUser('alice').catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect((await users.findUserByLoginKey(db, 'alice'))?.username).toBe('Alice');
  });

  it('hands out gap-free, unique seqs under concurrent sends', async () => {
    const roomId = await newRoom();
    const senders = await Promise.all([newUser(), newUser(), newUser()]);
    const seqs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => send(roomId, senders[i % 3]?.id ?? '', `c${i}`)),
    );
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect((await rooms.findRoomById(db, roomId))?.last_seq).toBe(60);
    expect((await users.findUserById(db, senders[0]?.id ?? ''))?.message_count).toBe(20);
  });

  it('refuses a second message with the same client id from the same sender, and gives the seq back', async () => {
    const roomId = await newRoom();
    const sender = await newUser();
    await send(roomId, sender.id, 'same');
    const err = await send(roomId, sender.id, 'same').catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(await send(roomId, sender.id, 'next')).toBe(2);
    expect((await messages.findMessageByClientId(db, sender.id, 'same'))?.seq).toBe(1);
    // Another sender may reuse the id: it is unique per sender.
    expect(await send(roomId, (await newUser()).id, 'same')).toBe(3);
  });

  const newMessage = (roomId: string, senderId: string, clientMessageId: string, createdAt = 3_000) => ({
    id: randomId(),
    roomId,
    senderId,
    clientMessageId,
    body: `body ${clientMessageId}`,
    createdAt,
    attachmentIds: [],
    sealed: null,
  });

  it('stores a batch in one transaction: gap-free seqs per room in the order given, counters moved', async () => {
    const [r1, r2] = [await newRoom(), await newRoom()];
    const [a, b] = [await newUser(), await newUser()];
    await send(r1, a.id, 'before');
    const batch = [
      newMessage(r2, a.id, 'x1'),
      newMessage(r1, b.id, 'x2', 3_001),
      newMessage(r2, b.id, 'x3'),
      newMessage(r1, a.id, 'x4', 3_005),
      ...Array.from({ length: 90 }, (_, i) => newMessage(r2, i % 2 ? a.id : b.id, `y${i}`)),
    ];
    const seqs = await messages.insertMessagesWithSeqs(db, batch);
    expect(seqs.slice(0, 4)).toEqual([1, 2, 2, 3]);
    expect(seqs.slice(4)).toEqual(Array.from({ length: 90 }, (_, i) => i + 3));
    expect((await rooms.findRoomById(db, r1))?.last_seq).toBe(3);
    expect((await rooms.findRoomById(db, r1))?.last_activity_at).toBe(3_005);
    expect((await rooms.findRoomById(db, r2))?.last_seq).toBe(92);
    expect((await users.findUserById(db, a.id))?.message_count).toBe(1 + 2 + 45);
    expect((await users.findUserById(db, b.id))?.message_count).toBe(2 + 45);
    const page = await messages.listHistory(db, r2, { after: 0, limit: 100 });
    expect(page.rows.map((r) => r.seq)).toEqual(Array.from({ length: 92 }, (_, i) => i + 1));
    expect(page.rows.map((r) => r.client_message_id).slice(0, 3)).toEqual(['x1', 'x3', 'y0']);
  });

  it('stores nothing of a batch when one message fails, and gives every seq back', async () => {
    const roomId = await newRoom();
    const sender = await newUser();
    await send(roomId, sender.id, 'taken');
    const err = await messages
      .insertMessagesWithSeqs(db, [newMessage(roomId, sender.id, 'fresh'), newMessage(roomId, sender.id, 'taken')])
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect((await rooms.findRoomById(db, roomId))?.last_seq).toBe(1);
    expect(await messages.findMessageByClientId(db, sender.id, 'fresh')).toBeUndefined();
    expect((await users.findUserById(db, sender.id))?.message_count).toBe(1);
  });

  it('pages history backwards and forwards with no gap and no duplicate', async () => {
    const roomId = await newRoom();
    const sender = await newUser();
    for (let i = 1; i <= 25; i++) await send(roomId, sender.id, `m${i}`, `body ${i}`);

    const newest = await messages.listHistory(db, roomId, { limit: 10 });
    expect(newest.rows.map((r) => r.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(newest.hasMore).toBe(true);
    expect(newest.rows[0]?.sender_username).toBe(sender.username);

    const oldest = await messages.listHistory(db, roomId, { before: 6, limit: 10 });
    expect(oldest.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(oldest.hasMore).toBe(false);

    const forwards = await messages.listHistory(db, roomId, { after: 20, limit: 3 });
    expect(forwards.rows.map((r) => r.seq)).toEqual([21, 22, 23]);
    expect(forwards.hasMore).toBe(true);

    const window = await messages.listHistory(db, roomId, { after: 3, before: 7, limit: 10 });
    expect(window.rows.map((r) => r.seq)).toEqual([4, 5, 6]);
  });

  it('counts members and reports the viewer membership in room summaries', async () => {
    const roomId = await newRoom();
    const [a, b] = [await newUser(), await newUser()];
    expect(await rooms.addMember(db, roomId, a.id, 5_000)).toBe(true);
    expect(await rooms.addMember(db, roomId, a.id, 6_000)).toBe(false);
    await rooms.addMember(db, roomId, b.id, 5_000);
    await send(roomId, a.id, 'x');

    const [mine] = await rooms.listRoomSummaries(db, { viewerId: a.id, limit: 10, joinedOnly: false, roomId });
    expect(mine).toMatchObject({ member_count: 2, last_seq: 1, joined_at: 5_000, last_read_seq: 0 });
    const [theirs] = await rooms.listRoomSummaries(db, { viewerId: null, limit: 10, joinedOnly: false, roomId });
    expect(theirs).toMatchObject({ member_count: 2, joined_at: null });

    expect(await rooms.removeMember(db, roomId, b.id)).toBe(true);
    expect(await rooms.removeMember(db, roomId, b.id)).toBe(false);
    expect((await rooms.listMembers(db, roomId)).map((m) => m.id)).toEqual([a.id]);

    const joined = await rooms.listRoomSummaries(db, { viewerId: b.id, limit: 10, joinedOnly: true });
    expect(joined.find((r) => r.id === roomId)).toBeUndefined();
  });

  it('finds a session only until it expires, and forgets it once deleted', async () => {
    const user = await newUser();
    await sessions.insertSession(db, { token_hash: 'h1', user_id: user.id, created_at: 0, expires_at: 10_000 });
    expect((await sessions.findSessionUser(db, 'h1', 9_999))?.user.id).toBe(user.id);
    expect(await sessions.findSessionUser(db, 'h1', 10_000)).toBeUndefined();
    expect(await sessions.deleteExpiredSessions(db, 10_000)).toBeGreaterThanOrEqual(1);
    await sessions.insertSession(db, { token_hash: 'h2', user_id: user.id, created_at: 0, expires_at: 10_000 });
    await sessions.deleteSession(db, 'h2');
    expect(await sessions.findSessionUser(db, 'h2', 0)).toBeUndefined();
  });

  it('reads users without their password hash, guest computed in SQL; only the credential look-up has the hash', async () => {
    const guest = await newUser();
    const member = { ...(await newUser()), password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' };
    await users.upgradeGuest(db, member.id, { ...member, email: null, email_key: null });
    const roomId = await newRoom();
    await rooms.addMember(db, roomId, guest.id, 5_000);
    await rooms.addMember(db, roomId, member.id, 5_000);
    await send(roomId, guest.id, `c${randomId()}`);
    await send(roomId, member.id, `c${randomId()}`);
    await sessions.insertSession(db, {
      token_hash: `h${member.id}`,
      user_id: member.id,
      created_at: 0,
      expires_at: 10_000,
    });

    const readers: Array<[string, Record<string, unknown> | undefined, boolean]> = [
      ['findUserById', await users.findUserById(db, guest.id), true],
      ['findUserById', await users.findUserById(db, member.id), false],
      ['findUserByLoginKey', await users.findUserByLoginKey(db, member.username_key), false],
      ['findUserByUsernameKey', await users.findUserByUsernameKey(db, guest.username_key), true],
      ['findSessionUser', (await sessions.findSessionUser(db, `h${member.id}`, 0))?.user, false],
      ...(await rooms.listMembers(db, roomId)).map((m): [string, Record<string, unknown>, boolean] => [
        'listMembers',
        m,
        m.id === guest.id,
      ]),
    ];
    for (const [reader, row, isGuest] of readers) {
      expect(row, reader).toBeDefined();
      expect(
        Object.keys(row ?? {}).filter((k) => /password|hash/i.test(k)),
        reader,
      ).toEqual([]);
      expect(row?.guest, reader).toBe(isGuest);
    }
    const history = await messages.listHistory(db, roomId, { limit: 10 });
    for (const row of history.rows) {
      expect(Object.keys(row).filter((k) => /password|hash/i.test(k))).toEqual([]);
      expect(row.sender_guest).toBe(row.sender_id === guest.id);
    }

    const credentials = await users.findCredentials(db, member.username_key);
    expect(credentials?.passwordHash).toBe(member.password_hash);
    expect(credentials?.user).toMatchObject({ id: member.id, guest: false });
    expect(Object.keys(credentials?.user ?? {})).not.toContain('password_hash');
    expect((await users.findCredentials(db, guest.username_key))?.passwordHash).toBeNull();
  });

  it('returns millisecond times and counters as numbers', async () => {
    const user = await newUser();
    const row = await users.findUserById(db, user.id);
    expect(typeof row?.created_at).toBe('number');
    expect(typeof row?.message_count).toBe('number');
  });
});
