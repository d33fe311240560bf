import type { Message, PublicUser, SealedMessage } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from '../src/realtime.ts';
import { buildTimeline, type OpenedMessage, type RoomCrypto, RoomSession, typingLine } from '../src/room/index.ts';
import {
  user as alice,
  FakeRealtime,
  fakeHistory,
  helloFrame,
  joinedFrame,
  message,
  roomId,
  ScriptedSocket,
} from '../src/testing/index.ts';

// One behaviour suite for the room model every client shows (issue 17). Reconnects, resends and
// ordering go through a real RealtimeClient over a scripted socket; the rest uses FakeRealtime.

const bob: PublicUser = { id: 'bob-id-000000000000001', username: 'bob', name: null, guest: true };
const carol = { id: 'carol-id-00000000000001', username: 'carol', name: 'Carol', guest: true };
const byBob = (seq: number, overrides: Partial<Message> = {}) =>
  message(seq, { sender: bob, clientMessageId: `b${seq}`, ...overrides });

/** A RealtimeClient over a scripted socket, and a session on it. */
async function scripted() {
  const client = new RealtimeClient({
    url: 'ws://tandem.test/ws',
    token: 'token',
    WebSocket: ScriptedSocket as unknown as typeof WebSocket,
    backoff: { baseMs: 100, maxMs: 100 },
  });
  const session = new RoomSession({ roomId, userId: alice.id, realtime: client });
  session.start();
  await vi.advanceTimersByTimeAsync(0);
  const socket = () => ScriptedSocket.last as ScriptedSocket;
  socket().deliver(helloFrame());
  return { client, session, socket };
}

