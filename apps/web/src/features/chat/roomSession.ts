import type { HistoryResponse, Message, PublicUser, RoomSummary, ServerFrameOf } from '@tandem/protocol';

/** Someone came or went: shown in the timeline after the message that was newest then. */
export type Notice = { id: string; kind: 'join' | 'leave' | 'keys'; user: PublicUser; at: string; afterSeq: number };

/**
 * What the chat page shows of the room it is in, as the socket tells it. It lives in RTK Query's
 * cache (`roomSession`), filled by the join snapshot and kept live by the socket's events.
 * These functions are its reducers: they change a draft in place.
 */
export type RoomSession = {
  room: RoomSummary;
  /** Ascending seq, each once. */
  messages: Message[];
  /** Older messages exist before messages[0]. */
  hasMore: boolean;
  present: PublicUser[];
  /** userId → the last seq that person read: "seen". */
  reads: Record<string, number>;
  /** userId → who is typing right now (you included; the page leaves you out). */
  typing: Record<string, PublicUser>;
  notices: Notice[];
};

type Joined = ServerFrameOf<'joined'>;

const readsOf = (frame: Joined) => Object.fromEntries(frame.reads.map((r) => [r.userId, r.seq]));

export function fromSnapshot(frame: Joined): RoomSession {
  return {
    room: frame.room,
    messages: frame.messages,
    hasMore: frame.hasMore,
    present: frame.present,
    reads: readsOf(frame),
    typing: {},
    notices: [],
  };
}

export const latestSeq = (session: RoomSession) => session.messages.at(-1)?.seq ?? 0;

/**
 * A snapshot after a reconnect. Resumed: the missed messages follow as `message` events, so only
 * the room, presence and reads are replaced. Not resumed (too much was missed): start afresh.
 */
export function applyJoined(session: RoomSession, frame: Joined): void {
  session.room = frame.room;
  session.present = frame.present;
  session.reads = { ...session.reads, ...readsOf(frame) };
  session.typing = {};
  if (!frame.resumed) {
    session.messages = frame.messages;
    session.hasMore = frame.hasMore;
  }
}

export function applyMessage(session: RoomSession, message: Message): void {
  if (message.seq <= latestSeq(session)) return;
  session.messages.push(message);
  session.room.latestSeq = message.seq;
  session.room.messageCount = message.seq;
  session.room.lastActivityAt = message.createdAt;
  // Sending ends typing on the server too; do not wait for its notice.
  delete session.typing[message.sender.id];
}

/** Leaving and coming back this quickly (a page refresh, a network blip) is not news. */
const BLIP_MS = 15_000;

export function applyPresence(session: RoomSession, frame: ServerFrameOf<'presence'>, at: string): void {
  const { user, action } = frame;
  session.present = session.present.filter((u) => u.id !== user.id);
  if (action === 'join') session.present.push(user);
  else delete session.typing[user.id];
  const last = session.notices.at(-1);
  const blip =
    action === 'join' &&
    last?.kind === 'leave' &&
    last.user.id === user.id &&
    last.afterSeq === latestSeq(session) &&
    Date.parse(at) - Date.parse(last.at) < BLIP_MS;
  if (blip) {
    session.notices.pop();
    return;
  }
  session.notices.push({ id: `${action}-${user.id}-${at}`, kind: action, user, at, afterSeq: latestSeq(session) });
}

export function applyTyping(session: RoomSession, user: PublicUser, active: boolean): void {
  if (active) session.typing[user.id] = user;
  else delete session.typing[user.id];
}

export function applyRead(session: RoomSession, frame: ServerFrameOf<'read'>): void {
  session.reads[frame.userId] = Math.max(session.reads[frame.userId] ?? 0, frame.seq);
}

/** An older page from `GET /rooms/:id/messages?before=`: in front, without repeating any. */
export function prependHistory(session: RoomSession, page: HistoryResponse): void {
  const first = session.messages[0]?.seq ?? Number.POSITIVE_INFINITY;
  session.messages.unshift(...page.messages.filter((m) => m.seq < first));
  session.hasMore = page.hasMore;
}
