import { ApiError } from '@tandem/client';
import type { PublicUser, SessionResponse } from '@tandem/protocol';
import { CloseCode } from '@tandem/protocol/constants';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../errors.ts';
import { type Realtime, useServices } from '../services.tsx';

const TOKEN_KEY = 'session';
/** The name last chosen for a guest session, kept next to the token so the front page remembers it. */
const NAME_KEY = 'name';

export type Auth =
  | { status: 'loading' }
  | { status: 'unreachable'; message: string; retry(): void }
  | { status: 'signedOut' }
  | { status: 'signedIn'; user: PublicUser; realtime: Realtime };

type AuthActions = {
  /** The name this phone last used for a guest session ('' at first launch), kept after signing out. */
  rememberedName: string;
  /** First create or join: a guest session under the name typed on the front page, remembered. */
  continueAsGuest(username: string): Promise<PublicUser>;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
};

const AuthContext = createContext<(Auth & AuthActions) | null>(null);

/**
 * The session: its token lives in the secure store, so the app opens signed in; a token the
 * server no longer knows (expired, signed out elsewhere) signs the person out, back on the front
 * page with the name field. There is no session until the first create or join (or a sign-in).
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const services = useServices();
  const { rest, store } = services;
  const [auth, setAuth] = useState<Auth>({ status: 'loading' });
  const [rememberedName, setRememberedName] = useState('');
  const realtimeRef = useRef<Realtime | null>(null);

  const begin = useCallback(
    (user: PublicUser, token: string) => {
      rest.setToken(token);
      realtimeRef.current?.close();
      const realtime = services.openRealtime(token);
      realtimeRef.current = realtime;
      realtime.on('closed', ({ code }) => {
        // The server ended this session.
        if (code === CloseCode.unauthorized && realtimeRef.current === realtime) {
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
    const name = await store.get(NAME_KEY).catch(() => undefined);
    if (typeof name === 'string') setRememberedName(name);
    const token = (await store.get(TOKEN_KEY).catch(() => undefined)) as string | undefined;
    if (!token) {
      setAuth({ status: 'signedOut' });
      return;
    }
    rest.setToken(token);
    const forget = async () => {
      rest.setToken(undefined);
      await store.set(TOKEN_KEY, null).catch(() => {});
      setAuth({ status: 'signedOut' });
    };
    try {
      // `{"user": null}`: the stored session expired or was signed out — signed out, not an error.
      const { user } = await rest.me();
      if (user) begin(user, token);
      else await forget();
    } catch (error) {
      // 401: what servers before `{"user": null}` answered for a dead session.
      if (error instanceof ApiError && error.status === 401) await forget();
      else {
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
      return session.user;
    },
    [begin, store],
  );

  const value = useMemo(
    () => ({
      ...auth,
      rememberedName,
      continueAsGuest: async (username: string) => {
        const user = await started(await rest.guest({ username }));
        setRememberedName(user.username);
        await store.set(NAME_KEY, user.username).catch(() => {});
        return user;
      },
      signIn: async (login: string, password: string) => {
        await started(await rest.login({ login, password }));
      },
      signOut: async () => {
        await rest.logout().catch(() => {});
        realtimeRef.current?.close();
        realtimeRef.current = null;
        rest.setToken(undefined);
        await store.set(TOKEN_KEY, null).catch(() => {});
        setAuth({ status: 'signedOut' });
      },
    }),
    [auth, rememberedName, rest, started, store],
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
