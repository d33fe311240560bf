import type { Message } from '@tandem/protocol';
import { dayKey } from '../../lib/format.ts';
import type { OutgoingMessage } from './outboxSlice.ts';
import type { Notice, RoomSession } from './roomSession.ts';

export type TimelineItem =
  | { type: 'day'; key: string; at: string }
  | { type: 'notice'; key: string; notice: Notice }
  | {
      type: 'message';
      key: string;
      message: Message;
      own: boolean;
      /** The first of a run by one sender: the place for their name. */
      startsGroup: boolean;
      /** The newest of your messages that someone else has read. */
      seen: boolean;
    }
  | { type: 'outgoing'; key: string; outgoing: OutgoingMessage };

/** Messages by one person closer together than this read as one run. */
const GROUP_GAP_MS = 5 * 60_000;

/** The highest seq that anyone but you has read. */
export function seenByOthers(reads: RoomSession['reads'], myId: string): number {
  let seen = 0;
  for (const [userId, seq] of Object.entries(reads)) if (userId !== myId) seen = Math.max(seen, seq);
  return seen;
}

/**
 * Everything the message list shows, in order: messages by seq, join/leave notices after the
 * message that was newest when they happened, your unsent messages last, and a day separator
 * wherever the local date changes.
 */
export function buildTimeline(session: RoomSession, outgoing: OutgoingMessage[], myId: string): TimelineItem[] {
  const seen = seenByOthers(session.reads, myId);
  const lastSeenOwn = session.messages.findLast((m) => m.sender.id === myId && m.seq <= seen)?.seq;
  const stored = new Set(session.messages.filter((m) => m.sender.id === myId).map((m) => m.clientMessageId));
  const notices = [...session.notices].sort((a, b) => a.afterSeq - b.afterSeq);

  const items: TimelineItem[] = [];
  let lastDay: number | undefined;
  let previous: Message | undefined;
  const dayFor = (at: string) => {
    const day = dayKey(at);
    if (day !== lastDay) items.push({ type: 'day', key: `day-${day}`, at });
    lastDay = day;
  };
  const noticesUpTo = (seq: number) => {
    while (notices.length > 0 && (notices[0]?.afterSeq ?? 0) < seq) {
      const notice = notices.shift() as Notice;
      dayFor(notice.at);
      items.push({ type: 'notice', key: notice.id, notice });
      previous = undefined;
    }
  };

  for (const message of session.messages) {
    noticesUpTo(message.seq);
    const dayBefore = lastDay;
    dayFor(message.createdAt);
    const startsGroup =
      previous === undefined ||
      dayBefore !== lastDay ||
      previous.sender.id !== message.sender.id ||
      Date.parse(message.createdAt) - Date.parse(previous.createdAt) > GROUP_GAP_MS;
    items.push({
      type: 'message',
      key: `m-${message.seq}`,
      message,
      own: message.sender.id === myId,
      startsGroup,
      seen: message.seq === lastSeenOwn,
    });
    previous = message;
  }
  noticesUpTo(Number.POSITIVE_INFINITY);
  for (const message of outgoing) {
    // Stored already: the timeline shows it, and the outbox forgets it a moment later.
    if (stored.has(message.clientMessageId)) continue;
    dayFor(message.createdAt);
    items.push({ type: 'outgoing', key: `o-${message.clientMessageId}`, outgoing: message });
  }
  return items;
}
