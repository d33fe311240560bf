import type { Message, PublicUser, SealedMessage } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import {
  buildTimeline,
  firstUnreadSeq,
  initialRoomState,
  messageText,
  type Notice,
  type OpenedMessage,
  type PendingMessage,
  type RoomState,
  seenByOthers,
  seenSeq,
  type TimelineItem,
} from '../src/room/index.ts';
import { user as alice, message, roomId } from '../src/testing/index.ts';

// The message list every client shows, from the room state alone (ported from the web app's
// timeline tests when it moved onto the shared room model).

const bob: PublicUser = { id: 'bob-id-000000000000001', username: 'bob', name: null, guest: true };

/** A local time in November 2026: day separators follow the local date, whatever the time zone. */
const local = (day: number, hour: number, minute = 0, second = 0) =>
  new Date(2026, 10, day, hour, minute, second).toISOString();

const byAlice = (seq: number, createdAt?: string) => message(seq, createdAt ? { createdAt } : {});
const byBob = (seq: number, overrides: Partial<Message> = {}) =>
  message(seq, { sender: bob, clientMessageId: `b${seq}`, ...overrides });

const state = (overrides: Partial<RoomState> = {}): RoomState => ({ ...initialRoomState(roomId), ...overrides });

const notice = (id: string, afterSeq: number, at: string, kind: Notice['kind'] = 'join'): Notice => ({
  id,
  kind,
  user: bob,
  at,
  afterSeq,
});

const pending = (clientMessageId: string, overrides: Partial<PendingMessage> = {}): PendingMessage => ({
  clientMessageId,
  body: `draft ${clientMessageId}`,
  attachments: [],
  createdAt: local(21, 11),
  status: 'sending',
  ...overrides,
});

/** The timeline in short: a message by its seq, a notice by its id, anything else by its type. */
const outline = (items: TimelineItem[]) =>
  items.map((i) => (i.type === 'message' ? i.message.seq : i.type === 'notice' ? i.notice.id : i.type));

const messagesOf = (items: TimelineItem[]) => items.flatMap((i) => (i.type === 'message' ? [i] : []));

