import { describe, expect, it } from 'vitest';
import { alice, bob, joined, message } from '../../test/fixtures.ts';
import type { OutgoingMessage } from './outboxSlice.ts';
import { fromSnapshot } from './roomSession.ts';
import { buildTimeline, seenByOthers } from './timeline.ts';

const local = (day: number, hour: number, minute = 0) => new Date(2026, 10, day, hour, minute).toISOString();

describe('buildTimeline', () => {
  it('separates days and groups runs by one sender', () => {
    const session = fromSnapshot(
      joined({
        messages: [
          message(1, alice, 'one', local(20, 9)),
          message(2, alice, 'two', local(20, 9, 1)),
          message(3, bob, 'three', local(21, 10)),
        ],
      }),
    );
    const items = buildTimeline(session, [], alice.id);
    expect(items.map((i) => i.type)).toEqual(['day', 'message', 'message', 'day', 'message']);
    const messages = items.filter((i) => i.type === 'message');
    expect(messages.map((m) => [m.own, m.startsGroup])).toEqual([
      [true, true],
      [true, false],
      [false, true],
    ]);
  });

  it('says "seen" under your newest message someone else has read', () => {
    const session = fromSnapshot(
      joined({
        messages: [message(1, alice), message(2, alice), message(3, bob), message(4, alice)],
        reads: [
          { userId: bob.id, seq: 3 },
          { userId: alice.id, seq: 4 },
        ],
      }),
    );
    expect(seenByOthers(session.reads, alice.id)).toBe(3);
    const seen = buildTimeline(session, [], alice.id).filter((i) => i.type === 'message' && i.seen);
    expect(seen.map((i) => (i.type === 'message' ? i.message.seq : 0))).toEqual([2]);
  });

  it('places notices after the message that was newest when they happened', () => {
    const session = fromSnapshot(joined({ messages: [message(1, alice), message(2, bob)] }));
    session.notices.push({ id: 'n1', kind: 'join', user: bob, at: session.messages[0]?.createdAt ?? '', afterSeq: 1 });
    const types = buildTimeline(session, [], alice.id).map((i) => (i.type === 'message' ? i.message.seq : i.type));
    expect(types).toEqual(['day', 1, 'notice', 2]);
  });

  it('shows unsent messages last, and drops them once the stored copy is in', () => {
    const session = fromSnapshot(joined({ messages: [message(1, alice)] }));
    const outgoing: OutgoingMessage[] = [
      {
        clientMessageId: 'cm-alice-1',
        roomId: session.room.id,
        body: 'x',
        attachments: [],
        createdAt: local(21, 11),
        status: 'sending',
      },
      {
        clientMessageId: 'new',
        roomId: session.room.id,
        body: 'y',
        attachments: [],
        createdAt: local(21, 11),
        status: 'failed',
      },
    ];
    const items = buildTimeline(session, outgoing, alice.id);
    expect(items.filter((i) => i.type === 'outgoing').map((i) => i.key)).toEqual(['o-new']);
  });
});
