import { firstUnreadSeq, type Notice, type RoomSession } from '@tandem/client';
import { type ComponentProps, useCallback, useState } from 'react';
import { MessageList } from './MessageList.tsx';
import { TypingIndicator } from './TypingIndicator.tsx';
import { useRoomSlice, useTimeline, whole } from './useRoomSession.ts';

/**
 * A room's conversation bound to its RoomSession: the message list (older pages, retry and
 * discard of failed sends) and the typing line under it. The chat page and the code room's chat
 * both show it. It follows the session itself, so what only it shows (typing, read marks, a
 * page of history loading) re-renders it and not the page around it.
 */
export function RoomMessages({
  session,
  myId,
  extraNotices,
  attachmentsOf,
}: {
  session: RoomSession;
  myId: string;
  /** Put in the timeline besides the session's own (an encrypted room's "keys changed"). */
  extraNotices?: readonly Notice[];
  attachmentsOf?: ComponentProps<typeof MessageList>['attachmentsOf'];
}) {
  const state = useRoomSlice(session, whole);
  const items = useTimeline(state, myId, extraNotices);
  // The "New messages" line: placed once, from the join snapshot, and left there while the room is open.
  const [unread, setUnread] = useState<{ seq: number | undefined } | undefined>(undefined);
  if (!unread && state?.readWhenOpened !== undefined) {
    setUnread({ seq: firstUnreadSeq(state.messages, state.readWhenOpened, myId) });
  }
  // Stable for the session's life: the list (a memo) re-renders only when its items change.
  const onLoadOlder = useCallback(() => void session.loadOlder(), [session]);
  const onRetry = useCallback((id: string) => session.retry(id), [session]);
  const onDiscard = useCallback((id: string) => session.discard(id), [session]);
  if (!state) return null;
  return (
    <>
      <MessageList
        items={items}
        hasMore={state.hasMore}
        loadingOlder={state.loadingOlder}
        olderError={state.olderError}
        firstUnread={unread?.seq}
        onLoadOlder={onLoadOlder}
        onRetry={onRetry}
        onDiscard={onDiscard}
        {...(attachmentsOf ? { attachmentsOf } : {})}
      />
      <TypingIndicator users={state.typing} />
    </>
  );
}
