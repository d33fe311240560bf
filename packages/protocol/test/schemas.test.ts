import { describe, expect, it } from 'vitest';
import { CreateRoomRequest, HistoryQuery, MessageBody, RoomName, Username } from '../src/index.ts';

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
    expect(MessageBody.safeParse(' \n\t ').success).toBe(false);
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