describe('buildTimeline', () => {
  it('separates days and groups runs by one sender', () => {
    const items = buildTimeline(
      state({
        messages: [byAlice(1, local(20, 9)), byAlice(2, local(20, 9, 1)), byBob(3, { createdAt: local(21, 10) })],
      }),
      alice.id,
    );
    expect(items.map((i) => i.type)).toEqual(['day', 'message', 'message', 'day', 'message']);
    expect(messagesOf(items).map((m) => [m.own, m.startsGroup])).toEqual([
      [true, true],
      [true, false],
      [false, true],
    ]);
    const days = items.flatMap((i) => (i.type === 'day' ? [i.at] : []));
    expect(days).toEqual([local(20, 9), local(21, 10)]);
  });

  it('keeps a run going while one sender writes within five minutes, and starts a new one after', () => {
    const items = buildTimeline(
      state({
        messages: [
          byAlice(1, local(20, 9)),
          byAlice(2, local(20, 9, 5)),
          byAlice(3, local(20, 9, 10, 1)),
          byBob(4, { createdAt: local(20, 9, 10, 2) }),
          byAlice(5, local(20, 9, 10, 3)),
        ],
      }),
      alice.id,
    );
    expect(messagesOf(items).map((m) => m.startsGroup)).toEqual([true, false, true, true, true]);
  });

  it('starts a new run after a notice, and at midnight, even for the same sender within five minutes', () => {
    const items = buildTimeline(
      state({
        messages: [
          byAlice(1, local(20, 23, 56)),
          byAlice(2, local(20, 23, 57)),
          byAlice(3, local(20, 23, 58)),
          byAlice(4, local(21, 0, 1)),
        ],
        notices: [notice('n2', 2, local(20, 23, 57, 30))],
      }),
      alice.id,
    );
    expect(outline(items)).toEqual(['day', 1, 2, 'n2', 3, 'day', 4]);
    expect(messagesOf(items).map((m) => m.startsGroup)).toEqual([true, false, true, true]);
  });

  it('keeps the row objects of messages that show the same when the timeline is built again', () => {
    const messages = [byBob(1), byAlice(2), byAlice(3)];
    const first = messagesOf(buildTimeline(state({ messages }), alice.id));
    // A message arrives and Bob reads up to 2: rows 1 and 3 are the same objects, row 2 ("seen") is new.
    const again = messagesOf(
      buildTimeline(state({ messages: [...messages, byBob(4)], reads: { [bob.id]: 2 } }), alice.id),
    );
    expect(again[0]).toBe(first[0]);
    expect(again[1]).not.toBe(first[1]);
    expect(again[1]?.seen).toBe(true);
    expect(again[2]).toBe(first[2]);
    expect(again).toHaveLength(4);
  });

  it('puts the "New messages" line before the first message from someone else after what you had read', () => {
    const messages = [byBob(1), byAlice(2), byAlice(3), byBob(4), byBob(5)];
    expect(firstUnreadSeq(messages, 2, alice.id)).toBe(4);
    // Your own messages after the mark (sent from another device) are not news to you.
    expect(firstUnreadSeq(messages, 1, alice.id)).toBe(4);
    expect(firstUnreadSeq(messages, 5, alice.id)).toBeUndefined();
    // Nothing read here before, or the room not joined yet: no line.
    expect(firstUnreadSeq(messages, 0, alice.id)).toBeUndefined();
    expect(firstUnreadSeq(messages, undefined, alice.id)).toBeUndefined();
    // The first new one not loaded (only 4 and 5 are): a line above 4 would be in the wrong place.
    expect(firstUnreadSeq(messages.slice(3), 1, alice.id)).toBeUndefined();
    expect(firstUnreadSeq(messages.slice(3), 3, alice.id)).toBe(4);
  });

  it('says "seen" under your newest message someone else has read', () => {
    const reads = { [bob.id]: 3, [alice.id]: 4 };
    const room = state({ messages: [byAlice(1), byAlice(2), byBob(3), byAlice(4)], reads });
    expect(seenByOthers(reads, alice.id)).toBe(3);
    expect(seenSeq(room, alice.id)).toBe(2);
    const seen = messagesOf(buildTimeline(room, alice.id)).filter((m) => m.seen);
    expect(seen.map((m) => m.message.seq)).toEqual([2]);
  });

  it('says "seen" nowhere when only you, or nobody past your messages, has read them', () => {
    const messages = [byBob(1), byAlice(2), byAlice(3)];
    const seenIn = (reads: Record<string, number>) =>
      messagesOf(buildTimeline(state({ messages, reads }), alice.id)).filter((m) => m.seen);
    expect(seenIn({ [alice.id]: 3 })).toEqual([]);
    expect(seenIn({ [bob.id]: 1 })).toEqual([]);
    expect(seenSeq(state({ messages, reads: { [bob.id]: 1 } }), alice.id)).toBeUndefined();
    // Bob's view of the same reads: Alice read everything, so his message 1 is seen.
    expect(seenSeq(state({ messages, reads: { [alice.id]: 3 } }), bob.id)).toBe(1);
  });

  it('places notices after the message that was newest when they happened', () => {
    const at = local(20, 9);
    const items = buildTimeline(
      state({
        messages: [byAlice(1, at), byBob(2, { createdAt: at })],
        // In the order they were written, not the order they show.
        notices: [notice('after-2', 2, at, 'leave'), notice('after-1', 1, at), notice('before-any', 0, at)],
      }),
      alice.id,
    );
    expect(outline(items)).toEqual(['day', 'before-any', 1, 'after-1', 2, 'after-2']);
  });

  it('puts a day separator before a notice that happened on a new day', () => {
    const items = buildTimeline(
      state({
        messages: [byAlice(1, local(20, 22)), byAlice(2, local(21, 8))],
        notices: [notice('overnight', 1, local(21, 7))],
      }),
      alice.id,
    );
    expect(outline(items)).toEqual(['day', 1, 'day', 'overnight', 2]);
  });

  it('merges extra notices (key changes) in among the room’s own, by the message they follow', () => {
    const at = local(20, 9);
    const room = state({
      messages: [byAlice(1, at), byAlice(2, at), byAlice(3, at)],
      notices: [notice('join-bob', 2, at)],
    });
    const keys = [notice('keys-3', 3, at, 'keys'), notice('keys-1', 1, at, 'keys')];
    const items = buildTimeline(room, alice.id, keys);
    expect(outline(items)).toEqual(['day', 1, 'keys-1', 2, 'join-bob', 3, 'keys-3']);
    expect(items.flatMap((i) => (i.type === 'notice' ? [i.notice.kind] : []))).toEqual(['keys', 'join', 'keys']);
    // The room's own notices are left as they were.
    expect(room.notices.map((n) => n.id)).toEqual(['join-bob']);
  });

  it('shows unsent messages last, and drops them once the stored copy is in', () => {
    const items = buildTimeline(
      state({
        messages: [byAlice(1, local(20, 9))],
        notices: [notice('join-bob', 1, local(20, 9, 30))],
        pending: [pending('c1'), pending('new', { status: 'failed', error: 'Not sent.' })],
      }),
      alice.id,
    );
    // c1 is message 1's clientMessageId: stored, so shown once, as the message.
    expect(outline(items)).toEqual(['day', 1, 'join-bob', 'day', 'pending']);
    const unsent = items.flatMap((i) => (i.type === 'pending' ? [i] : []));
    expect(unsent.map((i) => i.key)).toEqual(['o-new']);
    expect(unsent[0]?.pending).toMatchObject({ body: 'draft new', status: 'failed', error: 'Not sent.' });
  });

  it('keeps your unsent message when someone else’s stored one has the same clientMessageId', () => {
    const items = buildTimeline(
      state({ messages: [byBob(1, { clientMessageId: 'same' })], pending: [pending('same')] }),
      alice.id,
    );
    expect(items.flatMap((i) => (i.type === 'pending' ? [i.key] : []))).toEqual(['o-same']);
  });
});

