import { Link } from 'react-router';
import { errorMessage } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import { linkClass } from '../../components/CenteredLayout.tsx';
import { ThemeSelect } from '../theme/ThemeSelect.tsx';
import { useLogoutMutation } from './authApi.ts';
import { displayName, selectCurrentUser } from './authSlice.ts';

/** Who is signed in, a way to register for guests, the theme, and sign out. */
export function AccountBar() {
  const user = useAppSelector(selectCurrentUser);
  const [logout, { error, isLoading }] = useLogoutMutation();
  if (!user) return null;
  return (
    <div className="flex items-center gap-3 text-sm">
      <span className="max-w-32 truncate text-slate-600 sm:max-w-48">
        {displayName(user)}
        {user.guest && (
          <span className="ml-1.5 rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600">guest</span>
        )}
      </span>
      {user.guest && (
        <Link to="/register" className={linkClass}>
          Register
        </Link>
      )}
      <ThemeSelect />
      <button
        type="button"
        onClick={() => logout()}
        disabled={isLoading}
        className="rounded-lg px-2.5 py-1.5 font-medium text-slate-700 ring-1 ring-slate-300 ring-inset outline-none hover:bg-slate-50 focus-visible:ring-4 focus-visible:ring-blue-300"
      >
        Sign out
      </button>
      {error && (
        <p role="alert" className="text-red-700">
          {errorMessage(error)}
        </p>
      )}
    </div>
  );
}
