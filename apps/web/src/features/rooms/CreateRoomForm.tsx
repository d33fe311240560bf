import type { PublicUser } from '@tandem/protocol';
import { useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAppSelector } from '../../app/hooks.ts';
import { selectCurrentUser } from '../auth/authSlice.ts';
import { LockIcon } from '../e2e/LockIcon.tsx';
import { RoomNameForm } from './RoomNameForm.tsx';
import { useCreateRoomMutation } from './roomsApi.ts';

type Privacy = 'encrypted' | 'plain';

/**
 * The encryption code (@noble, the key store) is fetched only when an encrypted room is made, so
 * the lobby's own script stays small (e2e/loading.spec.ts checks the lobby never fetches it).
 */
async function loadEncryption() {
  const [{ generateRoomKey }, { e2eDeps }] = await Promise.all([import('@tandem/crypto'), import('../e2e/deps.ts')]);
  return { generateRoomKey, e2eDeps };
}

/** What each choice means, said where it is made (and read out with it). */
const CHOICES: { value: Privacy; label: string; meaning: string }[] = [
  {
    value: 'encrypted',
    label: 'End-to-end encrypted',
    meaning:
      'Only members’ devices can read messages and files; the server stores ciphertext. A new member gets the key from a member who is online.',
  },
  {
    value: 'plain',
    label: 'Not end-to-end encrypted',
    meaning: 'The server can read messages and files; new members see the history at once, with no key exchange.',
  },
];

/**
 * Seed 000's "Create Room": a chat room, end-to-end encrypted unless chosen otherwise (as the
 * phone app makes every room). Code rooms are never encrypted and are made elsewhere.
 */
export function CreateRoomForm() {
  const navigate = useNavigate();
  const id = useId();
  const me = useAppSelector(selectCurrentUser) as PublicUser | null;
  const [privacy, setPrivacy] = useState<Privacy>('encrypted');
  const [keyProblem, setKeyProblem] = useState<string>();
  const [createRoom, { error, isLoading }] = useCreateRoomMutation();
  const [loadingEncryption, setLoadingEncryption] = useState(false);
  const encrypted = privacy === 'encrypted';
  const onSubmit = async (name: string) => {
    setKeyProblem(undefined);
    // Fetched before the room is made: if it cannot be, no room is left without its key.
    let encryption: Awaited<ReturnType<typeof loadEncryption>> | undefined;
    if (encrypted && me) {
      setLoadingEncryption(true);
      try {
        encryption = await loadEncryption();
      } catch {
        setKeyProblem('The encryption code could not be loaded. Check your connection and try again.');
        return;
      } finally {
        setLoadingEncryption(false);
      }
    }
    const result = await createRoom(encrypted ? { name, encrypted: true } : { name });
    if (!result.data) return;
    if (encryption && me) {
      // The room key is made here and never leaves this browser except wrapped for members' devices.
      try {
        await encryption.e2eDeps().keys.saveRoomKey(me.id, result.data.roomId, 1, encryption.generateRoomKey());
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
      busy={isLoading || loadingEncryption}
      error={error ?? (keyProblem ? { message: keyProblem } : undefined)}
      onSubmit={onSubmit}
    >
      <fieldset className="space-y-2">
        <legend className="mb-2 text-sm font-medium text-slate-700">Who can read the messages</legend>
        {CHOICES.map((choice) => (
          <label
            key={choice.value}
            htmlFor={`${id}-${choice.value}`}
            className="flex cursor-pointer items-start gap-3 rounded-xl border border-slate-200 bg-surface p-3 transition has-checked:border-blue-500 has-checked:bg-blue-50/60 has-focus-visible:ring-4 has-focus-visible:ring-blue-200"
          >
            <input
              id={`${id}-${choice.value}`}
              type="radio"
              name={`${id}-privacy`}
              value={choice.value}
              checked={privacy === choice.value}
              onChange={() => setPrivacy(choice.value)}
              aria-labelledby={`${id}-${choice.value}-label`}
              aria-describedby={`${id}-${choice.value}-meaning`}
              className="mt-0.5 size-4 shrink-0 accent-blue-600 outline-none"
            />
            <span className="min-w-0">
              <span className="flex items-center gap-1.5 text-sm font-medium text-slate-900">
                <span id={`${id}-${choice.value}-label`}>{choice.label}</span>
                {choice.value === 'encrypted' && <LockIcon decorative className="size-3.5" />}
              </span>
              <span id={`${id}-${choice.value}-meaning`} className="mt-0.5 block text-xs leading-5 text-slate-600">
                {choice.meaning}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
    </RoomNameForm>
  );
}
