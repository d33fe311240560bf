import type { RoomSession, RoomState, TimelineItem } from '@tandem/client';
import { type ComponentProps, useCallback } from 'react';
import { MessageList } from './MessageList.tsx';
import { TypingIndicator } from './TypingIndicator.tsx';

/**
 * A room's conversation bound to its RoomSession: the message list (older pages, retry and
 * discard of failed sends) and the typing line under it. The chat page and the code room's chat
 * both show it.
 */
export function RoomMessages({
  session,
  state,
  items,
  attachmentsOf,
}: {
  session: RoomSession;
  state: RoomState;
  /** `buildTimeline(state, …)`. */
  items: readonly TimelineItem[];
  attachmentsOf?: ComponentProps<typeof MessageList>['attachmentsOf'];
}) {
  // Stable for the session's life: the list (a memo) re-renders only when its items change.
  const onLoadOlder = useCallback(() => void session.loadOlder(), [session]);
  const onRetry = useCallback((id: string) => session.retry(id), [session]);
  const onDiscard = useCallback((id: string) => session.discard(id), [session]);
  return (
    <>
      <MessageList
        items={items}
        hasMore={state.hasMore}
        loadingOlder={state.loadingOlder}
        olderError={state.olderError}
        readWhenOpened={state.readWhenOpened}
        onLoadOlder={onLoadOlder}
        onRetry={onRetry}
        onDiscard={onDiscard}
        {...(attachmentsOf ? { attachmentsOf } : {})}
      />
      <TypingIndicator users={state.typing} />
    </>
  );
}
