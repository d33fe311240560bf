import { useEffect } from 'react';
import { useAppSelector } from '../app/hooks.ts';
import { selectTotalUnread } from '../features/rooms/roomsApi.ts';

/**
 * The tab title names the page (the first thing a screen reader says after a navigation), led by
 * the count of unread messages in your rooms, as chat apps do: "(3) Team Unicorns · Tandem".
 * `exceptRoom`: the room on screen, whose messages are being read, is not counted.
 */
export function useDocumentTitle(title: string, exceptRoom?: string) {
  const unread = useAppSelector((state) => selectTotalUnread(state, exceptRoom));
  useEffect(() => {
    const page = title ? `${title} · Tandem` : 'Tandem';
    document.title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${page}` : page;
  }, [title, unread]);
}
