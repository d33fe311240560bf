import type { TimelineItem } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatDay, formatTime, plural } from '../../lib/format.ts';
import { displayName } from '../auth/authSlice.ts';
import { MessageBubble, PendingBubble } from './MessageBubble.tsx';

type MessageItem = Extract<TimelineItem, { type: 'message' }>;

type Props = {
  /** The room's timeline (`buildTimeline` of @tandem/client). */
  items: readonly TimelineItem[];
  hasMore: boolean;
  loadingOlder: boolean;
  olderError: string | undefined;
  onLoadOlder(): void;
  /** A failed send again, with its id. */
  onRetry(clientMessageId: string): void;
  onDiscard(clientMessageId: string): void;
  /** The files a message shows; by default the stored ones (encrypted rooms: those decrypted here). */
  attachmentsOf?: (item: MessageItem) => readonly Attachment[];
  /** The message a "New messages" line goes above (`firstUnreadSeq` of @tandem/client). */
  firstUnread?: number | undefined;
};

const storedAttachments = (item: MessageItem) => item.message.attachments;

/** Within this many pixels of the bottom you are "at the latest": new messages keep the view there. */
const NEAR_BOTTOM_PX = 120;
/** Within this many pixels of the top of the loaded history, older history is fetched. */
const NEAR_TOP_PX = 200;
/**
 * At most this many rows are in the page (plus a step while it moves): a room of 20,000 loaded
 * messages keeps a few hundred elements, so a typing line or a keystroke lays out a screenful,
 * not the whole history. The rest of what was loaded stays in memory, put back as you scroll.
 */
export const ROWS_IN_PAGE = 150;
/** Rows put in (and as many taken out at the far end) when you come near an end of those in the page. */
const ROWS_STEP = 30;
/** "Near an end" of the rows in the page: about a screen away. */
const EDGE_PX = 800;

/**
 * Which rows are in the page. Following: the newest ROWS_IN_PAGE, the view kept at the bottom.
 * Otherwise from the row `from` to the row `to` (null: to the newest), and `readTo`: the newest
 * message when you left the bottom, from which "Jump to latest" counts what came since.
 */
type Range = { follow: true } | { follow: false; from: string; to: string | null; readTo: number };
const FOLLOW: Range = { follow: true };

const isNearBottom = (el: HTMLElement) => el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
const sameRange = (a: Range, b: Range) =>
  a.follow === b.follow && (a.follow || b.follow || (a.from === b.from && a.to === b.to && a.readTo === b.readTo));

function indexOfKey(items: readonly TimelineItem[], key: string): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]?.key === key) return i;
  return -1;
}

/** The rows `range` puts in the page: [start, end) of `items`. */
function rowsOf(items: readonly TimelineItem[], range: Range): { start: number; end: number } {
  const n = items.length;
  if (range.follow) return { start: Math.max(0, n - ROWS_IN_PAGE), end: n };
  const start = indexOfKey(items, range.from);
  // The first row went (a failed send discarded): follow the newest again.
  if (start < 0) return { start: Math.max(0, n - ROWS_IN_PAGE), end: n };
  const to = range.to === null ? n - 1 : indexOfKey(items, range.to);
  return { start, end: to < start ? n : to + 1 };
}

const newestSeq = (items: readonly TimelineItem[]) => {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.type === 'message') return item.message.seq;
  }
  return 0;
};

/** Others' messages newer than `seq` (counted from the end: the newest are what is asked about). */
function newSince(items: readonly TimelineItem[], seq: number): number {
  let count = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.type !== 'message') continue;
    if (item.message.seq <= seq) break;
    if (!item.own) count++;
  }
  return count;
}

/** Where a row is: its bottom edge against the top of the scroller (the top moves when a run above it grows). */
type Anchor = { key: string; bottom: number };

/**
 * The scrolling timeline. New messages keep you at the bottom if you were there (or sent them);
 * scrolled up, they wait under a "Jump to latest" button that counts them. Older history comes in
 * above as you scroll up, and what you were reading stays exactly where it was: only a window of
 * rows is in the page, and whenever rows come or go above you, the row you were reading is put
 * back where it was before the frame is painted (its measured place, not an estimate, which is
 * what made a virtualised list drift on a busy CPU; docs/performance.md).
 */
