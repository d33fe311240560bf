import { KeyStore, memoryStore } from '@tandem/client/e2e';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alice, room } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { setE2EDeps } from '../e2e/deps.ts';
import { CreateRoomForm } from './CreateRoomForm.tsx';

const ENCRYPTED = 'End-to-end encrypted';
const PLAIN = 'Not end-to-end encrypted';

let keys: KeyStore;
beforeEach(() => {
  keys = new KeyStore(memoryStore());
  setE2EDeps({ keys, api: {} as never });
});
afterEach(() => setE2EDeps(undefined));

function renderForm() {
  const created: unknown[] = [];
  const route: FakeRoute = ({ method, path, body }) => {
    if (method === 'POST' && path === '/rooms') {
      created.push(body);
      return {
        status: 201,
        body: { roomId: 'room-id-0009', room: room({ id: 'room-id-0009', encrypted: body?.encrypted === true }) },
      };
    }
    return { status: 404 };
  };
  renderWithProviders(<CreateRoomForm />, {
    path: '/lobby',
    route,
    preloadedState: { auth: { status: 'signedIn', user: alice, notice: null } },
  });
  return created;
}

describe('CreateRoomForm', () => {
  it('offers both kinds as labelled radios that say what each means, encrypted first and chosen', () => {
    renderForm();
    const group = screen.getByRole('group', { name: 'Who can read the messages' });
    expect(group).toBeInTheDocument();
    const encrypted = screen.getByRole('radio', { name: ENCRYPTED });
    const plain = screen.getByRole('radio', { name: PLAIN });
    expect(encrypted).toBeChecked();
    expect(plain).not.toBeChecked();
    expect(encrypted).toHaveAccessibleDescription(/Only members’ devices can read messages.*server stores ciphertext/);
    expect(plain).toHaveAccessibleDescription(/server can read messages.*new members see the history at once/);
  });

  it('creates an end-to-end encrypted room by default and keeps its key in this browser', async () => {
    const created = renderForm();
    await userEvent.type(screen.getByLabelText('Enter new room name'), 'Team Unicorns{Enter}');
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(created).toEqual([{ name: 'Team Unicorns', encrypted: true }]);
    expect((await keys.roomKeys(alice.id, 'room-id-0009')).size).toBe(1);
  });

  it('creates a plain room when that is chosen with the keyboard, and makes no key', async () => {
    const created = renderForm();
    const save = vi.spyOn(keys, 'saveRoomKey');
    // Tab to the chosen radio, then an arrow key moves to the other choice.
    screen.getByLabelText('Enter new room name').focus();
    await userEvent.tab();
    expect(screen.getByRole('radio', { name: ENCRYPTED })).toHaveFocus();
    await userEvent.keyboard('{ArrowDown}');
    expect(screen.getByRole('radio', { name: PLAIN })).toBeChecked();
    await userEvent.type(screen.getByLabelText('Enter new room name'), 'Lunch{Enter}');
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(created).toEqual([{ name: 'Lunch' }]);
    expect(save).not.toHaveBeenCalled();
  });

  it('refuses an empty name in words at the field, asks no server, and keeps the focus where it was', async () => {
    const created = renderForm();
    const create = screen.getByRole('button', { name: 'Create' });
    await userEvent.click(create);
    const field = screen.getByLabelText('Enter new room name');
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a room name.');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription('Enter a room name.');
    expect(create).toHaveFocus();
    expect(created).toEqual([]);
    await userEvent.type(field, 'x');
    expect(screen.getByRole('alert')).toHaveTextContent('');
  });

  it("shows the server's validation failure as a sentence, not as raw paths", async () => {
    renderWithProviders(<CreateRoomForm />, {
      path: '/lobby',
      route: () => ({
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            message: 'body.name: must be at most 64 characters',
            details: { issues: [{ path: 'body.name', message: 'must be at most 64 characters' }] },
          },
        },
      }),
      preloadedState: { auth: { status: 'signedIn', user: alice, notice: null } },
    });
    await userEvent.type(screen.getByLabelText('Enter new room name'), 'far too long{Enter}');
    // The alert region is always there (so it is announced); wait for its words.
    expect(await screen.findByText('Name must be at most 64 characters.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).not.toHaveTextContent('body.');
  });
});
