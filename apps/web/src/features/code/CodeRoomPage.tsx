import { latestSeq, type RoomState } from '@tandem/client';
import type { PublicUser, RoomSummary } from '@tandem/protocol';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage, toAppError } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import { BackLink } from '../../components/BackLink.tsx';
import { CenteredLayout, linkClass } from '../../components/CenteredLayout.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { SideSheet } from '../../components/SideSheet.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useMediaQuery } from '../../components/useMediaQuery.ts';
import { useAttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { displayName, selectAuthStatus, selectCurrentUser } from '../auth/authSlice.ts';
import { useRoomSession } from '../chat/useRoomSession.ts';
import { ConnectionBanner } from '../connection/ConnectionBanner.tsx';
import { fetchSuggestion } from './autocomplete.ts';
import { CodeEditor } from './CodeEditor.tsx';
import { CodeRoomChat } from './CodeRoomChat.tsx';
import { CopyLinkButton } from './CopyLinkButton.tsx';
import { useCodeRoomQuery } from './codeApi.ts';
import { GuestJoin } from './GuestJoin.tsx';
import type { SuggestionRequest } from './ghostText.ts';
import { LanguageSelect } from './LanguageSelect.tsx';
import { ConnectionStatus, PresenceList } from './PresenceBar.tsx';
import { setSharedLanguage, useCodeCollab, useSharedLanguage } from './useCodeCollab.ts';

/** Seed 001's `/room/:roomId`: the shared editor, who is here, and the room's chat. */
export function CodeRoomPage() {
  const { roomId = '' } = useParams();
  // Another room is another document, another socket, another chat: nothing carries over.
  return <CodeRoomRoute key={roomId} roomId={roomId} />;
}

function CodeRoomRoute({ roomId }: { roomId: string }) {
  const status = useAppSelector(selectAuthStatus);
  const me = useAppSelector(selectCurrentUser);
  const { data: room, error } = useCodeRoomQuery(roomId);
  useDocumentTitle(room?.name ?? 'Code room', roomId);

  if (error) {
    return (
      <Notice title="Room unavailable">
        <p className="mt-2 text-slate-600">{errorMessage(error)}</p>
      </Notice>
    );
  }
  // Opened without a session: ask for a name, then carry on right here.
  if (status === 'signedOut' || !me) return <GuestJoin roomName={room?.name} />;
  if (!room) {
    return (
      <div className="flex min-h-dvh items-center justify-center">
        <p role="status" className="text-sm text-slate-500">
          Opening the room…
        </p>
      </div>
    );
  }
  if (room.kind !== 'code') {
    return (
      <Notice title={room.name}>
        <p className="mt-2 text-slate-600">This is a chat room: it has no shared code editor.</p>
        <p className="mt-4">
          <Link to={`/chat/${room.id}`} className={linkClass}>
            Open the chat
          </Link>
        </p>
      </Notice>
    );
  }
  return <CodeRoom room={room} me={me} />;
}

function Notice({ title, children }: { title: string; children: ReactNode }) {
  return (
    <CenteredLayout>
      <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">{title}</PageHeading>
      {children}
      <p className="mt-6">
        <Link to="/lobby" className={linkClass}>
          See all rooms
        </Link>
      </p>
    </CenteredLayout>
  );
}

function CodeRoom({ room, me }: { room: RoomSummary; me: PublicUser }) {
  const name = displayName(me);
  const collab = useCodeCollab(room.id, { id: me.id, name });
  const language = useSharedLanguage(collab.collab?.meta);
  const attachments = useAttachmentDrafts();
  const wide = useMediaQuery('(min-width: 64rem)');
  const roomy = useMediaQuery('(min-width: 40rem)');
  const touch = useMediaQuery('(pointer: coarse)');
  const [chatOpen, setChatOpen] = useState(false);
  const chatButton = useRef<HTMLButtonElement>(null);
  // The drawer gives focus back to this button when it closes.
  const closeChat = useCallback(() => setChatOpen(false), []);

  const [suggestion, setSuggestion] = useState<string | null>(null);
  const [suggestionError, setSuggestionError] = useState<string | null>(null);
  const suggest = useCallback(async (request: SuggestionRequest, signal: AbortSignal) => {
    const text = await fetchSuggestion(request, signal);
    setSuggestionError(null);
    return text;
  }, []);
  const onSuggestionError = useCallback((error: unknown) => setSuggestionError(toAppError(error).message), []);

  // The room's settings and state: in the header where there is room, under it on a phone.
  const roomControls = (
    <>
      <LanguageSelect
        value={language}
        disabled={!collab.collab || !collab.synced}
        onChange={(language) => collab.collab && setSharedLanguage(collab.collab.meta, language)}
      />
      <CopyLinkButton />
      <ConnectionStatus status={collab.status} synced={collab.synced} refused={collab.refused} />
    </>
  );

  const chatVisible = wide || chatOpen;
  // The chat joins once the code socket has let us in (which made us a member of the room); its
  // messages are marked read only while it is on screen.
  const chat = useRoomSession(room.id, me.id, { enabled: collab.authenticated, visible: chatVisible });
  const unread = useUnread(chat.state, me.id, chatVisible);

  return (
    <div className="flex h-dvh flex-col bg-surface">
      <header className="flex min-h-14 shrink-0 items-center gap-1 border-b border-slate-200 bg-surface px-1.5 py-1 sm:gap-2 sm:px-3">
        <BackLink />
        <div className="min-w-0 flex-1">
          {/* A long name takes two lines on a phone, then an ellipsis; the whole name is its title
              (and the tab's), and screen readers read all of it. */}
          <PageHeading
            title={room.name}
            className="line-clamp-2 text-[17px] leading-tight font-semibold break-words text-slate-900"
          >
            {room.name}
          </PageHeading>
          <p className="truncate text-xs text-slate-500">
            Code room · {collab.participants.length === 0 ? 'connecting' : `${collab.participants.length} here`}
          </p>
        </div>
        {roomy && <div className="flex shrink-0 items-center gap-3">{roomControls}</div>}
        {!wide && (
          <button
            ref={chatButton}
            type="button"
            onClick={() => setChatOpen(true)}
            aria-expanded={chatOpen}
            aria-controls="code-chat"
            className="relative flex h-11 shrink-0 items-center gap-1.5 rounded-full px-3 text-sm font-medium text-slate-700 outline-none hover:bg-slate-100 focus-visible:ring-4 focus-visible:ring-blue-300"
          >
            <svg
              viewBox="0 0 24 24"
              className="size-5"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.8"
              aria-hidden="true"
            >
              <path
                d="M5 5.5h14a1.5 1.5 0 0 1 1.5 1.5v8.5a1.5 1.5 0 0 1-1.5 1.5h-7l-4.5 3.5V17H5a1.5 1.5 0 0 1-1.5-1.5V7A1.5 1.5 0 0 1 5 5.5z"
                strokeLinejoin="round"
              />
            </svg>
            Chat
            {unread > 0 && (
              <span className="rounded-full bg-blue-600 px-1.5 text-xs leading-5 font-semibold text-white">
                {unread}
                <span className="sr-only"> unread</span>
              </span>
            )}
          </button>
        )}
      </header>
      <ConnectionBanner />
      <div className="flex min-h-0 flex-1">
        <main className="flex min-w-0 flex-1 flex-col">
          {/* Who is here; on a phone also the language, the link and the connection, wrapping onto
              a second row rather than running off the screen. */}
          <div className="flex shrink-0 flex-wrap items-center gap-x-2 gap-y-1.5 border-b border-slate-100 bg-slate-50/80 px-3 py-1.5 sm:gap-x-3 sm:px-4">
            <span className="hidden shrink-0 text-xs font-semibold tracking-wide text-slate-500 uppercase sm:inline">
              Here now
            </span>
            <PresenceList participants={collab.participants} max={roomy ? 5 : 3} compact={!roomy} />
            {!roomy && <div className="ml-auto flex shrink-0 items-center gap-2">{roomControls}</div>}
          </div>
          <div className="relative min-h-0 flex-1">
            {collab.collab && collab.synced && (
              <CodeEditor
                collab={collab.collab}
                language={language}
                fetchSuggestion={suggest}
                touch={touch}
                onSuggestion={setSuggestion}
                onSuggestionError={onSuggestionError}
              />
            )}
            {collab.refused ? (
              <div role="alert" className="absolute inset-0 flex flex-col items-center justify-center gap-3 px-6">
                <p className="text-center text-slate-700">
                  The server refused this room’s code ({collab.refused}). Join it again from the rooms page.
                </p>
                <Link to="/lobby" className={linkClass}>
                  See all rooms
                </Link>
              </div>
            ) : (
              !collab.synced && (
                <p role="status" className="absolute inset-0 flex items-center justify-center text-sm text-slate-500">
                  Loading the code…
                </p>
              )
            )}
            {collab.closedReason && !collab.refused && (
              <p
                role="alert"
                className="absolute inset-x-0 top-0 z-10 bg-amber-50 px-4 py-2 text-sm text-amber-900 ring-1 ring-amber-200"
              >
                {collab.closedReason}
              </p>
            )}
          </div>
          <SuggestionLine suggestion={suggestion} error={suggestionError} touch={touch} />
        </main>
        {wide && (
          <aside
            id="code-chat"
            aria-label="Chat"
            className="flex w-80 shrink-0 flex-col border-l border-slate-200 bg-slate-50/40 xl:w-96"
          >
            <h2 className="flex h-10 shrink-0 items-center border-b border-slate-100 px-4 text-xs font-semibold tracking-wide text-slate-500 uppercase">
              Chat
            </h2>
            <CodeRoomChat me={me} session={chat.session} state={chat.state} attachments={attachments} />
          </aside>
        )}
      </div>
      {!wide && chatOpen && (
        // On narrow screens the chat slides over the editor as a modal dialog: the editor behind is
        // inert, so nothing typed in the drawer can land in the shared code.
        <SideSheet id="code-chat" title="Chat" opener={chatButton} onClose={closeChat} className="w-full max-w-md">
          <CodeRoomChat me={me} session={chat.session} state={chat.state} attachments={attachments} />
        </SideSheet>
      )}
    </div>
  );
}

/** New messages from the others since the chat was last on screen. */
function useUnread(session: RoomState | undefined, myId: string, visible: boolean): number {
  const [seenSeq, setSeenSeq] = useState(0);
  const newest = session ? latestSeq(session) : 0;
  useEffect(() => {
    if (visible) setSeenSeq(newest);
  }, [visible, newest]);
  if (!session || visible) return 0;
  return session.messages.filter((m) => m.seq > seenSeq && m.sender.id !== myId).length;
}

/** Under the editor: how to take a suggestion, or why there are none; read out when one appears. */
function SuggestionLine({
  suggestion,
  error,
  touch,
}: {
  suggestion: string | null;
  error: string | null;
  touch: boolean;
}) {
  return (
    <div className="flex h-8 shrink-0 items-center gap-2 border-t border-slate-100 bg-slate-50/80 px-3 text-xs text-slate-500 sm:px-4">
      <div aria-live="polite" className="min-w-0 truncate">
        {suggestion ? (
          <>
            <span className="sr-only">Suggestion: {suggestion}. </span>
            <span className="font-medium text-slate-700">Suggestion ready</span> ·{' '}
            {touch ? 'tap Accept to insert it' : 'Tab to accept, Esc to dismiss'}
          </>
        ) : error ? (
          <span className="text-red-700">Suggestions unavailable: {error}</span>
        ) : (
          'Pause typing for a suggestion'
        )}
      </div>
    </div>
  );
}
