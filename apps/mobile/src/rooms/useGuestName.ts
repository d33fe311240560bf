import { ApiError } from '@tandem/client';
import { GuestRequest, type PublicUser } from '@tandem/protocol';
import { useEffect, useRef, useState } from 'react';
import type { TextInput } from 'react-native';
import { useAuth } from '../auth/AuthProvider.tsx';
import { errorMessage, firstIssue } from '../errors.ts';
import { useServices } from '../services.tsx';

/**
 * The "Your name" field of a screen that makes a guest session on its first action (the front
 * page, an invite link): the name (remembered on the phone), its error, and the two steps.
 */
export function useGuestName() {
  const { serverUrl } = useServices();
  const auth = useAuth();
  const user = auth.status === 'signedIn' ? auth.user : undefined;
  const [name, setName] = useState(auth.rememberedName);
  const [error, setError] = useState<string>();
  const field = useRef<TextInput>(null);

  // Signed out (or the session ended): the name field starts from the remembered name again.
  const signedOut = user === undefined;
  useEffect(() => {
    if (signedOut) setName(auth.rememberedName);
  }, [signedOut, auth.rememberedName]);

  /** The name as the shared schema accepts it, or undefined with its error shown (no request made). */
  const check = (): string | undefined => {
    const parsed = GuestRequest.shape.username.safeParse(name);
    if (parsed.success) {
      setError(undefined);
      return parsed.data;
    }
    setError(
      name.trim() === ''
        ? 'Enter your name first: it is how the others see you.'
        : firstIssue(parsed.error, 'Your name'),
    );
    field.current?.focus();
    return undefined;
  };

  /** The signed-in user, or a new guest session under `guestName` (its errors under the name field). */
  const sessionUser = async (guestName: string | undefined): Promise<PublicUser | undefined> => {
    if (user) return user;
    if (guestName === undefined) return undefined;
    try {
      return await auth.continueAsGuest(guestName);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409
          ? `The name "${guestName}" is taken. Pick another one, or sign in if it is yours.`
          : errorMessage(e, serverUrl),
      );
      field.current?.focus();
      return undefined;
    }
  };

  return { user, name, setName, error, field, check, sessionUser };
}
