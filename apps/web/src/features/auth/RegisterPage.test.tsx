import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test/fixtures.ts';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { RegisterPage } from './RegisterPage.tsx';

async function fillIn() {
  await userEvent.type(screen.getByLabelText('Name'), 'Alice Liddell');
  await userEvent.type(screen.getByLabelText('Username'), 'alice');
  await userEvent.type(screen.getByLabelText('E-mail'), 'alice@example.com');
  await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery');
  await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
}

describe('RegisterPage', () => {
  it('shows a taken username at the username field', async () => {
    renderWithProviders(<RegisterPage />, {
      path: '/register',
      route: () =>
        apiError(409, 'conflict', 'The username "alice" is taken. Pick another one, or sign in if it is yours.', {
          field: 'username',
        }),
    });
    await fillIn();
    const username = screen.getByLabelText('Username');
    expect(await screen.findByText(/The username "alice" is taken/)).toBeInTheDocument();
    expect(username).toHaveAttribute('aria-invalid', 'true');
    expect(username).toHaveFocus();
    expect(screen.getByRole('alert')).toBeEmptyDOMElement();
  });

  it('tells a guest that registering keeps their history, and keeps their username', () => {
    renderWithProviders(<RegisterPage />, {
      path: '/register',
      preloadedState: {
        auth: {
          status: 'signedIn',
          user: { id: 'guest-id-001', username: 'sam', name: null, guest: true },
          notice: null,
        },
      },
    });
    expect(screen.getByText(/guest sam\. Register to keep your rooms and messages/)).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveValue('sam');
  });

  it('says a rate limit in words', async () => {
    renderWithProviders(<RegisterPage />, {
      path: '/register',
      route: () => apiError(429, 'rate_limited', 'Too many requests. Try again in 30 seconds.'),
    });
    await fillIn();
    expect(await screen.findByText('Too many requests. Try again in 30 seconds.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Too many requests. Try again in 30 seconds.');
  });
});
