import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { alice } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { CreateRoomForm } from './CreateRoomForm.tsx';

// The encryption code is fetched when an encrypted room is made (the lobby's script leaves it
// out); here that fetch fails, as it would with the connection gone.
vi.mock('../e2e/deps.ts', () => {
  throw new Error('Failed to fetch dynamically imported module');
});

describe('CreateRoomForm without its encryption code', () => {
  it('says so and makes no room, rather than a room without its key', async () => {
    const requests: string[] = [];
    const route: FakeRoute = ({ method, path }) => {
      requests.push(`${method} ${path}`);
      return { status: 404 };
    };
    renderWithProviders(<CreateRoomForm />, {
      path: '/lobby',
      route,
      preloadedState: { auth: { status: 'signedIn', user: alice, notice: null } },
    });
    await userEvent.type(screen.getByLabelText('Enter new room name'), 'Team Unicorns{Enter}');
    expect(await screen.findByText(/encryption code could not be loaded/)).toBeInTheDocument();
    expect(requests).not.toContain('POST /rooms');
  });
});
