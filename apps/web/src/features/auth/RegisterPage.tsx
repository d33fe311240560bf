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
import { useRegisterMutation } from './authApi.ts';
import { selectCurrentUser } from './authSlice.ts';
import { useReturnTo } from './useReturnTo.ts';

const FIELDS = ['name', 'username', 'email', 'password'] as const;

export function RegisterPage() {
  useDocumentTitle('Create an account');
  const user = useAppSelector(selectCurrentUser);
  const returnTo = useReturnTo();
  const location = useLocation();
  const [register, { error, isLoading }] = useRegisterMutation();
  // A guest keeps its username (and, on the server, its rooms and messages) unless it picks another.
  const [values, setValues] = useState({ name: '', username: user?.username ?? '', email: '', password: '' });
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  if (user && !user.guest) return <Navigate to={returnTo} replace />;

  const fields = fieldErrors(error);
  const set = (field: (typeof FIELDS)[number]) => (e: { target: { value: string } }) =>
    setValues({ ...values, [field]: e.target.value });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    register(values);
  };

  return (
    <CenteredLayout>
      <PageHeading className="text-2xl font-bold tracking-tight text-slate-900">Create an account</PageHeading>
      <p className="mt-1 text-sm text-slate-500">
        {user?.guest
          ? `You are chatting as the guest ${user.username}. Register to keep your rooms and messages.`
          : 'Chat in rooms, in real time, from any device.'}
      </p>
      <form ref={form} onSubmit={onSubmit} className="mt-6 space-y-4" noValidate>
        <TextField
          label="Name"
          name="name"
          autoComplete="name"
          required
          value={values.name}
          onChange={set('name')}
          error={fields.name}
        />
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          value={values.username}
          onChange={set('username')}
          error={fields.username}
          hint="3–32 letters, digits, “_”, “-” or “.”"
        />
        <TextField
          label="E-mail"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={values.email}
          onChange={set('email')}
          error={fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={values.password}
          onChange={set('password')}
          error={fields.password}
          hint="At least 8 characters"
        />
        <FormError message={error && !FIELDS.some((f) => fields[f]) ? errorMessage(error) : undefined} />
        <Button type="submit" busy={isLoading} className="w-full">
          Create account
        </Button>
      </form>
      <p className="mt-6 text-center text-sm text-slate-600">
        Have an account?{' '}
        <Link to="/signin" state={location.state} className={linkClass}>
          Sign in
        </Link>
      </p>
    </CenteredLayout>
  );
}
