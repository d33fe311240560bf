import { Navigate, Outlet, useLocation } from 'react-router';
import { useAppSelector } from '../../app/hooks.ts';
import { selectAuthStatus } from './authSlice.ts';

/** Pages that need a session (a guest's will do); others are sent to sign in and brought back. */
export function RequireSession() {
  const status = useAppSelector(selectAuthStatus);
  const location = useLocation();
  if (status !== 'signedIn') return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  return <Outlet />;
}
