import type { Message } from '@tandem/protocol';
import { useEffect, useRef, useState } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks.ts';
import { plural } from '../../lib/format.ts';
import { displayName } from '../auth/authSlice.ts';
import { selectIsOnline } from '../connection/connectionSlice.ts';
import { markRead } from './realtimeThunks.ts';

/**
 * Marks the newest message read while the page is visible (and again when it becomes visible):
 * that is what shows "seen" to the others. `readSeq` is what the server last confirmed.
 */
export function useMarkRead(latestSeq: number, readSeq: number) {
  const dispatch = useAppDispatch();
  const online = useAppSelector(selectIsOnline);
  const asked = useRef(0);
  useEffect(() => {
    // After a reconnect, ask again: a read sent into a dropped socket was lost.
    if (online) asked.current = 0;
  }, [online]);
  useEffect(() => {
    const mark = () => {
      if (!online || document.visibilityState !== 'visible') return;
      if (latestSeq <= readSeq || latestSeq <= asked.current) return;
      asked.current = latestSeq;
      dispatch(markRead(latestSeq));
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [dispatch, online, latestSeq, readSeq]);
}

/**
 * The text for the page's polite live region: each new message from someone else, as it
 * arrives. History that was already there when the page opened is not read out.
 */
export function useNewMessageAnnouncement(messages: Message[] | undefined, myId: string): string {
  const [text, setText] = useState('');
  const announcedSeq = useRef<number | undefined>(undefined);
  const loaded = messages !== undefined;
  const newest = messages?.at(-1);
  useEffect(() => {
    if (!loaded) return;
    const before = announcedSeq.current;
    announcedSeq.current = Math.max(before ?? 0, newest?.seq ?? 0);
    if (before === undefined || !newest || newest.seq <= before || newest.sender.id === myId) return;
    const files = newest.attachments.length;
    const sent = files === 0 ? '' : `${newest.body ? ' ' : ''}(${plural(files, 'file')})`;
    setText(`${displayName(newest.sender)}: ${newest.body}${sent}`);
  }, [loaded, newest, myId]);
  return text;
}
