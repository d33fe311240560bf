import { keyFromFragment } from '@tandem/client/e2e';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { errorMessage } from '../../app/errors.ts';
import { useAppDispatch, useAppSelector } from '../../app/hooks.ts';
import type { AppThunk } from '../../app/store.ts';
import { CenteredLayout, linkClass } from '../../components/CenteredLayout.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { selectAuthStatus, selectCurrentUser } from '../auth/authSlice.ts';
import { GuestJoin } from '../code/GuestJoin.tsx';
import { e2eDeps } from './deps.ts';

function joinById(roomId: string): AppThunk<Promise<void>> {
  return async (_dispatch, _getState, { rest }) => {
    await rest.joinById(roomId);
  };
}

/**
 * An encrypted room's invite link, `/join/<roomId>#k=<key>`: the key is read and wiped from the
 * address bar at once, then (as a guest if there is no session) the room is joined, the key
 * stored in this browser, and the chat opened.
 */
export function InviteJoinPage() {
  const { roomId = '' } = useParams();
  const navigate = useNavigate();
  const dispatch = useAppDispatch();
  const status = useAppSelector(selectAuthStatus);
  const me = useAppSelector(selectCurrentUser);
  const [secret] = useState(() => keyFromFragment(location.hash));
  const [problem, setProblem] = useState<string>();
  useDocumentTitle('Join an encrypted room');

  // The key must not stay in the address bar, the history or a copied link.
  useEffect(() => {
    if (location.hash) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  }, []);

  const userId = me?.id;
  useEffect(() => {
    if (!secret || !userId) return;
    let live = true;
    (async () => {
      await dispatch(joinById(roomId));
      await e2eDeps().keys.saveRoomKey(userId, roomId, secret.epoch, secret.key);
      if (live) navigate(`/chat/${encodeURIComponent(roomId)}`, { replace: true });
    })().catch((error: unknown) => live && setProblem(errorMessage(error)));
    return () => {
      live = false;
    };
  }, [secret, userId, roomId, dispatch, navigate]);

  if (!secret || problem) {
    return (
      <CenteredLayout>
        <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">Cannot join</PageHeading>
        <p role="alert" className="mt-2 text-sm text-slate-600">
          {problem ?? 'This invite link has no valid key. Ask for the link again, and copy all of it.'}
        </p>
        <p className="mt-6 text-sm">
          <Link to="/lobby" className={linkClass}>
            All rooms
          </Link>
        </p>
      </CenteredLayout>
    );
  }
  if (status === 'signedOut' || !me) {
    return (
      <GuestJoin
        roomName={undefined}
        heading="Join the encrypted room"
        hint="Pick a name the others will see. Messages here are end-to-end encrypted."
      />
    );
  }
  return (
    <CenteredLayout>
      <p role="status" className="text-sm text-slate-500">
        Joining the room…
      </p>
    </CenteredLayout>
  );
}
