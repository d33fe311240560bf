import { type FormEvent, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { errorMessage, fieldErrors } from '../../app/errors.ts';
import { Button } from '../../components/Button.tsx';
import { CenteredLayout } from '../../components/CenteredLayout.tsx';
import { FormError } from '../../components/FormError.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { TextField } from '../../components/TextField.tsx';
import { useFocusFirstInvalid } from '../../components/useFocusFirstInvalid.ts';
import { AccountLinks } from '../auth/AccountLinks.tsx';
import { useJoinAsGuestMutation } from './codeApi.ts';

/**
 * A code room's link opened without a session (seed 001: no sign-in needed): pick a name and
 * you are in, as a guest, at the same address. Signing in instead brings you back here too.
 */
export function GuestJoin({
  roomName,
  heading = 'Join the code room',
  hint = 'Pick a name: the others see it next to your cursor.',
}: {
  roomName: string | undefined;
  heading?: string;
  hint?: string;
}) {
  const location = useLocation();
  const [joinAsGuest, { error, isLoading }] = useJoinAsGuestMutation();
  const [username, setUsername] = useState('');
  const [joined, setJoined] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  const fields = fieldErrors(error);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await joinAsGuest({ username: username.trim() });
    if (result.data) setJoined(true);
  };

  return (
    <CenteredLayout>
      <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">{heading}</PageHeading>
      <p className="mt-1 text-sm text-slate-500">
        {roomName ? (
          <>
            You were invited to <span className="font-medium text-slate-700">{roomName}</span>.{' '}
          </>
        ) : null}
        {hint}
      </p>
      <form ref={form} onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
        <TextField
          label="Your name"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={fields.username}
          hint="3–32 letters, digits, “_”, “-” or “.”"
        />
        <FormError message={error && !fields.username ? errorMessage(error) : undefined} />
        {/* Busy until the new session is known, which is when the editor takes over. */}
        <Button type="submit" busy={isLoading || joined} className="w-full">
          Join as guest
        </Button>
      </form>
      <p className="mt-6 text-center text-sm text-slate-600">
        <AccountLinks from={location.pathname} />
      </p>
    </CenteredLayout>
  );
}
