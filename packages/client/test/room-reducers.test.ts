import type { Message, PublicUser, ServerFrameOf } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { BLIP_MS, initialRoomState, type RoomState, roomReducers as reduce } from '../src/room/index.ts';
import { user as alice, joinedFrame, message, roomId } from '../src/testing/index.ts';

// The room model's reducers, one event at a time (ported from the web app's roomSession tests
// when it moved onto the shared room model). Alice is the one signed in.

const bob: PublicUser = { id: 'bob-id-000000000000001', username: 'bob', name: null, guest: true };
const carol: PublicUser = { id: 'carol-id-00000000000001', username: 'carol', name: 'Carol', guest: true };
const byBob = (seq: number, overrides: Partial<Message> = {}) =>
  message(seq, { sender: bob, clientMessageId: `b${seq}`, ...overrides });

/** `ms` after noon on 21 November 2026. */
const at = (ms: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, 0) + ms).toISOString();

type Joined = ServerFrameOf<'joined'>;

/** The state after a first join snapshot of `messages` (present: Alice only). */
const joinedWith = (messages: Message[], extra: Partial<Joined> = {}): RoomState =>
  reduce.joined(initialRoomState(roomId), { ...joinedFrame(messages), ...extra }, alice.id);

const presence = (state: RoomState, action: 'join' | 'leave', user: PublicUser, when: string) =>
  reduce.presence(state, { type: 'presence', roomId, action, user }, when);

const ids = (users: readonly PublicUser[]) => users.map((u) => u.id);
const seqs = (state: RoomState) => state.messages.map((m) => m.seq);

