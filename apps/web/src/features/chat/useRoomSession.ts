import { buildTimeline, type Notice, RoomSession, type RoomState, seenSeq, type TimelineItem } from '@tandem/client';
import { HISTORY_PAGE_MAX } from '@tandem/protocol';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { usePageVisible, useServices } from '../../app/hooks.ts';

const noSubscription = () => () => {};

type Options = {
  /** False until the room may be joined (a code room: once its code socket let you in). */
  enabled?: boolean;
  /** False while the messages are out of sight (a closed chat drawer): nothing is marked read then. */
  visible?: boolean;
};

/**
 * One room as the shared `RoomSession` of @tandem/client keeps it (the phone app runs the same
 * model): joined while mounted, left on unmount; its newest message marked read while the page
 * is visible. `state` is undefined while `enabled` is false.
 */
export function useRoomSession(
  roomId: string,
  userId: string,
  options: Options = {},
): { session: RoomSession | undefined; state: RoomState | undefined } {
  const session = useOpenRoomSession(roomId, userId, options);
  return { session, state: useRoomSlice(session, whole) };
}

/** `useRoomSession` without subscribing: the parts of the page that show the room pick what they need (`useRoomSlice`). */
export function useOpenRoomSession(
  roomId: string,
  userId: string,
  { enabled = true, visible = true }: Options = {},
): RoomSession | undefined {
  const { realtime, rest } = useServices();
  // Older history in the largest pages the API gives: scrolling back through a long room asks
  // half as often as with the default.
  const session = useMemo(
    () =>
      enabled
        ? new RoomSession({ roomId, userId, realtime: realtime.get(), history: rest, historyPage: HISTORY_PAGE_MAX })
        : undefined,
    [enabled, roomId, userId, realtime, rest],
  );
  useEffect(() => {
    if (!session) return;
    session.start();
    return () => session.stop();
  }, [session]);
  const pageVisible = usePageVisible();
  useEffect(() => session?.setVisible(visible && pageVisible), [session, visible, pageVisible]);
  return session;
}

/** The whole state, for `useRoomSlice` (with a `same` that says which changes matter). */
export const whole = (state: RoomState) => state;

/**
 * What `select` picks from the room's state, re-rendering only when `same` says it changed: a
 * component that shows the people need not re-render when someone starts typing. `select` may be
 * a new function each render; what it returns for an unchanged state is kept.
 */
export function useRoomSlice<T>(
  session: RoomSession | undefined,
  select: (state: RoomState) => T,
  same: (before: T, after: T) => boolean = Object.is,
): T | undefined {
  const kept = useRef<{ state: RoomState; value: T } | undefined>(undefined);
  const snapshot = () => {
    if (!session) return undefined;
    const state = session.getState();
    const before = kept.current;
    if (before?.state === state) return before.value;
    const value = select(state);
    kept.current = { state, value: before && same(before.value, value) ? before.value : value };
    return kept.current.value;
  };
  return useSyncExternalStore(session?.subscribe ?? noSubscription, snapshot);
}

const NO_NOTICES: readonly Notice[] = [];
const NO_READS: RoomState['reads'] = {};

/**
 * The room's timeline, built again only when what it shows changed: messages, notices, pending
 * sends, opened messages. A typing notice, a presence change without a notice, or the connection
 * status replace the state but none of these (the reducers keep unchanged parts), so the list
 * keeps its items and does not re-render. A read receipt only moves "seen": the timeline is built
 * without reads and "seen" put on one message afterwards, so a receipt that does not move it
 * changes nothing, and one that does costs a copy of the list, not a rebuild of every row.
 */
export function useTimeline(
  state: RoomState | undefined,
  myId: string,
  extraNotices: readonly Notice[] = NO_NOTICES,
): readonly TimelineItem[] {
  const messages = state?.messages;
  const reads = state?.reads;
  const notices = state?.notices;
  const pending = state?.pending;
  const opened = state?.opened;
  const unread = useMemo(
    () =>
      messages && notices && pending && opened
        ? buildTimeline({ messages, reads: NO_READS, notices, pending, opened }, myId, extraNotices)
        : [],
    [messages, notices, pending, opened, myId, extraNotices],
  );
  const seen = useMemo(
    () => (messages && reads ? seenSeq({ messages, reads }, myId) : undefined),
    [messages, reads, myId],
  );
  return useMemo(
    () =>
      seen === undefined
        ? unread
        : unread.map((item) => (item.type === 'message' && item.message.seq === seen ? { ...item, seen: true } : item)),
    [unread, seen],
  );
}