export const MessageList = memo(function MessageList({
  items,
  hasMore,
  loadingOlder,
  olderError,
  onLoadOlder,
  onRetry,
  onDiscard,
  attachmentsOf = storedAttachments,
  firstUnread,
}: Props) {
  const scroller = useRef<HTMLElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [range, setRange] = useState<Range>(FOLLOW);
  const { start, end } = rowsOf(items, range);
  const shown = useMemo(() => items.slice(start, end), [items, start, end]);
  const anchor = useRef<Anchor | undefined>(undefined);
  const lastFinal = useRef('');
  const waiting = range.follow ? 0 : newSince(items, range.readTo);

  const update = useCallback((next: Range) => setRange((now) => (sameRange(now, next) ? now : next)), []);

  /** Remembers the first row in sight, to put it back if rows come or go above it. */
  const remember = useCallback(() => {
    const el = scroller.current;
    const rows = list.current?.children;
    if (!el || !rows) return;
    const top = el.getBoundingClientRect().top;
    for (const row of rows) {
      // Not a day's line: it moves up when older messages of that day come in.
      if ((row as HTMLElement).dataset.key?.startsWith('day-')) continue;
      const box = row.getBoundingClientRect();
      if (box.bottom > top) {
        anchor.current = { key: (row as HTMLElement).dataset.key ?? '', bottom: box.bottom - top };
        return;
      }
    }
    anchor.current = undefined;
  }, []);

  /**
   * Puts rows in (or takes them out) when you come near an end of those in the page, and fetches
   * older history at the top of what was loaded.
   */
  const moveWindow = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const n = items.length;
    const nearBottom = isNearBottom(el);
    const below = el.scrollHeight - el.scrollTop - el.clientHeight;
    const key = (i: number) => items[i]?.key ?? '';
    const readTo = range.follow ? newestSeq(items) : range.readTo;
    const window = (from: number, to: number): Range =>
      to >= n && nearBottom ? FOLLOW : { follow: false, from: key(from), to: to >= n ? null : key(to - 1), readTo };
    if (el.scrollTop < EDGE_PX && start > 0) {
      const from = Math.max(0, start - ROWS_STEP);
      update(window(from, Math.min(end, from + ROWS_IN_PAGE + ROWS_STEP)));
    } else if (below < EDGE_PX && end < n) {
      const to = Math.min(n, end + ROWS_STEP);
      update(window(Math.max(start, to - ROWS_IN_PAGE - ROWS_STEP), to));
    } else if (end - start > ROWS_IN_PAGE + ROWS_STEP) {
      // Many came in while you read further up: those far below leave the page until you scroll there.
      update(window(start, start + ROWS_IN_PAGE));
    } else if (range.follow !== (nearBottom && end >= n)) {
      update(window(start, end));
    }
    if (start === 0 && el.scrollTop < NEAR_TOP_PX && hasMore && !loadingOlder && !olderError) onLoadOlder();
  }, [items, range, start, end, update, hasMore, loadingOlder, olderError, onLoadOlder]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const finalItem = items.at(-1);
    const final = finalItem?.key ?? '';
    const mine = finalItem?.type === 'pending' || (finalItem?.type === 'message' && finalItem.own);
    const sent = final !== lastFinal.current && mine && lastFinal.current !== '';
    lastFinal.current = final;
    if (sent && !range.follow) {
      // You sent something: back to the latest, where it is.
      update(FOLLOW);
      return;
    }
    if (range.follow) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      // Rows came or went above: the row you were reading goes back where it was.
      const { key, bottom } = anchor.current;
      const row = [...(list.current?.children ?? [])].find((r) => (r as HTMLElement).dataset.key === key);
      if (row) el.scrollTop += row.getBoundingClientRect().bottom - el.getBoundingClientRect().top - bottom;
    }
    remember();
    moveWindow();
  }, [items, range, update, remember, moveWindow]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    remember();
    moveWindow();
  };

  const jumpToLatest = () => {
    update(FOLLOW);
    // The button goes: the conversation keeps the focus (and the arrow keys scroll it).
    scroller.current?.focus({ preventScroll: true });
  };

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <section
        ref={scroller}
        onScroll={onScroll}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled.
        tabIndex={0}
        aria-label="Conversation"
        // The browser's own scroll anchoring would shift the view a second time. Its size comes from
        // the page, never from the rows (`contain: strict`): a row changing lays out the list, and the
        // message field growing or the typing line changing does not lay out the rows.
        className="relative min-h-0 flex-1 overflow-y-auto overscroll-contain px-3 outline-none [contain:strict] [overflow-anchor:none] focus-visible:ring-2 focus-visible:ring-blue-300 focus-visible:ring-inset sm:px-6"
      >
        <div className="mx-auto flex min-h-full max-w-3xl flex-col justify-end">
          {/* As tall with or without the button: the last page of history coming in does not move what you read. */}
          <div className="flex min-h-15 flex-col items-center justify-center gap-1 pt-2">
            {hasMore || start > 0 ? (
              <>
                <button
                  type="button"
                  onClick={() => {
                    if (start > 0) {
                      remember();
                      update({
                        follow: false,
                        from: items[Math.max(0, start - ROWS_STEP)]?.key ?? '',
                        to: end >= items.length ? null : (items[end - 1]?.key ?? null),
                        readTo: range.follow ? newestSeq(items) : range.readTo,
                      });
                    } else onLoadOlder();
                  }}
                  disabled={loadingOlder}
                  className="rounded-full px-3 py-1 text-sm font-medium text-blue-700 outline-none hover:bg-blue-50 focus-visible:ring-2 focus-visible:ring-blue-400 disabled:text-slate-500"
                >
                  {loadingOlder ? 'Loading earlier messages…' : 'Load earlier messages'}
                </button>
                {olderError && start === 0 && (
                  <p role="alert" className="text-sm text-red-700">
                    {olderError}
                  </p>
                )}
              </>
            ) : items.length === 0 ? (
              <p className="m-auto py-10 text-center text-sm text-slate-500">No messages yet. Say hello!</p>
            ) : null}
          </div>
          {/* Block layout, not a flex column: a row that changes is laid out alone, its siblings kept as they were. */}
          <ol ref={list} aria-label="Messages">
            {shown.map((item, index) => (
              <li key={item.key} data-key={item.key} className="flex flex-col">
                {item.type === 'message' && item.message.seq === firstUnread && <UnreadLine />}
                <TimelineRow
                  item={item}
                  endsGroup={endsGroup(items, start + index)}
                  attachmentsOf={attachmentsOf}
                  onRetry={onRetry}
                  onDiscard={onDiscard}
                />
              </li>
            ))}
          </ol>
        </div>
      </section>
      {!range.follow && (
        <button
          type="button"
          onClick={jumpToLatest}
          className="absolute bottom-3 left-1/2 flex -translate-x-1/2 items-center gap-2 rounded-full bg-blue-600 px-4 py-2 text-sm font-semibold text-white shadow-lg outline-none hover:bg-blue-700 focus-visible:ring-2 focus-visible:ring-blue-300 focus-visible:ring-offset-2"
        >
          <span aria-hidden="true">↓</span>
          {waiting > 0 ? `${plural(waiting, 'new message')} · Jump to latest` : 'Jump to latest'}
        </button>
      )}
    </div>
  );
});

