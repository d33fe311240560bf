import { generateRoomKey } from '@tandem/crypto';
import type { PublicUser } from '@tandem/protocol';
import { useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAppSelector } from '../../app/hooks.ts';
import { selectCurrentUser } from '../auth/authSlice.ts';
import { e2eDeps } from '../e2e/deps.ts';
import { RoomNameForm } from './RoomNameForm.tsx';
import { useCreateRoomMutation } from './roomsApi.ts';

export function CreateRoomForm() {
  const navigate = useNavigate();
  const id = useId();
  const me = useAppSelector(selectCurrentUser) as PublicUser | null;
  const [encrypted, setEncrypted] = useState(false);
  const [keyProblem, setKeyProblem] = useState<string>();
  const [createRoom, { error, isLoading }] = useCreateRoomMutation();
  const onSubmit = async (name: string) => {
    setKeyProblem(undefined);
    const result = await createRoom(encrypted ? { name, encrypted: true } : { name });
    if (!result.data) return;
    if (encrypted && me) {
      // The room key is made here and never leaves this browser except wrapped for members' devices.
      try {
        await e2eDeps().keys.saveRoomKey(me.id, result.data.roomId, 1, generateRoomKey());
      } catch {
        setKeyProblem('This browser could not store the room key.');
        return;
      }
    }
    navigate(`/chat/${result.data.roomId}`);
  };
  return (
    <RoomNameForm
      heading="Create Room"
      label="Enter new room name"
      action="Create"
      tone="primary"
      busy={isLoading}
      error={error ?? (keyProblem ? { message: keyProblem } : undefined)}
      onSubmit={onSubmit}
    >
      <label htmlFor={`${id}-e2e`} className="flex cursor-pointer items-center justify-between gap-3 text-sm">
        <span className="text-slate-700">End-to-end encrypted</span>
        <input
          id={`${id}-e2e`}
          type="checkbox"
          role="switch"
          aria-checked={encrypted}
          checked={encrypted}
          onChange={(e) => setEncrypted(e.target.checked)}
          className="peer sr-only"
        />
        <span
          aria-hidden="true"
          className="relative h-6 w-11 shrink-0 rounded-full bg-slate-300 transition peer-checked:bg-emerald-600 peer-focus-visible:ring-4 peer-focus-visible:ring-blue-300 after:absolute after:top-0.5 after:left-0.5 after:size-5 after:rounded-full after:bg-white after:shadow after:transition peer-checked:after:translate-x-5"
        />
      </label>
    </RoomNameForm>
  );
}
