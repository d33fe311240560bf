import type { HistoryResponse, Message, PublicUser, SealedMessage, ServerFrameOf } from '@tandem/protocol';
import type { OpenedMessage, PendingMessage, RoomState } from './types.ts';

// Reducers: (state, what happened) → the next state. Pure and immutable: an unchanged part keeps
// its identity (and an event that changes nothing returns `state` itself), so a binding that
// selects `state.typing` does not re-render for a new message.

type Joined = ServerFrameOf<'joined'>;

export const latestSeq = (state: Pick<RoomState, 'messages'>): number => state.messages.at(-1)?.seq ?? 0;

const withoutUser = (users: readonly PublicUser[], userId: string) => {
  const next = users.filter((u) => u.id !== userId);
  return next.length === users.length ? users : next;
};

/** Your pending sends the server has stored (they are in `messages` now) dropped. */
function settlePending(pending: readonly PendingMessage[], stored: readonly Message[], myId: string) {
  if (pending.length === 0) return pending;
  const ids = new Set(stored.filter((m) => m.sender.id === myId).map((m) => m.clientMessageId));
  const next = pending.filter((p) => !ids.has(p.clientMessageId));
  return next.length === pending.length ? pending : next;
}

/**
 * A join snapshot. The first, or one not resumed (too much was missed): start afresh from it.
 * Resumed (a rejoin after a reconnect): the missed messages follow as `message` events, so only
 * the room, presence and reads are replaced.
 */
export function joined(state: RoomState, frame: Joined, myId: string): RoomState {
  const reads = { ...state.reads };
  for (const r of frame.reads) reads[r.userId] = Math.max(reads[r.userId] ?? 0, r.seq);
  const fresh = !frame.resumed || state.room === undefined;
  const messages = fresh ? frame.messages : state.messages;
  return {
    ...state,
    room: frame.room,
    present: frame.present,
    reads,
    // The first join only: a rejoin after a reconnect does not move the "New messages" line.
    readWhenOpened: state.readWhenOpened ?? frame.reads.find((r) => r.userId === myId)?.seq ?? 0,
    typing: state.typing.length === 0 ? state.typing : [],
    messages,
    hasMore: fresh ? frame.hasMore : state.hasMore,
    pending: settlePending(state.pending, frame.messages, myId),
    phase: 'joined',
    error: undefined,
  };
}

/** A live message (yours, acknowledged, included), in seq order from the RealtimeClient. */
export function message(state: RoomState, m: Message, myId: string): RoomState {
  if (m.seq <= latestSeq(state)) return state;
  const room = state.room && {
    ...state.room,
    latestSeq: m.seq,
    messageCount: Math.max(state.room.messageCount, m.seq),
    lastActivityAt: m.createdAt,
  };
  return {
    ...state,
    room,
    messages: [...state.messages, m],
    // Sending ends typing on the server too: do not wait for its notice.
    typing: withoutUser(state.typing, m.sender.id),
    pending: settlePending(state.pending, [m], myId),
  };
}

/** Leaving and coming back this quickly (a page refresh, a network blip) is not news. */
export const BLIP_MS = 15_000;

export function presence(state: RoomState, frame: ServerFrameOf<'presence'>, at: string): RoomState {
  const { user, action } = frame;
  const others = state.present.filter((u) => u.id !== user.id);
  const present = action === 'join' ? [...others, user] : others;
  const typing = action === 'leave' ? withoutUser(state.typing, user.id) : state.typing;
  const last = state.notices.at(-1);
  const afterSeq = latestSeq(state);
  const blip =
    action === 'join' &&
    last?.kind === 'leave' &&
    last.user.id === user.id &&
    last.afterSeq === afterSeq &&
    Date.parse(at) - Date.parse(last.at) < BLIP_MS;
  const notices = blip
    ? state.notices.slice(0, -1)
    : [...state.notices, { id: `${action}-${user.id}-${at}`, kind: action, user, at, afterSeq }];
  return { ...state, present, typing, notices };
}

