import { ApiError } from '@tandem/client';
import { render, screen, userEvent } from '@testing-library/react-native';
import { Root } from '../src/App.tsx';
import { fakeServices, me, roomSummary, session } from './fakes.ts';

describe('first launch', () => {
  it('asks for a username, starts a guest session, keeps its token in the secure store and shows the front page', async () => {
    const user = userEvent.setup();
    const app = fakeServices({ rest: { guest: async () => session() } });
    await render(<Root services={app.services} />);

    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.press(screen.getByRole('button', { name: 'Continue' }));

    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
    expect(app.calls).toContainEqual(['guest', [{ username: 'alice' }]]);
    expect(await app.store.get('session')).toBe('token-0123456789');
  });

  it('checks the username against the shared schema before asking the server', async () => {
    const user = userEvent.setup();
    const app = fakeServices();
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Username'), 'a b');
    await user.press(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Username /);
    expect(app.calls).toEqual([]);
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

    const expired = fakeServices({
      token: 'stale',
      rest: {
        me: async () => {
          throw new ApiError(401, 'unauthorized', 'Your session has ended.');
        },
      },
    });
    await render(<Root services={expired.services} />);
    expect(await screen.findByLabelText('Username')).toBeOnTheScreen();
    expect(await expired.store.get('session')).toBeNull();
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

  it('refuses an empty room name with a message, without a request', async () => {
    const user = userEvent.setup();
    const app = signedIn({});
    await render(<Root services={app.services} />);
    await user.press(await screen.findByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The room name must not be empty');
    expect(app.calls.map(([name]) => name)).toEqual(['me']);
  });

  it('signs out back to the first screen and forgets the token', async () => {
    const user = userEvent.setup();
    const app = signedIn({ logout: async () => undefined });
    await render(<Root services={app.services} />);
    await user.press(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Username')).toBeOnTheScreen();
    expect(await app.store.get('session')).toBeNull();
  });
});
