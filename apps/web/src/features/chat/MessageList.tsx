import type { TimelineItem } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { memo, useLayoutEffect, useRef } from 'react';
import { formatDay, formatTime } from '../../lib/format.ts';
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
};

const storedAttachments = (item: MessageItem) => item.message.attachments;

/** Within this many pixels of the bottom, new messages keep the view pinned to the newest. */
const NEAR_BOTTOM_PX = 120;
/** Within this many pixels of the top, older history is fetched. */
const NEAR_TOP_PX = 200;
const isNearBottom = (el: HTMLElement) => el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
/**
 * The scrolling timeline. New messages keep you at the bottom if you were there (or sent them);
 * older history comes in above on scroll-up while what you were reading stays where it was.
 * Every row is in the page: a virtualised list (tried, @tanstack/react-virtual) let the reading
 * position drift by up to ~90 px on a busy CPU when older history came in, so it waits until it
 * keeps the place exactly (docs/performance.md).
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
}: Props) {
  const scroller = useRef<HTMLElement>(null);
  const last = useRef({ first: '', final: '', height: 0, nearBottom: true });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = last.current;
    // The first message, not the first item: a day separator above it stays when history comes in.
    const first = items.find((item) => item.type === 'message')?.key ?? '';
    const finalItem = items.at(-1);
    const final = finalItem?.key ?? '';
    const mine = finalItem?.type === 'pending' || (finalItem?.type === 'message' && finalItem.own);
    if (before.first && first !== before.first && final === before.final) {
      // History was put in front: move down by exactly what was added above.
      el.scrollTop += el.scrollHeight - before.height;
    } else if (final !== before.final && (before.nearBottom || mine)) {
      el.scrollTop = el.scrollHeight;
    }
    last.current = { first, final, height: el.scrollHeight, nearBottom: isNearBottom(el) };
  }, [items]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    last.current.nearBottom = isNearBottom(el);
    last.current.height = el.scrollHeight;
    if (el.scrollTop < NEAR_TOP_PX && hasMore && !loadingOlder && !olderError) onLoadOlder();
  };

  return (
    <section
      ref={scroller}
      onScroll={onScroll}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled.
      tabIndex={0}
      aria-label="Conversation"
      // The browser's own scroll anchoring would shift the view a second time on prepend.
      className="relative min-h-0 flex-1 overflow-y-auto overscroll-contain px-3 outline-none [overflow-anchor:none] focus-visible:ring-2 focus-visible:ring-blue-300 focus-visible:ring-inset sm:px-6"
    >
      <div className="mx-auto flex min-h-full max-w-3xl flex-col justify-end">
        {/* As tall with or without the button: the last page of history coming in does not move what you read. */}
        <div className="flex min-h-15 flex-col items-center justify-center gap-1 pt-2">
          {hasMore ? (
            <>
              <button
                type="button"
                onClick={onLoadOlder}
                disabled={loadingOlder}
                className="rounded-full px-3 py-1 text-sm font-medium text-blue-700 outline-none hover:bg-blue-50 focus-visible:ring-2 focus-visible:ring-blue-400 disabled:text-slate-500"
              >
                {loadingOlder ? 'Loading earlier messages…' : 'Load earlier messages'}
              </button>
              {olderError && (
                <p role="alert" className="text-sm text-red-700">
                  {olderError}
                </p>
              )}
            </>
          ) : items.length === 0 ? (
            <p className="m-auto py-10 text-center text-sm text-slate-500">No messages yet. Say hello!</p>
          ) : null}
        </div>
        <ol aria-label="Messages" className="flex flex-col">
          {items.map((item, index) => (
            <li key={item.key} className="flex flex-col">
              <TimelineRow
                item={item}
                endsGroup={endsGroup(items, index)}
                attachmentsOf={attachmentsOf}
                onRetry={onRetry}
                onDiscard={onDiscard}
              />
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
});

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