/** A session on a FakeRealtime, joined with `messages`. */
function faked(messages: Message[] = [message(1)], extra: Partial<ReturnType<typeof joinedFrame>> = {}) {
  const realtime = new FakeRealtime();
  const history = fakeHistory([]);
  const session = new RoomSession({ roomId, userId: alice.id, realtime, history });
  session.start();
  realtime.joined({ ...joinedFrame(messages), ...extra });
  return { realtime, session };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-21T12:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RoomSession', () => {
  it('shows the join snapshot', async () => {
    const { client, session, socket } = await scripted();
    expect(session.state.phase).toBe('joining');
    expect(socket().sentOf('join')[0]).toMatchObject({ roomId });
    const frame = joinedFrame([message(1), byBob(2)]);
    socket().deliver({
      ...frame,
      ref: socket().sentOf('join')[0]?.ref,
      present: [alice, bob],
      reads: [{ userId: bob.id, seq: 1 }],
      hasMore: true,
    });
    const { state } = session;
    expect(state.phase).toBe('joined');
    expect(state.connection).toBe('open');
    expect(state.room?.id).toBe(roomId);
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(state.present.map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(state.reads).toEqual({ [bob.id]: 1 });
    expect(state.hasMore).toBe(true);
    session.stop();
    client.close();
  });

  it('shows live messages in seq order, each once, and tells its subscribers', async () => {
    const { client, session, socket } = await scripted();
    socket().deliver(joinedFrame([message(1)]));
    const listener = vi.fn();
    const off = session.subscribe(listener);
    socket().deliver({ type: 'message', message: byBob(3) });
    expect(session.state.messages.map((m) => m.seq)).toEqual([1]);
    socket().deliver({ type: 'message', message: byBob(2) });
    socket().deliver({ type: 'message', message: byBob(2) });
    expect(session.state.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(listener).toHaveBeenCalledTimes(2);
    off();
    session.stop();
    client.close();
  });

  it('shows your send as pending, then once stored; after a drop it goes again with the same id', async () => {
    const { client, session, socket } = await scripted();
    socket().deliver(joinedFrame([message(1)]));
    const sent = session.send('  hello  ');
    if (!sent.ok) throw new Error(sent.problem);
    expect(session.state.pending).toMatchObject([
      { clientMessageId: sent.clientMessageId, body: 'hello', status: 'sending' },
    ]);
    expect(
      socket()
        .sentOf('send')
        .map((f) => f.clientMessageId),
    ).toEqual([sent.clientMessageId]);

    // The connection drops before the ack: the client reconnects, resumes, and sends it again.
    const first = socket();
    first.serverClose(1006);
    expect(session.state.connection).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(200);
    expect(socket()).not.toBe(first);
    socket().deliver(helloFrame());
    expect(socket().sentOf('join')[0]).toMatchObject({ roomId, lastSeq: 1 });
    socket().deliver(joinedFrame([], { resumed: true }));
    expect(
      socket()
        .sentOf('send')
        .map((f) => f.clientMessageId),
    ).toEqual([sent.clientMessageId]);
    expect(session.state.pending).toHaveLength(1);

    const stored = message(2, { clientMessageId: sent.clientMessageId, body: 'hello' });
    socket().deliver({ type: 'ack', ref: sent.clientMessageId, message: stored });
    socket().deliver({ type: 'message', message: stored });
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state.pending).toEqual([]);
    expect(session.state.messages.filter((m) => m.clientMessageId === sent.clientMessageId)).toHaveLength(1);
    session.stop();
    client.close();
  });

  it('marks a refused send failed, and retries it with the same id', async () => {
    const { client, session, socket } = await scripted();
    socket().deliver(joinedFrame([message(1)]));
    const sent = session.send('hello');
    if (!sent.ok) throw new Error(sent.problem);
    socket().deliver({ type: 'error', ref: sent.clientMessageId, code: 'forbidden', message: 'Not allowed.' });
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state.pending).toMatchObject([{ status: 'failed', error: 'Not allowed.' }]);
    session.retry(sent.clientMessageId);
    expect(session.state.pending).toMatchObject([{ status: 'sending' }]);
    expect(
      socket()
        .sentOf('send')
        .map((f) => f.clientMessageId),
    ).toEqual([sent.clientMessageId, sent.clientMessageId]);
    socket().deliver({
      type: 'ack',
      ref: sent.clientMessageId,
      message: message(2, { clientMessageId: sent.clientMessageId }),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state.pending).toEqual([]);
    expect(session.state.messages.map((m) => m.seq)).toEqual([1, 2]);
    session.stop();
    client.close();
  });

  it('says who came and went, without a notice for a quick leave-and-return', () => {
    const { realtime, session } = faked([message(1)], { present: [alice] });
    realtime.emit('presence', { type: 'presence', roomId, action: 'join', user: bob });
    expect(session.state.present.map((u) => u.id)).toEqual([alice.id, bob.id]);
    realtime.emit('presence', { type: 'presence', roomId, action: 'leave', user: bob });
    vi.advanceTimersByTime(5000);
    realtime.emit('presence', { type: 'presence', roomId, action: 'join', user: bob });
    expect(session.state.notices.map((n) => `${n.kind} ${n.user.username} after ${n.afterSeq}`)).toEqual([
      'join bob after 1',
    ]);
    realtime.emit('presence', { type: 'presence', roomId, action: 'join', user: carol });
    const items = buildTimeline(session.state, alice.id);
    expect(items.map((i) => i.type)).toEqual(['day', 'message', 'notice', 'notice']);
  });

  it('keeps the typing line: others only, each until their lease ends or they send', () => {
    const { realtime, session } = faked();
    const typing = (user: PublicUser, active: boolean) =>
      realtime.emit('typing', { type: 'typing', roomId, user, active, expiresInMs: 5000 });
    typing(alice, true);
    typing(bob, true);
    typing(carol, true);
    expect(typingLine(session.state.typing)).toBe('bob and Carol are typing…');
    realtime.message(byBob(2));
    expect(typingLine(session.state.typing)).toBe('Carol is typing…');
    vi.advanceTimersByTime(5000);
    expect(session.state.typing).toEqual([]);
    expect(typingLine([bob, carol, { ...bob, id: 'dave', username: 'dave' }])).toBe('3 people are typing…');
  });

  it('says you are typing at most every 3 s, stops on an empty draft, and a send ends the lease', () => {
    const { realtime, session } = faked();
    session.setDraft('h');
    session.setDraft('he');
    vi.advanceTimersByTime(2000);
    session.setDraft('hel');
    expect(realtime.typed).toEqual([true]);
    vi.advanceTimersByTime(1000);
    session.setDraft('hell');
    expect(realtime.typed).toEqual([true, true]);
    session.setDraft('');
    expect(realtime.typed).toEqual([true, true, false]);
    session.setDraft('again');
    session.send('again');
    // The server ends the lease with the send; the next keystroke starts a new one at once.
    session.setDraft('n');
    expect(realtime.typed).toEqual([true, true, false, true, true]);
  });

  it('shows "seen" under your newest message someone else has read', () => {
    const { realtime, session } = faked([message(1), message(2), byBob(3), message(4)]);
    const seen = () =>
      buildTimeline(session.state, alice.id).flatMap((i) => (i.type === 'message' && i.seen ? [i.message.seq] : []));
    expect(seen()).toEqual([]);
    realtime.emit('read', { type: 'read', roomId, userId: alice.id, seq: 4 });
    expect(seen()).toEqual([]);
    realtime.emit('read', { type: 'read', roomId, userId: bob.id, seq: 3 });
    expect(seen()).toEqual([2]);
    realtime.emit('read', { type: 'read', roomId, userId: bob.id, seq: 1 });
    expect(seen()).toEqual([2]);
  });

  it('marks the newest message read while visible, at most once a second', () => {
    const { realtime, session } = faked([message(1), byBob(2)], { reads: [{ userId: alice.id, seq: 1 }] });
    expect(realtime.marked).toEqual([]);
    session.setVisible(true);
    expect(realtime.marked).toEqual([2]);
    realtime.message(byBob(3));
    realtime.message(byBob(4));
    expect(realtime.marked).toEqual([2]);
    vi.advanceTimersByTime(1000);
    expect(realtime.marked).toEqual([2, 4]);
    session.setVisible(false);
    realtime.message(byBob(5));
    vi.advanceTimersByTime(5000);
    expect(realtime.marked).toEqual([2, 4]);
    session.setVisible(true);
    expect(realtime.marked).toEqual([2, 4, 5]);
  });

  it('loads older pages in front, without repeats', async () => {
    const realtime = new FakeRealtime();
    const history = fakeHistory([1, 2, 3, 4, 5].map((seq) => byBob(seq)));
    const session = new RoomSession({ roomId, userId: alice.id, realtime, history, historyPage: 2 });
    session.start();
    realtime.joined({ ...joinedFrame([byBob(4), byBob(5)]), hasMore: true });
    await session.loadOlder();
    expect(history.calls).toEqual([{ before: 4, limit: 2 }]);
    expect(session.state.messages.map((m) => m.seq)).toEqual([2, 3, 4, 5]);
    expect(session.state.hasMore).toBe(true);
    history.fail();
    await session.loadOlder();
    expect(session.state).toMatchObject({ loadingOlder: false, olderError: expect.stringContaining('Cannot reach') });
    await session.loadOlder();
    expect(session.state.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(session.state.hasMore).toBe(false);
    await session.loadOlder();
    expect(history.calls).toHaveLength(3);
  });

  it('says so when the room was left elsewhere, and fails what was still sending', async () => {
    const { client, session, socket } = await scripted();
    socket().deliver(joinedFrame([message(1)]));
    const sent = session.send('hello');
    socket().deliver({ type: 'left', roomId, reason: 'You left this room on another device.' });
    await vi.advanceTimersByTime(0);
    expect(sent.ok).toBe(true);
    expect(session.state).toMatchObject({
      phase: 'removed',
      error: 'You left this room on another device.',
      pending: [{ status: 'failed' }],
    });
    session.stop();
    client.close();
  });

  it('opens sealed messages with the room crypto, again when it has news, and seals sends', () => {
    const sealed = (seq: number): SealedMessage => ({
      v: 1,
      roomId,
      epoch: 1,
      senderDeviceId: 'device-b',
      clientMessageId: `b${seq}`,
      nonce: 'n',
      ciphertext: `secret ${seq}`,
      signature: 's',
    });
    let keyArrived = false;
    const listeners = new Set<() => void>();
    const crypto: RoomCrypto = {
      open: (messages) =>
        new Map(
          messages.map((m): [string, OpenedMessage] => {
            if (m.seq === 3) return [m.id, { state: 'unverified', notice: 'This message could not be verified' }];
            if (!keyArrived) return [m.id, { state: 'waiting', notice: 'Opening…' }];
            return [m.id, { state: 'open', text: `plain ${m.sealed?.ciphertext}` }];
          }),
        ),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      seal: ({ clientMessageId, text }) => ({ ...sealed(0), clientMessageId, ciphertext: text }),
    };
    const realtime = new FakeRealtime();
    const session = new RoomSession({ roomId, userId: alice.id, realtime, crypto });
    session.start();
    const frame = joinedFrame([byBob(1, { body: '', sealed: sealed(1) })]);
    realtime.joined({ ...frame, room: { ...frame.room, encrypted: true } });
    realtime.message(byBob(2, { body: '', sealed: sealed(2) }));
    realtime.message(byBob(3, { body: '', sealed: sealed(3) }));
    const texts = () => buildTimeline(session.state, alice.id).flatMap((i) => (i.type === 'message' ? [i.text] : []));
    expect(texts()).toEqual(['🔒 Opening…', '🔒 Opening…', '🔒 This message could not be verified']);
    keyArrived = true;
    for (const listener of listeners) listener();
    expect(texts()).toEqual(['plain secret 1', 'plain secret 2', '🔒 This message could not be verified']);

    const sent = session.send('psst');
    expect(sent.ok).toBe(true);
    expect(realtime.sent.at(-1)).toMatchObject({ body: '', sealed: { ciphertext: 'psst' } });
    expect(session.state.pending).toMatchObject([{ body: 'psst', status: 'sending' }]);
  });

  it('puts a day separator wherever the local date changes, and refuses empty or too long sends', () => {
    const { session } = faked([
      message(1, { createdAt: '2026-11-20T12:00:00.000Z' }),
      message(2, { createdAt: '2026-11-21T12:00:00.000Z' }),
      message(3, { createdAt: '2026-11-21T12:01:00.000Z' }),
    ]);
    const items = buildTimeline(session.state, alice.id);
    expect(items.map((i) => i.type)).toEqual(['day', 'message', 'day', 'message', 'message']);
    expect(items.map((i) => (i.type === 'message' ? i.startsGroup : null))).toEqual([null, true, null, true, false]);
    expect(session.send('   ')).toEqual({ ok: false, problem: 'Type a message first.' });
    expect(session.send('x'.repeat(4001))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('1 character'),
    });
  });

  it('leaves the room and ends your typing when stopped', () => {
    const { realtime, session } = faked();
    session.setDraft('hi');
    session.stop();
    expect(realtime.typed).toEqual([true, false]);
    expect(realtime.left).toBe(1);
  });

  it('shows the connection as it is when started, though it changed after the session was made', () => {
    const realtime = new FakeRealtime();
    realtime.status = 'connecting';
    const session = new RoomSession({ roomId, userId: alice.id, realtime });
    expect(session.state.connection).toBe('connecting');
    // Opened before anyone listened (a screen renders, then its effects start the session).
    realtime.status = 'open';
    session.start();
    expect(session.state.connection).toBe('open');
  });

  it('joins again when started after a stop (React StrictMode mounts twice), and listens once', () => {
    const realtime = new FakeRealtime();
    const session = new RoomSession({ roomId, userId: alice.id, realtime });
    session.start();
    session.start();
    expect(realtime.joins).toHaveLength(1);
    session.stop();
    session.start();
    expect(realtime.joins).toHaveLength(2);
    realtime.joined(joinedFrame([message(1)]));
    expect(session.state.phase).toBe('joined');
    let changes = 0;
    session.subscribe(() => changes++);
    realtime.message(message(2));
    expect(changes).toBe(1);
    expect(session.state.messages.map((m) => m.seq)).toEqual([1, 2]);
  });
});
