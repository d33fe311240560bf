import type { Message, PublicUser } from '@tandem/protocol';
import { MESSAGE_MAX } from '@tandem/protocol/constants';
import type { Notice, OpenedMessage, PendingMessage, RoomState } from './types.ts';

// View helpers: pure functions of the state, the same for every screen. Wording is the web app's.

export const displayName = (user: Pick<PublicUser, 'name' | 'username'>): string => user.name ?? user.username;

/** "bob is typing…", "Alice and bob are typing…", "3 people are typing…", or '' for nobody. */
export function typingLine(users: readonly Pick<PublicUser, 'name' | 'username'>[]): string {
  const names = users.map(displayName);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** Why a message cannot be sent as it is, in words; undefined when it can. */
export function messageProblem(body: string, hasFiles = false): string | undefined {
  const length = body.trim().length;
  if (length === 0) return hasFiles ? undefined : 'Type a message first.';
  if (length > MESSAGE_MAX) {
    const over = length - MESSAGE_MAX;
    return `This message is ${over.toLocaleString()} ${over === 1 ? 'character' : 'characters'} too long (${length.toLocaleString()} of ${MESSAGE_MAX.toLocaleString()}).`;
  }
  return undefined;
}

/** The highest seq that anyone but you has read. */
export function seenByOthers(reads: RoomState['reads'], myId: string): number {
  let seen = 0;
  for (const [userId, seq] of Object.entries(reads)) if (userId !== myId) seen = Math.max(seen, seq);
  return seen;
}

/** The seq of your newest message someone else has read ("Seen" goes under it), if any. */
export function seenSeq(state: Pick<RoomState, 'messages' | 'reads'>, myId: string): number | undefined {
  const seen = seenByOthers(state.reads, myId);
  return state.messages.findLast((m) => m.sender.id === myId && m.seq <= seen)?.seq;
}

/**
 * What a message shows: its body, or in an encrypted room what was opened, or why it cannot be
 * (`sealed` then says which: 'waiting' or 'unverified').
 */
export function messageText(
  message: Message,
  opened: RoomState['opened'],
): { text: string; sealed: OpenedMessage['state'] | null; files?: readonly unknown[] } {
  if (!message.sealed) return { text: message.body, sealed: null };
  const value = opened.get(message.id) ?? { state: 'waiting', notice: 'Encrypted message' };
  if (value.state === 'open')
    return { text: value.text, sealed: 'open', ...(value.files ? { files: value.files } : {}) };
  return { text: `🔒 ${value.notice}`, sealed: value.state };
}

export type TimelineItem =
  | { type: 'day'; key: string; at: string }
  | { type: 'notice'; key: string; notice: Notice }
  | {
      type: 'message';
      key: string;
      message: Message;
      /** What to show (opened, in encrypted rooms). */
      text: string;
      sealed: OpenedMessage['state'] | null;
      own: boolean;
      /** The first of a run by one sender: the place for their name. */
      startsGroup: boolean;
      /** The newest of your messages that someone else has read. */
      seen: boolean;
    }
  | { type: 'pending'; key: string; pending: PendingMessage };

/** Messages by one person closer together than this read as one run. */
export const GROUP_GAP_MS = 5 * 60_000;

/** A local calendar day, for day separators. */
export function dayKey(iso: string): number {
  const date = new Date(iso);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/**
 * Where a "New messages" line goes: the first message from someone else after `readWhenOpened`
 * (the seq you had read when the room opened here, `RoomState.readWhenOpened`). Undefined when
 * nothing had been read here before (a room just joined: all of it is new, and a line would say
 * nothing), nothing is new, or the first new one is further back than the messages loaded (seqs
 * have no gaps: the first loaded must be at most one past the mark).
 */
export function firstUnreadSeq(
  messages: readonly Message[],
  readWhenOpened: number | undefined,
  myId: string,
): number | undefined {
  if (!readWhenOpened || (messages[0]?.seq ?? 0) > readWhenOpened + 1) return undefined;
  for (const message of messages) if (message.seq > readWhenOpened && message.sender.id !== myId) return message.seq;
  return undefined;
}

type MessageItem = Extract<TimelineItem, { type: 'message' }>;
/** Each stored message's row as last built (reused while it shows the same). */
const messageItems = new WeakMap<Message, MessageItem>();

/**
 * A stored message's time, parsed once: the timeline is built again whenever a message, notice or
 * pending send comes, and in a room of 20,000 loaded messages parsing every date each time showed.
 */
const times = new WeakMap<Message, { ms: number; day: number }>();
function timeOf(message: Message): { ms: number; day: number } {
  let time = times.get(message);
  if (!time) {
    time = { ms: Date.parse(message.createdAt), day: dayKey(message.createdAt) };
    times.set(message, time);
  }
  return time;
}

/**
 * Everything a message list shows, in order: messages by seq, notices after the message that
 * was newest when they happened, your unsent messages last, and a day separator wherever the
 * local date changes. `extraNotices`: e.g. an encrypted room's key changes.
 */
export function buildTimeline(
  state: Pick<RoomState, 'messages' | 'reads' | 'notices' | 'pending' | 'opened'>,
  myId: string,
  extraNotices: readonly Notice[] = [],
): TimelineItem[] {
  const lastSeenOwn = seenSeq(state, myId);
  const stored = new Set(state.messages.filter((m) => m.sender.id === myId).map((m) => m.clientMessageId));
  const notices = [...state.notices, ...extraNotices].sort((a, b) => a.afterSeq - b.afterSeq);

  const items: TimelineItem[] = [];
  let lastDay: number | undefined;
  let previous: Message | undefined;
  const dayFor = (at: string, day = dayKey(at)) => {
    if (day !== lastDay) items.push({ type: 'day', key: `day-${day}`, at });
    lastDay = day;
  };
  let n = 0;
  const noticesUpTo = (seq: number) => {
    for (let notice = notices[n]; notice && notice.afterSeq < seq; notice = notices[++n]) {
      dayFor(notice.at);
      items.push({ type: 'notice', key: notice.id, notice });
      previous = undefined;
    }
  };

  for (const message of state.messages) {
    noticesUpTo(message.seq);
    const dayBefore = lastDay;
    const time = timeOf(message);
    dayFor(message.createdAt, time.day);
    const startsGroup =
      previous === undefined ||
      dayBefore !== lastDay ||
      previous.sender.id !== message.sender.id ||
      time.ms - timeOf(previous).ms > GROUP_GAP_MS;
    const { text, sealed } = messageText(message, state.opened);
    const own = message.sender.id === myId;
    const seen = message.seq === lastSeenOwn;
    // The row as built last time, when nothing it shows changed: no new object for every message
    // of a long room each time one message, notice or send comes.
    const before = messageItems.get(message);
    if (
      before &&
      before.text === text &&
      before.sealed === sealed &&
      before.own === own &&
      before.startsGroup === startsGroup &&
      before.seen === seen
    ) {
      items.push(before);
    } else {
      const item: MessageItem = {
        type: 'message',
        key: `m-${message.seq}`,
        message,
        text,
        sealed,
        own,
        startsGroup,
        seen,
      };
      messageItems.set(message, item);
      items.push(item);
    }
    previous = message;
  }
  noticesUpTo(Number.POSITIVE_INFINITY);
  for (const pending of state.pending) {
    if (stored.has(pending.clientMessageId)) continue;
    dayFor(pending.createdAt);
    items.push({ type: 'pending', key: `o-${pending.clientMessageId}`, pending });
  }
  return items;
}
