import { ApiError } from '@tandem/client';
import type { PublicUser, SessionResponse } from '@tandem/protocol';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../errors.ts';
import { type Realtime, useServices } from '../services.tsx';

const TOKEN_KEY = 'session';

export type Auth =
  | { status: 'loading' }
  | { status: 'unreachable'; message: string; retry(): void }
  | { status: 'signedOut' }
  | { status: 'signedIn'; user: PublicUser; realtime: Realtime };

type AuthActions = {
  /** First launch: a guest session under a username of one's choosing. */
  continueAsGuest(username: string): Promise<void>;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
};

const AuthContext = createContext<(Auth & AuthActions) | null>(null);

/**
 * The session: its token lives in the secure store, so the app opens signed in; a token the
 * server no longer knows (expired, signed out elsewhere) sends the person back to the first screen.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const services = useServices();
  const { rest, store } = services;
  const [auth, setAuth] = useState<Auth>({ status: 'loading' });
  const realtimeRef = useRef<Realtime | null>(null);

  const begin = useCallback(
    (user: PublicUser, token: string) => {
      rest.setToken(token);
      realtimeRef.current?.close();
      const realtime = services.openRealtime(token);
      realtimeRef.current = realtime;
      realtime.on('closed', ({ code }) => {
        // 4401: the server ended this session.
        if (code === 4401 && realtimeRef.current === realtime) {
          realtimeRef.current = null;
          rest.setToken(undefined);
          store.set(TOKEN_KEY, null).catch(() => {});
          setAuth({ status: 'signedOut' });
        }
      });
      realtime.connect();
      setAuth({ status: 'signedIn', user, realtime });
    },
    [rest, services, store],
  );

  const restore = useCallback(async () => {
    setAuth({ status: 'loading' });
    const token = (await store.get(TOKEN_KEY).catch(() => undefined)) as string | undefined;
    if (!token) {
      setAuth({ status: 'signedOut' });
      return;
    }
    rest.setToken(token);
    try {
      const { user } = await rest.me();
      begin(user, token);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        rest.setToken(undefined);
        await store.set(TOKEN_KEY, null).catch(() => {});
        setAuth({ status: 'signedOut' });
      } else {
        setAuth({
          status: 'unreachable',
          message: errorMessage(error, services.serverUrl),
          retry: () => void restore(),
        });
      }
    }
  }, [begin, rest, services.serverUrl, store]);

  useEffect(() => {
    void restore();
    return () => realtimeRef.current?.close();
  }, [restore]);

  const started = useCallback(
    async (session: SessionResponse) => {
      await store.set(TOKEN_KEY, session.token);
      begin(session.user, session.token);
    },
    [begin, store],
  );

  const value = useMemo(
    () => ({
      ...auth,
      continueAsGuest: async (username: string) => started(await rest.guest({ username })),
      signIn: async (login: string, password: string) => started(await rest.login({ login, password })),
      signOut: async () => {
        await rest.logout().catch(() => {});
        realtimeRef.current?.close();
        realtimeRef.current = null;
        rest.setToken(undefined);
        await store.set(TOKEN_KEY, null).catch(() => {});
        setAuth({ status: 'signedOut' });
      },
    }),
    [auth, rest, started, store],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth & AuthActions {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

export function useSignedIn(): { user: PublicUser; realtime: Realtime } {
  const auth = useAuth();
  if (auth.status !== 'signedIn') throw new Error('not signed in');
  return auth;
}
