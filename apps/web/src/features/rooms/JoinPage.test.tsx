import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alice, apiError, room } from '../../test/fixtures.ts';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { JoinPage } from './JoinPage.tsx';

describe('JoinPage', () => {
  it('joins as a guest with a username and a room name, in one call, and opens the room', async () => {
    const bodies: unknown[] = [];
    const { store } = renderWithProviders(<JoinPage />, {
      route: ({ path, body }) => {
        bodies.push(body);
        if (path !== '/rooms/join') return apiError(404, 'not_found', 'No');
        const user = { id: 'guest-id-001', username: 'sam', name: null, guest: true };
        return {
          status: 201,
          body: { room: room(), created: true, session: { token: 't', expiresAt: room().createdAt, user } },
        };
      },
    });
    await userEvent.type(screen.getByLabelText('Username'), 'sam');
    await userEvent.type(screen.getByLabelText('Room name'), 'Team Unicorns');
    await userEvent.click(screen.getByRole('button', { name: 'Join room' }));
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(bodies).toEqual([{ name: 'Team Unicorns', username: 'sam' }]);
    expect(store.getState().auth).toMatchObject({ status: 'signedIn', user: { username: 'sam', guest: true } });
  });

  it('does not ask a signed-in person for a username', async () => {
    const bodies: unknown[] = [];
    renderWithProviders(<JoinPage />, {
      preloadedState: { auth: { status: 'signedIn', user: alice, notice: null } },
      route: ({ body }) => {
        bodies.push(body);
        return { status: 200, body: { room: room(), created: false } };
      },
    });
    expect(screen.queryByLabelText('Username')).not.toBeInTheDocument();
    expect(screen.getByText('You are signed in as Alice Liddell.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Room name'), 'Team Unicorns{Enter}');
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(bodies).toEqual([{ name: 'Team Unicorns' }]);
  });

  it('shows a taken guest username at the field', async () => {
    renderWithProviders(<JoinPage />, {
      route: () => apiError(409, 'conflict', 'The username "sam" is taken.', { field: 'username' }),
    });
    await userEvent.type(screen.getByLabelText('Username'), 'sam');
    await userEvent.type(screen.getByLabelText('Room name'), 'Lunch{Enter}');
    expect(await screen.findByText('The username "sam" is taken.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');
  });
});
