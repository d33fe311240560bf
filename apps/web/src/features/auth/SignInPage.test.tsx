import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alice, apiError, asUser } from '../../test/fixtures.ts';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { SignInPage } from './SignInPage.tsx';

const session = { user: asUser(alice), token: 't', expiresAt: '2026-12-21T11:31:00.000Z' };

describe('SignInPage', () => {
  it('signs in and goes to the rooms', async () => {
    const requests: unknown[] = [];
    renderWithProviders(<SignInPage />, {
      path: '/signin',
      route: ({ method, path, body }) => {
        requests.push({ method, path, body });
        return { status: 200, body: session };
      },
    });
    expect(screen.getByRole('heading', { level: 1, name: 'Sign in' })).toHaveFocus();
    await userEvent.type(screen.getByLabelText('Username or e-mail'), 'alice');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(requests).toEqual([
      { method: 'POST', path: '/auth/login', body: { login: 'alice', password: 'correct horse battery' } },
    ]);
  });

  it('shows a wrong password in words', async () => {
    renderWithProviders(<SignInPage />, {
      path: '/signin',
      route: () => apiError(401, 'unauthorized', 'Wrong username, e-mail or password.'),
    });
    await userEvent.type(screen.getByLabelText('Username or e-mail'), 'alice');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Wrong username, e-mail or password.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Wrong username, e-mail or password.');
  });

  it('shows a validation error at its field and puts the cursor there', async () => {
    renderWithProviders(<SignInPage />, {
      path: '/signin',
      route: () =>
        apiError(400, 'validation_failed', 'body.login: must not be empty', {
          issues: [{ path: 'body.login', message: 'must not be empty' }],
        }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const field = screen.getByLabelText('Username or e-mail');
    expect(await screen.findByText('Must not be empty')).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription('Must not be empty');
    expect(field).toHaveFocus();
  });
});
