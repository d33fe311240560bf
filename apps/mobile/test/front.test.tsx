import { ApiError } from '@tandem/client';
import { USERNAME_MIN } from '@tandem/protocol';
import { fireEvent, render, screen, userEvent } from '@testing-library/react-native';
import { Root } from '../src/App.tsx';
import { fakeServices, me, roomSummary, session } from './fakes.ts';

describe('first launch', () => {
  it('opens on seed 000\'s front page, with "Your name" above Create Room and no other screen first', async () => {
    const app = fakeServices();
    await render(<Root services={app.services} />);
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
    const name = screen.getByLabelText('Your name');
    expect(name).toHaveDisplayValue('');
    expect(screen.getByText('Your name')).toBeOnTheScreen();
    expect(screen.getByPlaceholderText('Enter new room name')).toBeOnTheScreen();
    expect(screen.getByRole('header', { name: 'or join room' })).toBeOnTheScreen();
    expect(screen.getByPlaceholderText('Enter existing room name')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'I have an account: sign in' })).toBeOnTheScreen();
    expect(screen.queryByText('What should we call you?')).not.toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Continue' })).not.toBeOnTheScreen();
    expect(app.calls).toEqual([]);
  });

  it('creating a room with no session makes the guest session under that name first, then the encrypted room', async () => {
    const user = userEvent.setup();
    const app = fakeServices({
      rest: {
        guest: async () => session(),
        createRoom: async () => ({ roomId: 'room-new-0001', room: roomSummary({ id: 'room-new-0001' }) }),
      },
    });
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Your name'), 'alice');
    await user.type(screen.getByLabelText('Enter new room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Create' }));

    expect(await screen.findByRole('header', { name: 'Team Unicorns' })).toBeOnTheScreen();
    expect(app.calls).toEqual([
      ['guest', [{ username: 'alice' }]],
      ['createRoom', [{ name: 'Team Unicorns', encrypted: true }]],
    ]);
    // The new session made the room: it sent its token, and the key is kept under its user.
    expect(app.tokens).toEqual([undefined, 'token-0123456789']);
    expect((await app.keys.roomKeys(me.id, 'room-new-0001')).get(1)).toHaveLength(32);
    expect(await app.store.get('session')).toBe('token-0123456789');
    expect(await app.store.get('name')).toBe('alice');
  });

  it('joining a room by name with no session makes the guest first too', async () => {
    const user = userEvent.setup();
    const app = fakeServices({
      rest: { guest: async () => session(), joinByName: async () => ({ room: roomSummary() }) },
    });
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Your name'), 'alice');
    await user.type(screen.getByLabelText('Enter existing room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Join' }));

    expect(await screen.findByRole('header', { name: 'Team Unicorns' })).toBeOnTheScreen();
    expect(app.calls).toEqual([
      ['guest', [{ username: 'alice' }]],
      ['joinByName', [{ name: 'Team Unicorns', create: false }]],
    ]);
    expect(app.tokens).toEqual([undefined, 'token-0123456789']);
  });

  it('checks the name against the shared username schema before any request, and says what is wrong', async () => {
    const user = userEvent.setup();
    const app = fakeServices();
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Enter new room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter your name first: it is how the others see you.');

    await user.type(screen.getByLabelText('Your name'), 'a b');
    await user.press(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your name may contain only letters, digits, "_", "-" and ".", and must start with a letter or digit',
    );

    await user.clear(screen.getByLabelText('Your name'));
    await user.type(screen.getByLabelText('Your name'), 'a');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    // Both fields are checked at once: each says what is wrong with it.
    expect(await screen.findByText(`Your name must be at least ${USERNAME_MIN} characters`)).toBeOnTheScreen();
    expect(screen.getByText('The room name must not be empty')).toBeOnTheScreen();
    expect(screen.getAllByRole('alert')).toHaveLength(2);
    expect(app.calls).toEqual([]);
  });

  it('keeps the person on the front page, name field and all, when the name is taken', async () => {
    const user = userEvent.setup();
    const app = fakeServices({
      rest: {
        guest: async () => {
          throw new ApiError(409, 'conflict', 'The username "alice" is taken.');
        },
      },
    });
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Your name'), 'alice');
    await user.type(screen.getByLabelText('Enter new room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The name "alice" is taken. Pick another one, or sign in if it is yours.',
    );
    expect(app.calls.map(([name]) => name)).toEqual(['guest']);
    expect(screen.getByLabelText('Your name')).toHaveDisplayValue('alice');
    expect(await app.store.get('session')).toBeUndefined();
  });

  it('remembers the name on the phone: it is filled in on the next launch without a session, and after signing out', async () => {
    const remembered = fakeServices({ name: 'alice' });
    const first = await render(<Root services={remembered.services} />);
    expect(await screen.findByLabelText('Your name')).toHaveDisplayValue('alice');
    expect(remembered.calls).toEqual([]);
    await first.unmount();

    const user = userEvent.setup();
    const app = fakeServices({
      rest: {
        guest: async () => session(),
        joinByName: async () => ({ room: roomSummary() }),
        logout: async () => undefined,
      },
    });
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Your name'), 'alice');
    await user.type(screen.getByLabelText('Enter existing room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    await user.press(await screen.findByRole('button', { name: 'Back to rooms' }));
    // Signed in: the name is shown in the bar, no field to fill.
    expect(await screen.findByRole('button', { name: 'Sign out' })).toBeOnTheScreen();
    expect(screen.queryByLabelText('Your name')).not.toBeOnTheScreen();
    await user.press(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Your name')).toHaveDisplayValue('alice');
    expect(await app.store.get('session')).toBeNull();
  });

  it('lets a person with an account sign in, and says so when the password is wrong', async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const app = fakeServices({
      rest: {
        login: async () => {
          attempts += 1;
          if (attempts === 1) throw new ApiError(401, 'unauthorized', 'Wrong username or password.');
          return session();
        },
      },
    });
    await render(<Root services={app.services} />);
    await user.press(await screen.findByRole('button', { name: 'I have an account: sign in' }));
    // Back to the front page and there again: the way to sign in stays reachable.
    await user.press(await screen.findByRole('button', { name: 'Continue as a guest instead' }));
    await user.press(await screen.findByRole('button', { name: 'I have an account: sign in' }));
    await user.type(screen.getByLabelText('Username or e-mail'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.press(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Wrong username or password.')).toBeOnTheScreen();
    await user.press(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
  });

  it('opens signed in with a stored token, and on the first screen when the server no longer knows it', async () => {
    const known = fakeServices({ token: 'stored', rest: { me: async () => ({ user: session().user }) } });
    const first = await render(<Root services={known.services} />);
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
    await first.unmount();

    // The server answers `{"user": null}` for a session it no longer knows (older servers: 401).
    const answers = [
      async () => ({ user: null }),
      async () => {
        throw new ApiError(401, 'unauthorized', 'Your session has ended.');
      },
    ];
    for (const me of answers) {
      const expired = fakeServices({ token: 'stale', rest: { me } });
      const shown = await render(<Root services={expired.services} />);
      expect(await screen.findByLabelText('Your name')).toBeOnTheScreen();
      expect(screen.getByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
      expect(screen.queryByRole('alert')).toBeNull();
      expect(await expired.store.get('session')).toBeNull();
      await shown.unmount();
    }
  });

  it('says where it looked when the server cannot be reached, and tries again on request', async () => {
    const user = userEvent.setup();
    let up = false;
    const app = fakeServices({
      token: 'stored',
      rest: {
        me: async () => {
          if (!up) throw new ApiError(0, 'network', 'Cannot reach the server.');
          return { user: session().user };
        },
      },
    });
    await render(<Root services={app.services} />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Cannot reach Tandem at http:\/\/tandem.test\./);
    up = true;
    await user.press(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
  });
});

describe('the front page', () => {
  const signedIn = (
    rest: Parameters<typeof fakeServices>[0] extends infer O ? (O extends { rest?: infer R } ? R : never) : never,
  ) => fakeServices({ token: 'stored', rest: { me: async () => ({ user: session().user }), ...rest } });

  it('shows seed 000: "Create Room" with a blue Create, "or join room" with a green Join', async () => {
    await render(<Root services={signedIn({}).services} />);
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
    expect(screen.getByPlaceholderText('Enter new room name')).toBeOnTheScreen();
    expect(screen.getByRole('header', { name: 'or join room' })).toBeOnTheScreen();
    expect(screen.getByPlaceholderText('Enter existing room name')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Create' })).toHaveStyle({ backgroundColor: '#2563eb' });
    expect(screen.getByRole('button', { name: 'Join' })).toHaveStyle({ backgroundColor: '#16a34a' });
  });

  it('creates an encrypted room whose key is made and kept on the phone, then opens its chat page', async () => {
    const user = userEvent.setup();
    const app = signedIn({
      createRoom: async () => ({ roomId: 'room-new-0001', room: { ...roomSummary({ id: 'room-new-0001' }) } }),
    });
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Enter new room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Create' }));

    expect(await screen.findByRole('header', { name: 'Team Unicorns' })).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Back to rooms' })).toBeOnTheScreen();
    // The server was told the name and that it is encrypted, never a key.
    const create = app.calls.find(([name]) => name === 'createRoom');
    expect(create?.[1]).toEqual([{ name: 'Team Unicorns', encrypted: true }]);
    const keys = await app.keys.roomKeys(me.id, 'room-new-0001');
    expect(keys.get(1)).toHaveLength(32);
  });

  it('joins an existing room by name only (a typo never creates one) and explains an unknown name', async () => {
    const user = userEvent.setup();
    const app = signedIn({
      joinByName: async (body: never) => {
        const { name } = body as { name: string };
        if (name !== 'Team Unicorns') throw new ApiError(404, 'not_found', `No room is named "${name}".`);
        return { room: roomSummary() };
      },
    });
    await render(<Root services={app.services} />);
    const field = await screen.findByLabelText('Enter existing room name');
    await user.type(field, 'Team Unicrons');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(
      await screen.findByText('No room is called "Team Unicrons". Check the name, or create it above.'),
    ).toBeOnTheScreen();
    expect(app.calls.find(([name]) => name === 'joinByName')?.[1]).toEqual([{ name: 'Team Unicrons', create: false }]);

    await user.clear(field);
    await user.type(field, 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('header', { name: 'Team Unicorns' })).toBeOnTheScreen();
  });

  it("marks the focused field with the app's own blue ring, not the browser's outline", async () => {
    await render(<Root services={signedIn({}).services} />);
    const field = await screen.findByLabelText('Enter new room name');
    // At rest: no outline at all (the web build's default black one included), a light border.
    expect(field).toHaveStyle({ outlineStyle: 'solid', outlineWidth: 0, borderColor: '#e2e8f0' });
    await fireEvent(field, 'focus');
    expect(field).toHaveStyle({ outlineWidth: 1, outlineColor: '#2563eb', borderColor: '#2563eb' });
    await fireEvent(field, 'blur');
    expect(field).toHaveStyle({ outlineWidth: 0, borderColor: '#e2e8f0' });
  });

  it('refuses an empty room name with a message, without a request', async () => {
    const user = userEvent.setup();
    const app = signedIn({});
    await render(<Root services={app.services} />);
    await user.press(await screen.findByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The room name must not be empty');
    expect(app.calls.map(([name]) => name)).toEqual(['me']);
  });

  it('signs out back to the front page with its name field, and forgets the token', async () => {
    const user = userEvent.setup();
    const app = signedIn({ logout: async () => undefined });
    await render(<Root services={app.services} />);
    expect(await screen.findByText('alice')).toBeOnTheScreen();
    expect(screen.queryByLabelText('Your name')).not.toBeOnTheScreen();
    await user.press(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Your name')).toBeOnTheScreen();
    expect(await app.store.get('session')).toBeNull();
  });
});