describe('room reducers', () => {
  it('starts from the join snapshot', () => {
    const state = joinedWith([message(1)], {
      reads: [{ userId: bob.id, seq: 1 }],
      present: [alice, bob],
      hasMore: true,
    });
    expect(state.phase).toBe('joined');
    expect(state.room?.id).toBe(roomId);
    expect(seqs(state)).toEqual([1]);
    expect(state.reads).toEqual({ [bob.id]: 1 });
    expect(ids(state.present)).toEqual([alice.id, bob.id]);
    expect(state.hasMore).toBe(true);
    expect(state.typing).toEqual([]);
    expect(state.notices).toEqual([]);
  });

  it('adds each new message once and bumps the room’s counts', () => {
    let state = joinedWith([message(1)]);
    const two = byBob(2, { createdAt: at(60_000) });
    state = reduce.message(state, two, alice.id);
    const afterTwo = state;
    state = reduce.message(state, two, alice.id);
    state = reduce.message(state, message(1), alice.id);
    expect(state).toBe(afterTwo);
    expect(seqs(state)).toEqual([1, 2]);
    expect(state.room?.latestSeq).toBe(2);
    expect(state.room?.messageCount).toBe(2);
    expect(state.room?.lastActivityAt).toBe(two.createdAt);
  });

  it('ends the sender’s typing when their message arrives, and only theirs', () => {
    let state = joinedWith([]);
    state = reduce.typing(state, bob, true, alice.id);
    state = reduce.typing(state, carol, true, alice.id);
    expect(ids(state.typing)).toEqual([bob.id, carol.id]);
    state = reduce.message(state, byBob(1), alice.id);
    expect(ids(state.typing)).toEqual([carol.id]);
  });

  it('never lists you among those typing', () => {
    const state = joinedWith([]);
    expect(reduce.typing(state, alice, true, alice.id).typing).toEqual([]);
    expect(ids(reduce.typing(state, bob, true, alice.id).typing)).toEqual([bob.id]);
  });

  it('tracks presence and writes join and leave notices after the newest message', () => {
    let state = joinedWith([message(1)]);
    state = presence(state, 'join', bob, at(0));
    expect(ids(state.present)).toEqual([alice.id, bob.id]);
    state = reduce.typing(state, bob, true, alice.id);
    state = reduce.message(state, byBob(2), alice.id);
    state = reduce.typing(state, bob, true, alice.id);
    state = presence(state, 'leave', bob, at(30_000));
    expect(ids(state.present)).toEqual([alice.id]);
    // Gone means no longer typing.
    expect(state.typing).toEqual([]);
    expect(state.notices.map((n) => [n.kind, n.user.id, n.afterSeq, n.at])).toEqual([
      ['join', bob.id, 1, at(0)],
      ['leave', bob.id, 2, at(30_000)],
    ]);
    expect(state.notices.map((n) => n.id)).toEqual([`join-${bob.id}-${at(0)}`, `leave-${bob.id}-${at(30_000)}`]);
  });

  it('does not report a quick leave-and-return (a page refresh) at all', () => {
    let state = joinedWith([message(1)], { present: [alice, bob] });
    state = presence(state, 'leave', bob, at(0));
    expect(ids(state.present)).toEqual([alice.id]);
    state = presence(state, 'join', bob, at(2000));
    expect(state.notices).toEqual([]);
    expect(ids(state.present)).toEqual([alice.id, bob.id]);
  });

  it('reports a leave-and-return that took BLIP_MS or more, or had a message in between', () => {
    const kinds = (state: RoomState) => state.notices.map((n) => `${n.kind} after ${n.afterSeq}`);
    const start = joinedWith([message(1)], { present: [alice, bob] });

    const slow = presence(presence(start, 'leave', bob, at(0)), 'join', bob, at(BLIP_MS));
    expect(kinds(slow)).toEqual(['leave after 1', 'join after 1']);

    let talkedMeanwhile = presence(start, 'leave', bob, at(0));
    talkedMeanwhile = reduce.message(talkedMeanwhile, message(2), alice.id);
    talkedMeanwhile = presence(talkedMeanwhile, 'join', bob, at(1000));
    expect(kinds(talkedMeanwhile)).toEqual(['leave after 1', 'join after 2']);

    // Someone else coming back quickly after Bob left is news too.
    const other = presence(presence(start, 'leave', bob, at(0)), 'join', carol, at(1000));
    expect(other.notices.map((n) => `${n.kind} ${n.user.username}`)).toEqual(['leave bob', 'join carol']);
  });

  it('moves read positions forward only', () => {
    let state = joinedWith([message(1)]);
    state = reduce.read(state, { userId: bob.id, seq: 4 });
    const afterFour = state;
    state = reduce.read(state, { userId: bob.id, seq: 2 });
    expect(state).toBe(afterFour);
    expect(state.reads[bob.id]).toBe(4);
    // A later snapshot does not move it back either, but does move it on.
    state = reduce.joined(
      state,
      { ...joinedFrame([], { resumed: true }), reads: [{ userId: bob.id, seq: 3 }] },
      alice.id,
    );
    expect(state.reads[bob.id]).toBe(4);
    state = reduce.joined(
      state,
      { ...joinedFrame([], { resumed: true }), reads: [{ userId: bob.id, seq: 6 }] },
      alice.id,
    );
    expect(state.reads[bob.id]).toBe(6);
  });

  it('remembers where you had read up to when the room opened, through later reads and rejoins', () => {
    expect(initialRoomState(roomId).readWhenOpened).toBeUndefined();
    expect(joinedWith([message(1)]).readWhenOpened).toBe(0);
    let state = joinedWith([byBob(1), byBob(2), byBob(3)], {
      reads: [
        { userId: alice.id, seq: 1 },
        { userId: bob.id, seq: 3 },
      ],
    });
    expect(state.readWhenOpened).toBe(1);
    // Reading on (here or on another device) and a rejoin after a reconnect leave the line where it was.
    state = reduce.read(state, { userId: alice.id, seq: 3 });
    state = reduce.joined(
      state,
      { ...joinedFrame([], { resumed: true }), reads: [{ userId: alice.id, seq: 3 }] },
      alice.id,
    );
    expect(state.reads[alice.id]).toBe(3);
    expect(state.readWhenOpened).toBe(1);
  });

  it('keeps the messages on a resumed rejoin and replaces them on a fresh one', () => {
    let state = joinedWith([message(1), message(2)], { hasMore: true });
    state = reduce.typing(state, bob, true, alice.id);
    state = reduce.joined(state, { ...joinedFrame([], { resumed: true }), present: [alice, bob] }, alice.id);
    expect(seqs(state)).toEqual([1, 2]);
    expect(state.hasMore).toBe(true);
    expect(ids(state.present)).toEqual([alice.id, bob.id]);
    expect(state.typing).toEqual([]);
    state = reduce.joined(state, { ...joinedFrame([byBob(80)]), hasMore: true }, alice.id);
    expect(seqs(state)).toEqual([80]);
    expect(state.hasMore).toBe(true);
    state = reduce.joined(state, joinedFrame([byBob(80), byBob(81)]), alice.id);
    expect(seqs(state)).toEqual([80, 81]);
    expect(state.hasMore).toBe(false);
  });

  it('takes the first snapshot whole even when it says resumed', () => {
    const state = reduce.joined(initialRoomState(roomId), joinedFrame([message(5)], { resumed: true }), alice.id);
    expect(seqs(state)).toEqual([5]);
    expect(state.phase).toBe('joined');
  });

  it('puts older history in front without repeating a message', () => {
    let state = joinedWith([message(51), byBob(52)], { hasMore: true });
    state = reduce.olderStarted(state);
    expect(state.loadingOlder).toBe(true);
    state = reduce.olderLoaded(state, { messages: [byBob(50), message(51)], hasMore: false, latestSeq: 52 });
    expect(seqs(state)).toEqual([50, 51, 52]);
    expect(state.messages[1]?.sender.id).toBe(alice.id);
    expect(state.hasMore).toBe(false);
    expect(state.loadingOlder).toBe(false);
  });
});
