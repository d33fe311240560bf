import type { ReactNode } from 'react';
import { errorMessage } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import { Button } from '../../components/Button.tsx';
import { Logo } from '../../components/Logo.tsx';
import { useMeQuery } from './authApi.ts';
import { selectAuthStatus } from './authSlice.ts';

/**
 * Holds the app until the server said who is signed in (the session cookie survives a refresh
 * and a reopened tab, but only `GET /auth/me` can read it). A server that cannot be reached is
 * said in words, with a way to try again.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const status = useAppSelector(selectAuthStatus);
  const { error, refetch, isFetching } = useMeQuery();
  if (status !== 'unknown') return children;
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center gap-4 bg-surface px-6 text-center">
      <Logo className="size-12" />
      {error && !isFetching ? (
        <div role="alert" className="max-w-sm space-y-4">
          <p className="text-slate-700">{errorMessage(error)}</p>
          <Button onClick={() => refetch()}>Try again</Button>
        </div>
      ) : (
        <p role="status" className="text-sm text-slate-500">
          Loading…
        </p>
      )}
    </div>
  );
}
