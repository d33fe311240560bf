import { type FormEvent, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorMessage, fieldErrors } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import { Button } from '../../components/Button.tsx';
import { CenteredLayout, linkClass } from '../../components/CenteredLayout.tsx';
import { FormError } from '../../components/FormError.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { TextField } from '../../components/TextField.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useFocusFirstInvalid } from '../../components/useFocusFirstInvalid.ts';
import { AccountLinks } from '../auth/AccountLinks.tsx';
import { displayName, selectCurrentUser } from '../auth/authSlice.ts';
import { roomPath } from './roomLinks.ts';
import { useJoinRoomByNameMutation } from './roomsApi.ts';

/** Seed 002's front door: a username and a room name, and you are in (as a guest if need be). */
export function JoinPage() {
  useDocumentTitle('Join a room');
  const user = useAppSelector(selectCurrentUser);
  const navigate = useNavigate();
  const [join, { error, isLoading }] = useJoinRoomByNameMutation();
  const [username, setUsername] = useState('');
  const [roomName, setRoomName] = useState('');
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  const fields = fieldErrors(error);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await join(user ? { name: roomName } : { name: roomName, username });
    if (result.data) navigate(roomPath(result.data.room));
  };

  return (
    <CenteredLayout>
      <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">Join a room</PageHeading>
      <p className="mt-1 text-sm text-slate-500">
        {user
          ? `You are signed in as ${displayName(user)}.`
          : 'Pick a username and a room. A new room name creates the room.'}
      </p>
      <form ref={form} onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
        {!user && (
          <TextField
            label="Username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            error={fields.username}
          />
        )}
        <TextField
          label="Room name"
          name="room"
          autoComplete="off"
          required
          value={roomName}
          onChange={(e) => setRoomName(e.target.value)}
          error={fields.name}
        />
        <FormError message={error && !fields.username && !fields.name ? errorMessage(error) : undefined} />
        <Button type="submit" busy={isLoading} className="w-full">
          Join room
        </Button>
      </form>
      <p className="mt-6 text-center text-sm text-slate-600">
        {user ? (
          <Link to="/lobby" className={linkClass}>
            See all rooms
          </Link>
        ) : (
          <AccountLinks />
        )}
      </p>
    </CenteredLayout>
  );
}