/** Where your unread messages start (as they were when you opened the room). */
function UnreadLine() {
  return (
    <p className="my-3 flex items-center gap-3 text-xs font-semibold text-red-700">
      <span className="h-px flex-1 bg-red-300" aria-hidden="true" />
      New messages
      <span className="h-px flex-1 bg-red-300" aria-hidden="true" />
    </p>
  );
}

/** Whether the row is the last of a run by one sender (the next is not their message within minutes). */
function endsGroup(items: readonly TimelineItem[], index: number): boolean {
  const next = items[index + 1];
  return next?.type !== 'message' || next.startsGroup;
}

type RowProps = {
  item: TimelineItem;
  /** The last message of a run by one sender: its time shows; the others' on hover or focus. */
  endsGroup: boolean;
} & Required<Pick<Props, 'attachmentsOf' | 'onRetry' | 'onDiscard'>>;

/**
 * Whether a row shows the same as before. The timeline is built anew when anything in it changes,
 * so its items are new objects; a row re-renders only when what it shows changed (an ack, a
 * "seen" moving, a message opened), not for every other row's change.
 */
function sameRow(before: RowProps, after: RowProps): boolean {
  if (before.onRetry !== after.onRetry || before.onDiscard !== after.onDiscard) return false;
  if (before.endsGroup !== after.endsGroup) return false;
  const [a, b] = [before.item, after.item];
  if (a.key !== b.key || a.type !== b.type) return false;
  switch (a.type) {
    case 'day':
      return b.type === 'day' && a.at === b.at;
    case 'notice':
      return b.type === 'notice' && a.notice === b.notice;
    case 'pending':
      return b.type === 'pending' && a.pending === b.pending;
    case 'message':
      return (
        b.type === 'message' &&
        before.attachmentsOf === after.attachmentsOf &&
        a.message === b.message &&
        a.text === b.text &&
        a.sealed === b.sealed &&
        a.own === b.own &&
        a.startsGroup === b.startsGroup &&
        a.seen === b.seen
      );
  }
}

const TimelineRow = memo(function TimelineRow({ item, endsGroup, attachmentsOf, onRetry, onDiscard }: RowProps) {
  switch (item.type) {
    case 'day':
      return (
        <div className="my-3 flex items-center gap-3 text-xs font-medium text-slate-500">
          <span className="h-px flex-1 bg-slate-200" aria-hidden="true" />
          {formatDay(item.at)}
          <span className="h-px flex-1 bg-slate-200" aria-hidden="true" />
        </div>
      );
    case 'notice':
      if (item.notice.kind === 'keys') {
        return (
          <p className="my-2 self-center rounded-full bg-amber-50 px-3 py-1 text-xs text-amber-800">
            {displayName(item.notice.user)}’s device keys changed: compare safety codes ·{' '}
            <time dateTime={item.notice.at}>{formatTime(item.notice.at)}</time>
          </p>
        );
      }
      return (
        <p className="my-2 self-center rounded-full bg-slate-50 px-3 py-1 text-xs text-slate-500">
          {displayName(item.notice.user)} {item.notice.kind === 'join' ? 'joined' : 'left'} ·{' '}
          <time dateTime={item.notice.at}>{formatTime(item.notice.at)}</time>
        </p>
      );
    case 'message':
      return (
        <MessageBubble
          message={item.message}
          body={item.text}
          attachments={attachmentsOf(item)}
          own={item.own}
          startsGroup={item.startsGroup}
          endsGroup={endsGroup}
          seen={item.seen}
        />
      );
    case 'pending':
      return <PendingBubble pending={item.pending} onRetry={onRetry} onDiscard={onDiscard} />;
  }
}, sameRow);
