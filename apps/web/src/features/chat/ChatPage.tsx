import type { PublicUser } from '@tandem/protocol';
import { type ReactNode, useCallback, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import { linkClass } from '../../components/CenteredLayout.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useEscape } from '../../components/useEscape.ts';
import { useMediaQuery } from '../../components/useMediaQuery.ts';
import { plural } from '../../lib/format.ts';
import { DropOverlay } from '../attachments/DropOverlay.tsx';
import { useAttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { useFileDrop } from '../attachments/useFileDrop.ts';
import { selectCurrentUser } from '../auth/authSlice.ts';
import { ConnectionBanner } from '../connection/ConnectionBanner.tsx';
import { RoomSidebar } from '../rooms/RoomSidebar.tsx';
import { ChatHeader } from './ChatHeader.tsx';
import { Composer } from './Composer.tsx';
import { useLoadOlderMessagesMutation, useRoomMembersQuery, useRoomSessionQuery } from './chatApi.ts';
import { MessageList } from './MessageList.tsx';
import { selectOutbox } from './outboxSlice.ts';
import { PeopleList, people } from './PeopleList.tsx';
import { latestSeq } from './roomSession.ts';
import { TypingIndicator } from './TypingIndicator.tsx';
import { buildTimeline } from './timeline.ts';
import { useMarkRead, useNewMessageAnnouncement } from './useChatEffects.ts';
import { useMembersInSync } from './useMembersInSync.ts';

/** Seed 000's chat page: the room's messages, who is here and typing, and the field to write in. */
export function ChatPage() {
  const { roomId = '' } = useParams();
  // Another room is another page: nothing (scroll position, what was announced or marked read) carries over.
  return <ChatRoom key={roomId} roomId={roomId} />;
}

function ChatRoom({ roomId }: { roomId: string }) {
  // RequireSession renders this page only for someone signed in.
  const me = useAppSelector(selectCurrentUser) as PublicUser;
  const { data: session, error } = useRoomSessionQuery(roomId);
  const members = useRoomMembersQuery(roomId, { skip: !session });
  const [loadOlder, older] = useLoadOlderMessagesMutation();
  const outbox = useAppSelector(selectOutbox);
  const [peopleOpen, setPeopleOpen] = useState(false);
  const peopleButton = useRef<HTMLButtonElement>(null);
  const closePeople = useCallback(() => {
    setPeopleOpen(false);
    peopleButton.current?.focus();
  }, []);
  useEscape(peopleOpen, closePeople);
  // The next message's files: chosen in the composer, pasted into it, or dropped on the conversation.
  const attachments = useAttachmentDrafts();
  const drop = useFileDrop(attachments.add);

  useDocumentTitle(session?.room.name ?? 'Chat');
  useMembersInSync(session?.present, members.data?.members, members.refetch);
  useMarkRead(session ? latestSeq(session) : 0, session?.reads[me.id] ?? 0);
  const announcement = useNewMessageAnnouncement(session?.messages, me.id);

  const outgoing = useMemo(() => outbox.filter((m) => m.roomId === roomId), [outbox, roomId]);
  const items = useMemo(() => (session ? buildTimeline(session, outgoing, me.id) : []), [session, outgoing, me.id]);
  const everyone = useMemo(
    () => people(members.data?.members ?? [], session?.present ?? []),
    [members.data, session?.present],
  );
  const typing = Object.values(session?.typing ?? {}).filter((u) => u.id !== me.id);
  const onlineCount = everyone.filter((p) => p.online).length;

  if (error || !session) {
    return (
      <ChatFrame roomId={roomId}>
        <ChatHeader title={error ? 'Room unavailable' : 'Joining…'} />
        <ConnectionBanner />
        <main className="flex flex-1 flex-col items-center justify-center gap-4 px-6 text-center">
          {error ? (
            <div role="alert" className="space-y-3">
              <p className="text-slate-700">{errorMessage(error)}</p>
              <Link to="/lobby" className={linkClass}>
                Back to all rooms
              </Link>
            </div>
          ) : (
            <p role="status" className="text-sm text-slate-500">
              Joining the room…
            </p>
          )}
        </main>
      </ChatFrame>
    );
  }

  const firstSeq = session.messages[0]?.seq;
  const onLoadOlder = () => {
    if (firstSeq !== undefined && !older.isLoading) loadOlder({ roomId, before: firstSeq });
  };
  const peopleHeading = (
    <h2 className="px-2 pb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
      People · {plural(onlineCount, 'online', 'online')}
    </h2>
  );

  return (
    <ChatFrame roomId={roomId}>
      <ChatHeader
        title={session.room.name}
        subtitle={`${plural(onlineCount, 'person', 'people')} online · ${plural(everyone.length, 'member')}`}
        onlineCount={onlineCount}
        peopleOpen={peopleOpen}
        peopleButtonRef={peopleButton}
        onTogglePeople={() => setPeopleOpen((open) => !open)}
      />
      <ConnectionBanner />
      <div className="relative flex min-h-0 flex-1">
        <main className="relative flex min-w-0 flex-1 flex-col" {...drop.handlers}>
          {drop.dragging && <DropOverlay />}
          <MessageList
            items={items}
            hasMore={session.hasMore}
            loadingOlder={older.isLoading}
            olderError={errorMessage(older.error)}
            onLoadOlder={onLoadOlder}
          />
          <TypingIndicator users={typing} />
          <div className="shrink-0 px-3 pt-1 pb-[max(0.25rem,env(safe-area-inset-bottom))] sm:px-6">
            <Composer roomId={roomId} attachments={attachments} />
          </div>
        </main>
        <aside
          aria-label="People in this room"
          className="hidden w-72 shrink-0 overflow-y-auto border-l border-slate-200 bg-slate-50/60 p-4 lg:block"
        >
          {peopleHeading}
          <PeopleList people={everyone} myId={me.id} />
        </aside>
        {peopleOpen && (
          // On small screens the people drop down over the messages; Escape or the button closes them.
          <section
            id="people-panel"
            aria-label="People in this room"
            className="absolute inset-x-0 top-0 z-20 max-h-[70%] overflow-y-auto border-b border-slate-200 bg-white p-4 shadow-lg lg:hidden"
          >
            {peopleHeading}
            <PeopleList people={everyone} myId={me.id} />
          </section>
        )}
      </div>
      <div aria-live="polite" className="sr-only">
        {announcement}
      </div>
    </ChatFrame>
  );
}

/** The page's frame: on wide screens every room is listed on the left. */
function ChatFrame({ roomId, children }: { roomId: string; children: ReactNode }) {
  const wide = useMediaQuery('(min-width: 80rem)');
  return (
    <div className="flex h-dvh bg-white">
      {wide && (
        <div className="w-72 shrink-0 border-r border-slate-200 bg-slate-50/60">
          <RoomSidebar activeRoomId={roomId} />
        </div>
      )}
      <div className="flex min-w-0 flex-1 flex-col">{children}</div>
    </div>
  );
}
