import { type FormEvent, useRef, useState } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { errorMessage, fieldErrors } from '../../app/errors.ts';
import { useAppSelector } from '../../app/hooks.ts';
import { Button } from '../../components/Button.tsx';
import { CenteredLayout, linkClass } from '../../components/CenteredLayout.tsx';
import { FormError } from '../../components/FormError.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';
import { TextField } from '../../components/TextField.tsx';
import { useDocumentTitle } from '../../components/useDocumentTitle.ts';
import { useFocusFirstInvalid } from '../../components/useFocusFirstInvalid.ts';
import { useLoginMutation } from './authApi.ts';
import { selectAuthNotice, selectCurrentUser } from './authSlice.ts';
import { useReturnTo } from './useReturnTo.ts';

export function SignInPage() {
  useDocumentTitle('Sign in');
  const user = useAppSelector(selectCurrentUser);
  const notice = useAppSelector(selectAuthNotice);
  const returnTo = useReturnTo();
  const location = useLocation();
  const [login, { error, isLoading }] = useLoginMutation();
  const [values, setValues] = useState({ login: '', password: '' });
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  // Guests may sign in to an account; people signed in to one have nothing to do here.
  if (user && !user.guest) return <Navigate to={returnTo} replace />;

  const fields = fieldErrors(error);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    login(values);
  };

  return (
    <CenteredLayout>
      <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">Sign in</PageHeading>
      <p className="mt-1 text-sm text-slate-500">Welcome back. Your rooms are waiting.</p>
      {notice && <p className="mt-4 rounded-xl bg-amber-50 px-3.5 py-2.5 text-sm text-amber-900">{notice}</p>}
      <form ref={form} onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
        <TextField
          label="Username or e-mail"
          name="login"
          autoComplete="username"
          required
          value={values.login}
          onChange={(e) => setValues({ ...values, login: e.target.value })}
          error={fields.login}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={values.password}
          onChange={(e) => setValues({ ...values, password: e.target.value })}
          error={fields.password}
        />
        <FormError message={error && !fields.login && !fields.password ? errorMessage(error) : undefined} />
        <Button type="submit" busy={isLoading} className="w-full">
          Sign in
        </Button>
      </form>
      <p className="mt-6 text-center text-sm text-slate-600">
        New here?{' '}
        <Link to="/register" state={location.state} className={linkClass}>
          Create an account
        </Link>{' '}
        or{' '}
        <Link to="/" className={linkClass}>
          join as a guest
        </Link>
      </p>
    </CenteredLayout>
  );
}
