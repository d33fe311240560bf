import { messageText, type RoomState } from '@tandem/client';
import { useEffect, useRef, useState } from 'react';
import { plural } from '../../lib/format.ts';
import { displayName } from '../auth/authSlice.ts';

/**
 * The text for the page's polite live region: each new message from someone else, as it
 * arrives (in encrypted rooms, as opened here). History that was already there when the page
 * opened is not read out.
 */
export function useNewMessageAnnouncement(
  state: Pick<RoomState, 'room' | 'messages' | 'opened'> | undefined,
  myId: string,
): string {
  const [text, setText] = useState('');
  const announcedSeq = useRef<number | undefined>(undefined);
  const loaded = state?.room !== undefined;
  const newest = state?.messages.at(-1);
  const opened = state?.opened;
  useEffect(() => {
    if (!loaded || !opened) return;
    const before = announcedSeq.current;
    announcedSeq.current = Math.max(before ?? 0, newest?.seq ?? 0);
    if (before === undefined || !newest || newest.seq <= before || newest.sender.id === myId) return;
    const body = messageText(newest, opened).text;
    const files = newest.attachments.length;
    const sent = files === 0 ? '' : `${body ? ' ' : ''}(${plural(files, 'file')})`;
    setText(`${displayName(newest.sender)}: ${body}${sent}`);
  }, [loaded, newest, opened, myId]);
  return text;
}
