import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alice, apiError, room } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { RoomsPage } from './RoomsPage.tsx';

const signedIn = { auth: { status: 'signedIn' as const, user: alice, notice: null } };
const membership = { joinedAt: '2026-11-21T10:00:00.000Z', lastReadSeq: 40, unreadCount: 2 };
const unicorns = room({ messageCount: 42, latestSeq: 42, onlineCount: 2, membership });
const lunch = room({ id: 'room-id-0002', name: 'Lunch', messageCount: 1, latestSeq: 1 });

function server(extra: FakeRoute = () => apiError(404, 'not_found', 'No such route.')): FakeRoute & { listed: number } {
  const route = ((request) => {
    if (request.method === 'GET' && request.path === '/rooms') {
      route.listed += 1;
      return {
        status: 200,
        body: {
          rooms: route.listed > 1 ? [unicorns, lunch, room({ id: 'room-id-0003', name: 'New' })] : [unicorns, lunch],
        },
      };
    }
    return extra(request);
  }) as FakeRoute & { listed: number };
  route.listed = 0;
  return route;
}

const row = (name: string) => screen.getByRole('link', { name: new RegExp(`^${name}`) });

describe('RoomsPage', () => {
  it('lists every room with its messages, people online and your unread count', async () => {
    const { realtime } = renderWithProviders(<RoomsPage />, {
      path: '/lobby',
      preloadedState: signedIn,
      route: server(),
    });
    expect(await screen.findByText('Team Unicorns')).toBeInTheDocument();
    expect(row('Team Unicorns')).toHaveTextContent('42 messages');
    expect(row('Team Unicorns')).toHaveTextContent('2 online');
    expect(row('Team Unicorns')).toHaveTextContent('2 unread');
    expect(row('Lunch')).toHaveTextContent('1 message');
    expect(row('Lunch')).not.toHaveTextContent('unread');
    expect(realtime.watchRooms).toHaveBeenCalledWith(true);
  });

  it('leads the tab title with your unread count, kept live', async () => {
    const { realtime } = renderWithProviders(<RoomsPage />, {
      path: '/lobby',
      preloadedState: signedIn,
      route: server(),
    });
    await waitFor(() => expect(document.title).toBe('(2) Rooms · Tandem'));
    await act(async () =>
      realtime.emit('roomActivity', { type: 'room_activity', roomId: unicorns.id, onlineCount: 2, latestSeq: 45 }),
    );
    await waitFor(() => expect(document.title).toBe('(5) Rooms · Tandem'));
  });

  it('keeps the counts live, and fetches the list again for a room it has never seen', async () => {
    const route = server();
    const { realtime } = renderWithProviders(<RoomsPage />, { path: '/lobby', preloadedState: signedIn, route });
    await screen.findByText('Team Unicorns');
    await act(async () =>
      realtime.emit('roomActivity', { type: 'room_activity', roomId: unicorns.id, onlineCount: 3, latestSeq: 45 }),
    );
    await waitFor(() => expect(row('Team Unicorns')).toHaveTextContent('45 messages'));
    expect(row('Team Unicorns')).toHaveTextContent('3 online');
    expect(row('Team Unicorns')).toHaveTextContent('5 unread');
    await act(async () =>
      realtime.emit('roomActivity', { type: 'room_activity', roomId: 'room-id-0003', onlineCount: 1 }),
    );
    expect(await screen.findByText('New')).toBeInTheDocument();
    expect(route.listed).toBe(2);
  });

  it('creates a room and opens it', async () => {
    const created: unknown[] = [];
    renderWithProviders(<RoomsPage />, {
      path: '/lobby',
      preloadedState: signedIn,
      route: server(({ path, body }) => {
        created.push([path, body]);
        return { status: 201, body: { roomId: 'room-id-0009', room: room({ id: 'room-id-0009' }) } };
      }),
    });
    const create = screen.getByRole('region', { name: 'Create Room' });
    await userEvent.type(within(create).getByLabelText('Enter new room name'), 'Standup');
    await userEvent.click(within(create).getByRole('radio', { name: 'Not end-to-end encrypted' }));
    await userEvent.click(within(create).getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(created).toEqual([['/rooms', { name: 'Standup' }]]);
  });

  it('creates a code room in one click and opens its link', async () => {
    const created: unknown[] = [];
    renderWithProviders(<RoomsPage />, {
      path: '/lobby',
      preloadedState: signedIn,
      route: server(({ path, body }) => {
        created.push([path, body]);
        return { status: 201, body: { roomId: 'room-id-0009', room: room({ id: 'room-id-0009', kind: 'code' }) } };
      }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'New code room' }));
    expect(await screen.findByText('Elsewhere')).toBeInTheDocument();
    expect(created).toEqual([['/rooms', { kind: 'code' }]]);
  });

  it('links code rooms to their editor and chat rooms to their chat', async () => {
    const route: FakeRoute = ({ path }) =>
      path === '/rooms'
        ? { status: 200, body: { rooms: [unicorns, room({ id: 'room-id-0005', name: 'Pairing', kind: 'code' })] } }
        : apiError(404, 'not_found', 'No such route.');
    renderWithProviders(<RoomsPage />, { path: '/lobby', preloadedState: signedIn, route });
    expect(await screen.findByText('Pairing')).toBeInTheDocument();
    expect(row('Pairing')).toHaveAttribute('href', '/room/room-id-0005');
    expect(row('Pairing')).toHaveTextContent('code');
    expect(row('Team Unicorns')).toHaveAttribute('href', `/chat/${unicorns.id}`);
  });

  it('joins an existing room by name, and shows the server’s words for an unknown one', async () => {
    const joins: unknown[] = [];
    renderWithProviders(<RoomsPage />, {
      path: '/lobby',
      preloadedState: signedIn,
      route: server(({ body }) => {
        joins.push(body);
        return apiError(404, 'not_found', 'No room is called "Nope". Check the name, or create it.');
      }),
    });
    const join = screen.getByRole('region', { name: 'or join room' });
    const field = within(join).getByLabelText('Enter existing room name');
    await userEvent.type(field, 'Nope');
    await userEvent.click(within(join).getByRole('button', { name: 'Join' }));
    expect(
      await within(join).findByText('No room is called "Nope". Check the name, or create it.'),
    ).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(joins).toEqual([{ name: 'Nope', create: false }]);
  });

  it('says in words when the list cannot be loaded', async () => {
    renderWithProviders(<RoomsPage />, {
      path: '/lobby',
      preloadedState: signedIn,
      route: () => apiError(500, 'internal', 'Something went wrong on our side. Try again in a moment.'),
    });
    expect(await screen.findByText('Something went wrong on our side. Try again in a moment.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
