import { describe, expect, it } from 'vitest';
import { alice, bob, joined, message } from '../../test/fixtures.ts';
import {
  applyJoined,
  applyMessage,
  applyPresence,
  applyRead,
  applyTyping,
  fromSnapshot,
  prependHistory,
} from './roomSession.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, seconds)).toISOString();

describe('roomSession reducers', () => {
  it('starts from the join snapshot', () => {
    const session = fromSnapshot(joined({ messages: [message(1, alice)], reads: [{ userId: bob.id, seq: 1 }] }));
    expect(session.messages.map((m) => m.seq)).toEqual([1]);
    expect(session.reads).toEqual({ [bob.id]: 1 });
    expect(session.present).toEqual([alice]);
  });

  it('adds each new message once and bumps the room’s counts', () => {
    const session = fromSnapshot(joined({ messages: [message(1, alice)] }));
    applyMessage(session, message(2, bob));
    applyMessage(session, message(2, bob));
    applyMessage(session, message(1, alice));
    expect(session.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(session.room.latestSeq).toBe(2);
    expect(session.room.messageCount).toBe(2);
  });

  it('ends the sender’s typing when their message arrives', () => {
    const session = fromSnapshot(joined());
    applyTyping(session, bob, true);
    expect(session.typing).toEqual({ [bob.id]: bob });
    applyMessage(session, message(1, bob));
    expect(session.typing).toEqual({});
  });

  it('tracks presence and writes join and leave notices after the newest message', () => {
    const session = fromSnapshot(joined({ messages: [message(1, alice)] }));
    applyPresence(session, { type: 'presence', roomId: session.room.id, action: 'join', user: bob }, at(0));
    expect(session.present.map((u) => u.id)).toEqual([alice.id, bob.id]);
    applyMessage(session, message(2, bob));
    applyPresence(session, { type: 'presence', roomId: session.room.id, action: 'leave', user: bob }, at(30));
    expect(session.present.map((u) => u.id)).toEqual([alice.id]);
    expect(session.notices.map((n) => [n.kind, n.afterSeq])).toEqual([
      ['join', 1],
      ['leave', 2],
    ]);
  });

  it('does not report a quick leave-and-return (a page refresh) at all', () => {
    const session = fromSnapshot(joined());
    applyPresence(session, { type: 'presence', roomId: session.room.id, action: 'leave', user: bob }, at(0));
    applyPresence(session, { type: 'presence', roomId: session.room.id, action: 'join', user: bob }, at(2));
    expect(session.notices).toEqual([]);
    expect(session.present.map((u) => u.id)).toEqual([alice.id, bob.id]);
  });

  it('moves read positions forward only', () => {
    const session = fromSnapshot(joined());
    applyRead(session, { type: 'read', roomId: session.room.id, userId: bob.id, seq: 4 });
    applyRead(session, { type: 'read', roomId: session.room.id, userId: bob.id, seq: 2 });
    expect(session.reads[bob.id]).toBe(4);
  });

  it('keeps the messages on a resumed rejoin and replaces them on a fresh one', () => {
    const session = fromSnapshot(joined({ messages: [message(1, alice), message(2, alice)] }));
    applyTyping(session, bob, true);
    applyJoined(session, joined({ messages: [], resumed: true, present: [alice, bob] }));
    expect(session.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(session.present).toHaveLength(2);
    expect(session.typing).toEqual({});
    applyJoined(session, joined({ messages: [message(80, bob)], hasMore: true, resumed: false }));
    expect(session.messages.map((m) => m.seq)).toEqual([80]);
    expect(session.hasMore).toBe(true);
  });

  it('puts older history in front without repeating a message', () => {
    const session = fromSnapshot(joined({ messages: [message(51, alice), message(52, bob)], hasMore: true }));
    prependHistory(session, { messages: [message(50, bob), message(51, alice)], hasMore: false, latestSeq: 52 });
    expect(session.messages.map((m) => m.seq)).toEqual([50, 51, 52]);
    expect(session.hasMore).toBe(false);
  });
});
