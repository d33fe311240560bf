import { useNavigate } from 'react-router';
import { errorMessage } from '../../app/errors.ts';
import { Button } from '../../components/Button.tsx';
import { useCreateRoomMutation } from './roomsApi.ts';

/** Seed 001: a code room in one click (the server names it), opened at its shareable link; never encrypted. */
export function NewCodeRoom() {
  const navigate = useNavigate();
  const [createRoom, { error, isLoading }] = useCreateRoomMutation();
  const message = errorMessage(error);
  const onClick = async () => {
    const result = await createRoom({ kind: 'code' });
    if (result.data) navigate(`/room/${result.data.roomId}`);
  };
  return (
    <section aria-labelledby="new-code-room">
      <h2 id="new-code-room" className="text-lg font-semibold text-slate-900">
        Pair programming
      </h2>
      <p className="mt-1 text-sm text-slate-500">
        A shared editor with live cursors and suggestions, and a chat. Not end-to-end encrypted: the server merges
        everyone’s edits.
      </p>
      <div role="alert">{message && <p className="mt-2 text-sm text-red-700">{message}</p>}</div>
      <Button tone="quiet" busy={isLoading} onClick={onClick} className="mt-3 w-full">
        <svg
          viewBox="0 0 24 24"
          className="size-5"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          aria-hidden="true"
        >
          <path d="M8.5 8 4.5 12l4 4M15.5 8l4 4-4 4" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        New code room
      </Button>
    </section>
  );
}
