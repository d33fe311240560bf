import {
  latestSeq,
  type Notice,
  type OpenedMessage,
  type RoomSession,
  type RoomState,
  type TimelineItem,
  type UploadProgress,
  uploadFile,
} from '@tandem/client';
import { NOTICE, sealedAttachments, shownAttachments } from '@tandem/client/e2e';
import { deviceKeysOf, safetyCode } from '@tandem/crypto';
import type { Attachment, Message, PublicUser } from '@tandem/protocol';
import { type ReactNode, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAppSelector } from '../../app/hooks.ts';
import { linkClass } from '../../components/CenteredLayout.tsx';
import { SideSheet } from '../../components/SideSheet.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useMediaQuery } from '../../components/useMediaQuery.ts';
import { plural } from '../../lib/format.ts';
import { DropOverlay } from '../attachments/DropOverlay.tsx';
import { useAttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { useFileDrop } from '../attachments/useFileDrop.ts';
import { selectCurrentUser } from '../auth/authSlice.ts';
import { ConnectionBanner } from '../connection/ConnectionBanner.tsx';
import { encryptedUpload, useDecryptedFiles } from '../e2e/files.ts';
import { InviteLinkButton } from '../e2e/InviteLinkButton.tsx';
import { type EncryptedRoom, useEncryptedRoom } from '../e2e/useEncryptedRoom.ts';
import { RoomSidebar } from '../rooms/RoomSidebar.tsx';
import { ChatHeader } from './ChatHeader.tsx';
import { Composer } from './Composer.tsx';
import { useRoomMembersQuery } from './chatApi.ts';
import { PeopleList, people } from './PeopleList.tsx';
import { RoomMessages } from './RoomMessages.tsx';
import { useRoomAnnouncements } from './useChatEffects.ts';
import { useMembersInSync } from './useMembersInSync.ts';
import { useOpenRoomSession, useRoomSlice, whole } from './useRoomSession.ts';

const NO_MESSAGES: readonly Message[] = [];
const NOTHING_OPENED: ReadonlyMap<string, OpenedMessage> = new Map();
const NO_ONE: readonly PublicUser[] = [];
const NO_NOTICES: readonly Notice[] = [];

/** The page's own part of the room's state: what the header, people, banners and composer show. */
const samePage = (a: RoomState, b: RoomState) =>
  a.room === b.room &&
  a.messages === b.messages &&
  a.opened === b.opened &&
  a.present === b.present &&
  a.phase === b.phase &&
  a.error === b.error;

/** The polite live region: new messages from others and who started typing (its own subscription). */
function RoomAnnouncer({ session, myId }: { session: RoomSession; myId: string }) {
  const announcements = useRoomAnnouncements(useRoomSlice(session, whole), myId);
  return (
    <div aria-live="polite" className="sr-only">
      {announcements.map((said) => (
        <p key={said.id}>{said.text}</p>
      ))}
    </div>
  );
}

/** Seed 000's chat page: the room's messages, who is here and typing, and the field to write in. */
export function ChatPage() {
  const { roomId = '' } = useParams();
  // Another room is another page: nothing (scroll position, what was announced or marked read) carries over.
  return <ChatRoom key={roomId} roomId={roomId} />;
}

function ChatRoom({ roomId }: { roomId: string }) {
  // RequireSession renders this page only for someone signed in.
  const me = useAppSelector(selectCurrentUser) as PublicUser;
  const keyNoticeId = useId();
  const removedNoticeId = useId();
  const encryptedNow = useRef(false);
  // The page re-renders for what it shows (the room, its people, messages arriving), not for a
  // typing notice, a read mark or a page of history: the conversation and the live region follow those.
  const session = useOpenRoomSession(roomId, me.id);
  const state = useRoomSlice(session, whole, samePage);
  const room = state?.room;
  const encrypted = room?.encrypted ?? false;
  encryptedNow.current = encrypted;
  // Encrypted rooms: every message is opened here, in the browser; what cannot be opened says why.
  const newestSeq = useRef(0);
  newestSeq.current = state ? latestSeq(state) : 0;
  const e2e = useEncryptedRoom(roomId, me.id, encrypted, () => newestSeq.current);
  useEffect(() => session?.setCrypto(e2e.crypto), [session, e2e.crypto]);
  const fileUrls = useDecryptedFiles(state?.messages ?? NO_MESSAGES, state?.opened ?? NOTHING_OPENED);
  // Encrypted rooms: one safety code per device of each other member, from both signing keys.
  const safetyCodes = useMemo(() => {
    const codes = new Map<string, string[]>();
    if (!e2e.identity) return codes;
    const mine = deviceKeysOf(e2e.identity, me.id);
    for (const device of e2e.devices.values()) {
      if (device.userId === me.id) continue;
      codes.set(device.userId, [...(codes.get(device.userId) ?? []), safetyCode(mine, device)]);
    }
    return codes;
  }, [e2e.identity, e2e.devices, me.id]);
  const members = useRoomMembersQuery(roomId, { skip: room === undefined });
  const [peopleOpen, setPeopleOpen] = useState(false);
  const peopleButton = useRef<HTMLButtonElement>(null);
  // Under 64rem the people are a sheet over the conversation (it gives focus back to the button).
  const peopleBeside = useMediaQuery('(min-width: 64rem)');
  const closePeople = useCallback(() => setPeopleOpen(false), []);
  // Widened, the people are beside the conversation: the sheet closes, and does not come back by
  // itself when the window narrows again.
  useEffect(() => {
    if (peopleBeside) setPeopleOpen(false);
  }, [peopleBeside]);
  // The next message's files: chosen in the composer, pasted into it, or dropped on the conversation.
  // Encrypted rooms upload only ciphertext (decided when a file is chosen, once the room is known).
  const upload = useCallback(
    (file: File, onProgress: (progress: UploadProgress) => void) =>
      encryptedNow.current ? encryptedUpload(file, onProgress) : uploadFile(file, onProgress),
    [],
  );
  const attachments = useAttachmentDrafts(upload);
  const drop = useFileDrop(attachments.add);

  useDocumentTitle(room?.name ?? 'Chat', roomId);
  useMembersInSync(state?.present, members.data?.members, members.refetch);

  const everyone = useMemo(
    () => people(members.data?.members ?? [], state?.present ?? NO_ONE),
    [members.data, state?.present],
  );
  // A member's device keys changed: said in the timeline where it was noticed.
  const keyNotices = useMemo(
    () =>
      // None (a plain room, or nobody's keys changed): the same empty list, so the timeline stays.
      e2e.changedKeys.length === 0
        ? NO_NOTICES
        : e2e.changedKeys.flatMap((change): Notice[] => {
            const user = everyone.find((p) => p.user.id === change.userId)?.user;
            return user ? [{ id: `keys-${change.userId}-${change.at}`, kind: 'keys', user, ...change }] : [];
          }),
    [e2e.changedKeys, everyone],
  );
  // Encrypted rooms: a message's files once decrypted here (the server's copies are ciphertext).
  const opened = state?.opened;
  const attachmentsOf = useCallback(
    (item: Extract<TimelineItem, { type: 'message' }>): readonly Attachment[] =>
      shownAttachments(item.message, opened?.get(item.message.id), fileUrls),
    [opened, fileUrls],
  );
  const onlineCount = everyone.filter((p) => p.online).length;

  if (!session || !state || !room) {
    const error = state?.phase === 'failed' ? state.error : undefined;
    return (
      <ChatFrame roomId={roomId}>
        <ChatHeader title={error ? 'Room unavailable' : 'Joining…'} />
        <ConnectionBanner />
        <main className="flex flex-1 flex-col items-center justify-center gap-4 px-6 text-center">
          {error ? (
            <div role="alert" className="space-y-3">
              <p className="text-slate-700">{error}</p>
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

  const removed = state.phase === 'removed';
  const headcount = `${plural(onlineCount, 'person', 'people')} online · ${plural(everyone.length, 'member')}`;
  const peopleHeading = (
    <h2 className="px-2 pb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
      People · {plural(onlineCount, 'online', 'online')}
    </h2>
  );

  return (
    <ChatFrame roomId={roomId}>
      <ChatHeader
        title={room.name}
        subtitle={headcount}
        onlineCount={onlineCount}
        peopleOpen={peopleOpen}
        peopleButtonRef={peopleButton}
        onTogglePeople={() => setPeopleOpen((open) => !open)}
        encrypted={encrypted}
        actions={
          encrypted && e2e.status === 'ready' ? <InviteLinkButton roomId={roomId} roomKeys={e2e.roomKeys} /> : null
        }
      />
      {peopleOpen && !peopleBeside && (
        // Right after the header's button, so its controls come next in the page's order too. A strip
        // of the conversation stays in sight on a phone, to tap to close it.
        <SideSheet
          id="people-panel"
          title="People in this room"
          subtitle={headcount}
          opener={peopleButton}
          onClose={closePeople}
          className="w-[min(20rem,85vw)]"
        >
          <div className="min-h-0 flex-1 overflow-y-auto p-4 pb-[max(1rem,env(safe-area-inset-bottom))]">
            <PeopleList people={everyone} myId={me.id} safetyCodes={safetyCodes} />
          </div>
        </SideSheet>
      )}
      <ConnectionBanner />
      <div className="relative flex min-h-0 flex-1">
        <main className="relative flex min-w-0 flex-1 flex-col" {...drop.handlers}>
          {drop.dragging && <DropOverlay />}
          {encrypted && e2e.status !== 'ready' && (
            <p
              id={keyNoticeId}
              role="status"
              className="shrink-0 border-b border-amber-200 bg-amber-50 px-4 py-2 text-center text-sm text-amber-800"
            >
              {keyNotice(e2e.status)}
            </p>
          )}
          {removed && (
            <p
              id={removedNoticeId}
              role="alert"
              className="shrink-0 border-b border-red-200 bg-red-50 px-4 py-2 text-center text-sm text-red-800"
            >
              {state.error}{' '}
              <Link to="/lobby" className={linkClass}>
                Back to all rooms
              </Link>
            </p>
          )}
          <RoomMessages session={session} myId={me.id} extraNotices={keyNotices} attachmentsOf={attachmentsOf} />
          <div className="shrink-0 px-3 pt-1 pb-[max(0.25rem,env(safe-area-inset-bottom))] sm:px-6">
            {removed ? (
              // Left elsewhere: nothing can be sent here any more; the notice above says why.
              <Composer
                attachments={attachments}
                disabledReason={state.error ?? 'You are no longer in this room.'}
                disabledReasonId={removedNoticeId}
                onDraft={session.setDraft}
                onSend={() => {}}
              />
            ) : encrypted ? (
              <Composer
                attachments={attachments}
                disabledReason={e2e.status === 'ready' ? undefined : keyNotice(e2e.status)}
                disabledReasonId={keyNoticeId}
                onDraft={session.setDraft}
                onSend={(body, files) => {
                  // Only files encrypted on this page go with it (their keys are in the sealed text).
                  session.send(body, sealedAttachments(files));
                }}
              />
            ) : (
              <Composer
                attachments={attachments}
                onDraft={session.setDraft}
                onSend={(body, files) => session.send(body, { attachments: files })}
              />
            )}
          </div>
        </main>
        <aside
          aria-label="People in this room"
          className="hidden w-72 shrink-0 overflow-y-auto border-l border-slate-200 bg-slate-50/60 p-4 lg:block"
        >
          {peopleHeading}
          <PeopleList people={everyone} myId={me.id} safetyCodes={safetyCodes} />
        </aside>
      </div>
      <RoomAnnouncer session={session} myId={me.id} />
    </ChatFrame>
  );
}

/** Why an encrypted room cannot be read or written to yet: said once, in the banner over the messages. */
function keyNotice(status: EncryptedRoom['status']): string {
  if (status === 'waiting') return NOTICE['no-key'];
  if (status === 'error') return 'This browser could not open its keys for this room.';
  return 'Opening the room’s keys…';
}

/** The page's frame: on wide screens every room is listed on the left. */
function ChatFrame({ roomId, children }: { roomId: string; children: ReactNode }) {
  const wide = useMediaQuery('(min-width: 80rem)');
  return (
    <div className="flex h-dvh bg-surface">
      {wide && (
        <div className="w-72 shrink-0 border-r border-slate-200 bg-slate-50/60">
          <RoomSidebar activeRoomId={roomId} />
        </div>
      )}
      <div className="flex min-w-0 flex-1 flex-col">{children}</div>
    </div>
  );
}