describe('messageText', () => {
  const sealed: SealedMessage = {
    v: 1,
    roomId,
    epoch: 1,
    senderDeviceId: 'device-b',
    clientMessageId: 'b1',
    nonce: 'n',
    ciphertext: 'secret',
    signature: 's',
  };
  const sealedBy = (seq: number) => byBob(seq, { body: '', sealed: { ...sealed, clientMessageId: `b${seq}` } });

  it('shows a plain message’s body as it is', () => {
    expect(messageText(byBob(1, { body: 'hello' }), new Map())).toEqual({ text: 'hello', sealed: null });
  });

  it('shows a sealed message as opened here, or why it cannot be', () => {
    const files = [{ name: 'a.txt' }];
    const opened = new Map<string, OpenedMessage>([
      ['m1', { state: 'open', text: 'plain one' }],
      ['m2', { state: 'open', text: 'with a file', files }],
      ['m3', { state: 'waiting', notice: 'Waiting for the key' }],
      ['m4', { state: 'unverified', notice: 'This message could not be verified' }],
    ]);
    expect(messageText(sealedBy(1), opened)).toEqual({ text: 'plain one', sealed: 'open' });
    expect(messageText(sealedBy(2), opened)).toEqual({ text: 'with a file', sealed: 'open', files });
    expect(messageText(sealedBy(3), opened)).toEqual({ text: '🔒 Waiting for the key', sealed: 'waiting' });
    expect(messageText(sealedBy(4), opened)).toEqual({
      text: '🔒 This message could not be verified',
      sealed: 'unverified',
    });
    // Not tried yet on this device: waiting, never its (empty) body.
    expect(messageText(sealedBy(5), opened)).toEqual({ text: '🔒 Encrypted message', sealed: 'waiting' });
  });

  it('gives the timeline each message’s text as shown', () => {
    const opened = new Map<string, OpenedMessage>([['m2', { state: 'open', text: 'plain two' }]]);
    const items = buildTimeline(
      state({ messages: [byBob(1, { body: 'hi' }), sealedBy(2), sealedBy(3)], opened }),
      alice.id,
    );
    expect(messagesOf(items).map((m) => [m.text, m.sealed])).toEqual([
      ['hi', null],
      ['plain two', 'open'],
      ['🔒 Encrypted message', 'waiting'],
    ]);
  });
});
