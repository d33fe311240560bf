import type { RoomSession, RoomState } from '@tandem/client';
import type { PublicUser } from '@tandem/protocol';
import type { AttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { Composer } from '../chat/Composer.tsx';
import { RoomMessages } from '../chat/RoomMessages.tsx';

type Props = {
  me: PublicUser;
  /** The room's session, held by the page (undefined until the code socket lets you in). */
  session: RoomSession | undefined;
  state: RoomState | undefined;
  /** The next message's files: held by the page, so closing the drawer does not drop them. */
  attachments: AttachmentDrafts;
};

/**
 * The code room's chat: the chat page's own message list, typing line and composer, over the
 * RoomSession the page holds (which marks messages read only while this is on screen).
 */
export function CodeRoomChat({ me, session, state, attachments }: Props) {
  if (!session || !state?.room) {
    const error = state?.phase === 'failed' ? state.error : undefined;
    return (
      <div className="flex flex-1 items-center justify-center px-6 text-center">
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : (
          <p role="status" className="text-sm text-slate-500">
            Joining the chat…
          </p>
        )}
      </div>
    );
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <RoomMessages session={session} myId={me.id} />
      <div className="shrink-0 px-3 pt-1 pb-[max(0.25rem,env(safe-area-inset-bottom))]">
        <Composer
          attachments={attachments}
          onDraft={session.setDraft}
          onSend={(body, files) => session.send(body, { attachments: files })}
        />
      </div>
    </div>
  );
}
