import { toBase64Url } from '@tandem/crypto';
import { useEffect, useState } from 'react';
import type { RoomKeys } from './keyStore.ts';

/** The invite link carries the room key in its fragment, which browsers never send to the server. */
export function inviteLink(origin: string, roomId: string, roomKeys: RoomKeys): string | undefined {
  if (roomKeys.size === 0) return undefined;
  const epoch = Math.max(...roomKeys.keys());
  const key = roomKeys.get(epoch) as Uint8Array;
  return `${origin}/join/${encodeURIComponent(roomId)}#k=${toBase64Url(key)}${epoch === 1 ? '' : `&e=${epoch}`}`;
}

export function InviteLinkButton({ roomId, roomKeys }: { roomId: string; roomKeys: RoomKeys }) {
  const [result, setResult] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(() => setResult(null), 2500);
    return () => clearTimeout(timer);
  }, [result]);
  const link = inviteLink(location.origin, roomId, roomKeys);
  if (!link) return null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setResult('copied');
    } catch {
      setResult('failed');
    }
  };
  return (
    <>
      <button
        type="button"
        onClick={copy}
        className="flex h-9 shrink-0 items-center gap-1.5 rounded-full px-3 text-xs font-medium text-slate-600 outline-none ring-1 ring-slate-200 ring-inset hover:bg-slate-50 focus-visible:ring-4 focus-visible:ring-blue-300"
      >
        Copy invite link
      </button>
      <span role="status" className={result ? 'text-xs text-slate-600' : 'sr-only'}>
        {result === 'copied'
          ? 'Invite link copied: anyone with it can read this room'
          : result === 'failed'
            ? 'Could not copy the link'
            : ''}
      </span>
    </>
  );
}
