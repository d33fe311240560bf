import { Link } from 'react-router';
import { linkClass } from '../../components/CenteredLayout.tsx';

/** "Have an account? Sign in or register", for the guest forms; `from` is where to come back to. */
export function AccountLinks({ from }: { from?: string }) {
  const back = from ? { from } : undefined;
  return (
    <>
      Have an account?{' '}
      <Link to="/signin" state={back} className={linkClass}>
        Sign in
      </Link>{' '}
      or{' '}
      <Link to="/register" state={back} className={linkClass}>
        register
      </Link>
    </>
  );
}
