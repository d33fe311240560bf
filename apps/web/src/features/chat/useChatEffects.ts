import { messageText, type RoomState } from '@tandem/client';
import type { PublicUser } from '@tandem/protocol';
import { useEffect, useRef, useState } from 'react';
import { plural } from '../../lib/format.ts';
import { displayName } from '../auth/authSlice.ts';

/** One thing said in the polite live region; a new `id` is a new node, so it is read even if the text repeats. */
export type Announcement = { id: number; text: string };

/** A person typing again within this long of being announced is not announced again (one burst). */
export const TYPING_ANNOUNCE_GAP_MS = 30_000;
/** The live region keeps only the latest few; older nodes would only be read again by some readers. */
const KEEP = 3;

/**
 * What the page's polite live region says: each new message from someone else as it arrives (in
 * encrypted rooms, as opened here; the same text twice is said twice), and "bob is typing" once
 * per person per burst of typing. History that was already there when the page opened is not
 * read out.
 */
export function useRoomAnnouncements(
  state: Pick<RoomState, 'room' | 'messages' | 'opened' | 'typing'> | undefined,
  myId: string,
): readonly Announcement[] {
  const [said, setSaid] = useState<readonly Announcement[]>([]);
  const nextId = useRef(0);
  const say = (text: string) => {
    nextId.current += 1;
    const id = nextId.current;
    setSaid((before) => [...before.slice(-(KEEP - 1)), { id, text }]);
  };

  const announcedSeq = useRef<number | undefined>(undefined);
  const loaded = state?.room !== undefined;
  const newest = state?.messages.at(-1);
  const opened = state?.opened;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `say` only appends to state.
  useEffect(() => {
    if (!loaded || !opened) return;
    const before = announcedSeq.current;
    announcedSeq.current = Math.max(before ?? 0, newest?.seq ?? 0);
    if (before === undefined || !newest || newest.seq <= before || newest.sender.id === myId) return;
    const body = messageText(newest, opened).text;
    const files = newest.attachments.length;
    const sent = files === 0 ? '' : `${body ? ' ' : ''}(${plural(files, 'file')})`;
    say(`${displayName(newest.sender)}: ${body}${sent}`);
  }, [loaded, newest, opened, myId]);

  const typing = state?.typing;
  const typingSince = useRef(new Map<string, number>());
  // biome-ignore lint/correctness/useExhaustiveDependencies: `say` only appends to state.
  useEffect(() => {
    const now = Date.now();
    for (const user of typing ?? NOBODY) {
      if (user.id === myId) continue;
      const last = typingSince.current.get(user.id);
      if (last !== undefined && now - last < TYPING_ANNOUNCE_GAP_MS) continue;
      typingSince.current.set(user.id, now);
      say(`${displayName(user)} is typing`);
    }
  }, [typing, myId]);

  return said;
}

const NOBODY: readonly PublicUser[] = [];
