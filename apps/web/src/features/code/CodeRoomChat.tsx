import type { PublicUser } from '@tandem/protocol';
import { useMemo } from 'react';
import { errorMessage } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import type { AttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { Composer } from '../chat/Composer.tsx';
import { useLoadOlderMessagesMutation } from '../chat/chatApi.ts';
import { MessageList } from '../chat/MessageList.tsx';
import { selectOutbox } from '../chat/outboxSlice.ts';
import { latestSeq, type RoomSession } from '../chat/roomSession.ts';
import { TypingIndicator } from '../chat/TypingIndicator.tsx';
import { buildTimeline } from '../chat/timeline.ts';
import { useMarkRead } from '../chat/useChatEffects.ts';

type Props = {
  roomId: string;
  me: PublicUser;
  session: RoomSession | undefined;
  error: unknown;
  /** The next message's files: held by the page, so closing the drawer does not drop them. */
  attachments: AttachmentDrafts;
};

/**
 * The code room's chat: the chat page's own message list, typing line and composer, over the
 * room session the page holds. Mounted only while it is on screen, so that it marks messages
 * read only when they can be seen.
 */
export function CodeRoomChat({ roomId, me, session, error, attachments }: Props) {
  const outbox = useAppSelector(selectOutbox);
  const [loadOlder, older] = useLoadOlderMessagesMutation();
  useMarkRead(session ? latestSeq(session) : 0, session?.reads[me.id] ?? 0);
  const outgoing = useMemo(() => outbox.filter((m) => m.roomId === roomId), [outbox, roomId]);
  const items = useMemo(() => (session ? buildTimeline(session, outgoing, me.id) : []), [session, outgoing, me.id]);

  if (error || !session) {
    return (
      <div className="flex flex-1 items-center justify-center px-6 text-center">
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {errorMessage(error)}
          </p>
        ) : (
          <p role="status" className="text-sm text-slate-500">
            Joining the chat…
          </p>
        )}
      </div>
    );
  }

  const typing = Object.values(session.typing).filter((u) => u.id !== me.id);
  const firstSeq = session.messages[0]?.seq;
  const onLoadOlder = () => {
    if (firstSeq !== undefined && !older.isLoading) loadOlder({ roomId, before: firstSeq });
  };
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <MessageList
        items={items}
        hasMore={session.hasMore}
        loadingOlder={older.isLoading}
        olderError={errorMessage(older.error)}
        onLoadOlder={onLoadOlder}
      />
      <TypingIndicator users={typing} />
      <div className="shrink-0 px-3 pt-1 pb-[max(0.25rem,env(safe-area-inset-bottom))]">
        <Composer roomId={roomId} attachments={attachments} />
      </div>
    </div>
  );
}
