import { inviteLink, type RoomKeys } from '@tandem/client/e2e';
import { CopyButton } from '../../components/CopyButton.tsx';

/** The invite link carries the room key in its fragment, which browsers never send to the server. */
export function InviteLinkButton({ roomId, roomKeys }: { roomId: string; roomKeys: RoomKeys }) {
  const link = inviteLink(location.origin, roomId, roomKeys);
  if (!link) return null;
  return (
    <CopyButton
      text={link}
      copied="Invite link copied: anyone with it can read this room"
      failed="Could not copy the link"
      className="flex h-9 shrink-0 items-center gap-1.5 rounded-full px-3 text-xs font-medium text-slate-600 outline-none ring-1 ring-slate-200 ring-inset hover:bg-slate-50 focus-visible:ring-4 focus-visible:ring-blue-300"
    >
      Copy invite link
    </CopyButton>
  );
}