/** Someone started or stopped typing (you are left out: the others see your line, you do not). */
export function typing(state: RoomState, user: PublicUser, active: boolean, myId: string): RoomState {
  if (user.id === myId) return state;
  const known = state.typing.some((u) => u.id === user.id);
  if (active) return known ? state : { ...state, typing: [...state.typing, user] };
  return known ? { ...state, typing: withoutUser(state.typing, user.id) } : state;
}

export function read(state: RoomState, frame: Pick<ServerFrameOf<'read'>, 'userId' | 'seq'>): RoomState {
  if ((state.reads[frame.userId] ?? 0) >= frame.seq) return state;
  return { ...state, reads: { ...state.reads, [frame.userId]: frame.seq } };
}

export function connection(state: RoomState, status: RoomState['connection']): RoomState {
  return state.connection === status ? state : { ...state, connection: status };
}

/** The server took this socket out of the room (membership ended elsewhere): nothing still sending will be stored. */
export function removed(state: RoomState, reason: string): RoomState {
  return {
    ...state,
    phase: 'removed',
    error: reason,
    typing: [],
    pending: state.pending.map((p) => (p.status === 'sending' ? { ...p, status: 'failed', error: reason } : p)),
  };
}

export function joinFailed(state: RoomState, error: string): RoomState {
  return { ...state, phase: 'failed', error };
}

export function sendStarted(state: RoomState, pending: PendingMessage): RoomState {
  const others = state.pending.filter((p) => p.clientMessageId !== pending.clientMessageId);
  return { ...state, pending: [...others, pending] };
}

export function sendFailed(state: RoomState, clientMessageId: string, error: string): RoomState {
  let changed = false;
  const pending = state.pending.map((p) => {
    if (p.clientMessageId !== clientMessageId || p.status === 'failed') return p;
    changed = true;
    return { ...p, status: 'failed' as const, error };
  });
  return changed ? { ...state, pending } : state;
}

export function sendRetried(state: RoomState, clientMessageId: string): RoomState {
  const pending = state.pending.map((p) => {
    if (p.clientMessageId !== clientMessageId) return p;
    const { error: _error, ...rest } = p;
    return { ...rest, status: 'sending' as const };
  });
  return { ...state, pending };
}

/** A send that could not be sealed before (no key yet) is sealed now: the retry sends this. */
export function sealed(state: RoomState, clientMessageId: string, message: SealedMessage): RoomState {
  const pending = state.pending.map((p) => (p.clientMessageId === clientMessageId ? { ...p, sealed: message } : p));
  return { ...state, pending };
}

export function discarded(state: RoomState, clientMessageId: string): RoomState {
  return { ...state, pending: state.pending.filter((p) => p.clientMessageId !== clientMessageId) };
}

export function olderStarted(state: RoomState): RoomState {
  return { ...state, loadingOlder: true, olderError: undefined };
}

/** An older page (`history(before: messages[0].seq)`): in front, without repeating any. */
export function olderLoaded(state: RoomState, page: HistoryResponse): RoomState {
  const first = state.messages[0]?.seq ?? Number.POSITIVE_INFINITY;
  const older = page.messages.filter((m) => m.seq < first);
  return { ...state, messages: [...older, ...state.messages], hasMore: page.hasMore, loadingOlder: false };
}

export function olderFailed(state: RoomState, error: string): RoomState {
  return { ...state, loadingOlder: false, olderError: error };
}

/** Encrypted rooms: openings that changed (a new message, a key that arrived). */
export function opened(state: RoomState, results: ReadonlyMap<string, OpenedMessage>): RoomState {
  let next: Map<string, OpenedMessage> | undefined;
  for (const [id, value] of results) {
    const before = state.opened.get(id);
    if (before && sameOpening(before, value)) continue;
    next ??= new Map(state.opened);
    next.set(id, value);
  }
  return next ? { ...state, opened: next } : state;
}

function sameOpening(a: OpenedMessage, b: OpenedMessage): boolean {
  if (a.state !== b.state) return false;
  if (a.state === 'open' && b.state === 'open') return a.text === b.text && a.files === b.files;
  return (a as { notice: string }).notice === (b as { notice: string }).notice;
}
