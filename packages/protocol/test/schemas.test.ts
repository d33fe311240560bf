import { describe, expect, it } from 'vitest';
import {
  ClientFrame,
  CreateRoomRequest,
  HistoryQuery,
  LoginRequest,
  loginIdentifier,
  MeResponse,
  MessageBody,
  PostMessageRequest,
  RoomName,
  Username,
} from '../src/index.ts';

describe('protocol schemas', () => {
  it.each(['alice', 'Al1ce_b.o-b', 'abc', 'x'.repeat(32)])('accepts the username %s', (name) => {
    expect(Username.safeParse(name).success).toBe(true);
  });

  it.each(['ab', 'x'.repeat(33), '_alice', 'al ice', 'alice@example.com', 'аlice' /* Cyrillic а */])(
    'refuses the username %s',
    (name) => {
      expect(Username.safeParse(name).success).toBe(false);
    },
  );

  it('trims message bodies and counts the limit after trimming', () => {
    expect(MessageBody.parse('  hi  ')).toBe('hi');
    expect(MessageBody.safeParse(`  ${'x'.repeat(4000)}  `).success).toBe(true);
    expect(MessageBody.safeParse('x'.repeat(4001)).success).toBe(false);
  });

  it('needs text or attachments in a message, and at most ten distinct attachments', () => {
    const id = 'Fz3k9QwLm2Xp8Rt5Vb7Nc1';
    expect(PostMessageRequest.safeParse({ clientMessageId: 'c', body: ' \n\t ' }).success).toBe(false);
    expect(PostMessageRequest.parse({ clientMessageId: 'c', body: ' ', attachmentIds: [id] })).toEqual({
      clientMessageId: 'c',
      body: '',
      attachmentIds: [id],
    });
    expect(PostMessageRequest.parse({ clientMessageId: 'c', body: 'hi' }).attachmentIds).toEqual([]);
    expect(PostMessageRequest.safeParse({ clientMessageId: 'c', body: 'x', attachmentIds: [id, id] }).success).toBe(
      false,
    );
    const eleven = Array.from({ length: 11 }, (_, i) => `${id.slice(0, 20)}${String(i).padStart(2, '0')}`);
    expect(PostMessageRequest.safeParse({ clientMessageId: 'c', body: 'x', attachmentIds: eleven }).success).toBe(
      false,
    );
  });

  it('leaves clientMessageId optional on REST posts but required in the socket send frame', () => {
    expect(PostMessageRequest.parse({ body: 'hello' })).toEqual({ body: 'hello', attachmentIds: [] });
    expect(PostMessageRequest.safeParse({ clientMessageId: 'a b', body: 'hello' }).success).toBe(false);
    const send = { type: 'send', roomId: 'q3Z8vJb0S4mYdE1xKpLr2w', body: 'hello' };
    expect(ClientFrame.safeParse({ ...send, clientMessageId: 'c1' }).success).toBe(true);
    const refused = ClientFrame.safeParse(send);
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toContain('clientMessageId');
  });

  it('names the sign-in account by login, username or email: one, or several that agree', () => {
    const password = 'correct horse battery';
    for (const body of [{ login: 'alice' }, { username: 'alice' }, { email: 'alice@example.com' }]) {
      expect(loginIdentifier(LoginRequest.parse({ ...body, password }))).toBe(Object.values(body)[0]);
    }
    expect(loginIdentifier(LoginRequest.parse({ login: ' Alice ', username: 'alice', password }))).toBe('Alice');
    const none = LoginRequest.safeParse({ password });
    expect(none.error?.issues[0]).toMatchObject({ path: ['login'] });
    expect(none.error?.issues[0]?.message).toContain('"username"');
    const clash = LoginRequest.safeParse({ login: 'alice', email: 'bob@example.com', password });
    expect(clash.error?.issues[0]).toMatchObject({ path: ['email'] });
  });

  it('answers me with a user or null', () => {
    expect(MeResponse.parse({ user: null })).toEqual({ user: null });
    expect(MeResponse.safeParse({}).success).toBe(false);
  });

  it('refuses control characters in room names', () => {
    expect(RoomName.safeParse('Team Unicorns').success).toBe(true);
    expect(RoomName.safeParse('Sala 1 🦄').success).toBe(true);
    expect(RoomName.safeParse('evil\u202Egnp.exe').success).toBe(false);
    expect(RoomName.safeParse('bell\u0007').success).toBe(false);
  });

  it('defaults a new room to a plain chat room', () => {
    expect(CreateRoomRequest.parse({})).toEqual({ kind: 'chat', encrypted: false });
  });

  it('reads history paging from query strings', () => {
    expect(HistoryQuery.parse({ before: '40', limit: '20' })).toEqual({ before: 40, limit: 20 });
    expect(HistoryQuery.parse({})).toEqual({ limit: 50 });
    expect(HistoryQuery.safeParse({ limit: '101' }).success).toBe(false);
    expect(HistoryQuery.safeParse({ after: '-1' }).success).toBe(false);
  });
});
