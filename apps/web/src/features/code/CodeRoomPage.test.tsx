import {
  CODE_LANGUAGE_KEY,
  CODE_LEFT_ROOM,
  CODE_META,
  CODE_SESSION_UNCHECKED,
  CODE_TEXT,
  CodeCloseCode,
} from '@tandem/protocol/constants';
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { createFakeRealtime } from '../../test/fakeRealtime.ts';
import { alice, apiError, asUser, joined, ROOM_ID, room } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { CodeRoomPage } from './CodeRoomPage.tsx';
import './test/jsdomLayout.ts';

type Handler = (payload: never) => void;

/** Stands in for Hocuspocus: the test plays the server's side (status, synced, authenticated…). */
class FakeProvider {
  static last: FakeProvider | undefined;
  readonly configuration: { url: string; name: string; document: Y.Doc; token: unknown };
  readonly awareness: Awareness;
  readonly handlers = new Map<string, Handler[]>();
  destroyed = false;
  readonly sendToken = vi.fn(async () => {});
  readonly startSync = vi.fn();
  readonly disconnect = vi.fn();
  constructor(configuration: FakeProvider['configuration']) {
    this.configuration = configuration;
    this.awareness = new Awareness(configuration.document);
    FakeProvider.last = this;
  }
  on(event: string, handler: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }
  emit(event: string, payload: unknown) {
    for (const handler of this.handlers.get(event) ?? []) (handler as (p: unknown) => void)(payload);
  }
  destroy() {
    this.destroyed = true;
  }
}

vi.mock('@hocuspocus/provider', () => ({
  HocuspocusProvider: class {
    constructor(configuration: FakeProvider['configuration']) {
      // biome-ignore lint/correctness/noConstructorReturn: the module's class stands for the fake.
      return new FakeProvider(configuration);
    }
  },
  WebSocketStatus: { Connecting: 'connecting', Connected: 'connected', Disconnected: 'disconnected' },
}));

const codeRoom = room({ name: 'Pairing', kind: 'code' });
const path = `/room/${ROOM_ID}`;
const signedIn = { auth: { status: 'signedIn' as const, user: alice, notice: null } };
const signedOut = { auth: { status: 'signedOut' as const, user: null, notice: null } };

function server(requests: unknown[] = [], kind: 'code' | 'chat' = 'code'): FakeRoute {
  return ({ method, path: url, body }) => {
    requests.push({ method, path: url, body });
    if (method === 'GET' && url === `/rooms/${ROOM_ID}`) return { status: 200, body: { ...codeRoom, kind } };
    if (method === 'POST' && url === '/auth/guest') {
      const user = { id: 'sam-id-000001', username: 'sam', name: null, guest: true };
      return { status: 201, body: { user, token: 't', expiresAt: '2026-12-21T11:31:00.000Z' } };
    }
    if (method === 'GET' && url === '/auth/me') {
      return { status: 200, body: { user: { ...asUser(alice), id: 'sam-id-000001', username: 'sam', name: null } } };
    }
    return apiError(404, 'not_found', 'No such route.');
  };
}

/** The server lets the socket in and sends the document. */
function serverAccepts(provider: FakeProvider | undefined) {
  act(() => {
    provider?.configuration.document.transact(() => {
      provider.configuration.document.getMap(CODE_META).set(CODE_LANGUAGE_KEY, 'python');
      provider.configuration.document.getText(CODE_TEXT).insert(0, 'print("hi")\n');
    });
    provider?.emit('status', { status: 'connected' });
    provider?.emit('authenticated', { scope: 'read-write' });
    provider?.emit('synced', { state: true });
  });
}

const realtime = () => createFakeRealtime((roomId) => joined({ room: { ...codeRoom, id: roomId } }));

afterEach(() => {
  FakeProvider.last = undefined;
});

describe('CodeRoomPage', () => {
  it('asks someone without a session for a name, makes them a guest and opens the room right there', async () => {
    const requests: unknown[] = [];
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedOut,
      route: server(requests),
      realtime: realtime(),
    });
    expect(await screen.findByText('Pairing')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Join the code room' })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Your name'), 'sam');
    await userEvent.click(screen.getByRole('button', { name: 'Join as guest' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Pairing' })).toBeInTheDocument();
    expect(requests).toContainEqual({ method: 'POST', path: '/auth/guest', body: { username: 'sam' } });
    expect(requests).toContainEqual({ method: 'GET', path: '/auth/me', body: undefined });
    const provider = FakeProvider.last;
    expect(provider?.configuration).toMatchObject({ name: ROOM_ID, token: null });
    expect(provider?.configuration.url).toMatch(/^ws:\/\/.+\/ws\/code$/);
    // The cursor label and the people list show this name, in this person's colour.
    expect(provider?.awareness.getLocalState()?.user).toMatchObject({ id: 'sam-id-000001', name: 'sam' });
  });

  it('shows the connection, who is here, and the editor once the document arrived; nothing is inserted', async () => {
    const { realtime: socket } = renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    expect(await screen.findByText('Connecting…')).toBeInTheDocument();
    expect(screen.getByText('Loading the code…')).toBeInTheDocument();
    const provider = FakeProvider.last;
    // Nothing is written by this client before (or after) the server's document arrives.
    expect(provider?.configuration.document.getText(CODE_TEXT).toString()).toBe('');
    serverAccepts(provider);
    expect(await screen.findByText('Live')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Code' })).toHaveTextContent('print("hi")');
    expect(provider?.configuration.document.getText(CODE_TEXT).toString()).toBe('print("hi")\n');
    const here = screen.getByRole('list', { name: 'Here now' });
    expect(within(here).getByText('Alice Liddell')).toBeInTheDocument();
    // Let in by the code socket, the page joins the room's chat too.
    expect(socket.join).toHaveBeenCalledWith({ roomId: ROOM_ID });

    // The others show up as their awareness states arrive.
    act(() => {
      provider?.awareness.states.set(4242, { user: { id: 'bob-id', name: 'bob', color: '#0369a1' } });
      provider?.awareness.emit('change', [{ added: [4242], updated: [], removed: [] }, 'remote']);
    });
    expect(within(here).getByText('bob')).toBeInTheDocument();
    expect(screen.getByText('Code room · 2 here')).toBeInTheDocument();
  });

  it('opens the chat in a drawer on narrow screens, and Escape closes it', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    await screen.findByText('Connecting…');
    serverAccepts(FakeProvider.last);
    await userEvent.click(screen.getByRole('button', { name: /Chat/ }));
    const drawer = screen.getByRole('dialog', { name: 'Chat' });
    expect(await within(drawer).findByPlaceholderText('Start typing...')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Chat' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Chat/ })).toHaveFocus();
  });

  it('keeps focus and typing inside the chat drawer: the editor behind is inert until it closes', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    await screen.findByText('Connecting…');
    serverAccepts(FakeProvider.last);
    const chat = screen.getByRole('button', { name: /Chat/ });
    await userEvent.click(chat);
    const drawer = screen.getByRole('dialog', { name: 'Chat' });
    const close = within(drawer).getByRole('button', { name: 'Close' });
    expect(close).toHaveFocus();
    const editor = await screen.findByRole('textbox', { name: 'Code' });
    expect(editor.closest('[inert]')).not.toBeNull();
    expect(chat.closest('[inert]')).not.toBeNull();
    // Shift+Tab from Close goes round to the drawer's last control, not out to the page.
    await within(drawer).findByPlaceholderText('Start typing...');
    await userEvent.tab({ shift: true });
    expect(drawer).toContainElement(document.activeElement as HTMLElement);
    expect(close).not.toHaveFocus();

    // A tap beside the drawer closes it; the editor is back, and focus is on Chat.
    await userEvent.click(drawer.previousElementSibling as HTMLElement);
    expect(screen.queryByRole('dialog', { name: 'Chat' })).not.toBeInTheDocument();
    expect(editor.closest('[inert]')).toBeNull();
    expect(chat).toHaveFocus();
  });

  it('says when the server refuses the room’s document', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    await screen.findByText('Connecting…');
    act(() => FakeProvider.last?.emit('authenticationFailed', { reason: 'permission-denied' }));
    expect(await screen.findByText('Access refused')).toBeInTheDocument();
    expect(screen.getByText(/The server refused this room’s code/)).toBeInTheDocument();
  });

  it('sends its token again with backoff while the server cannot check the session, showing it as connecting', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    await screen.findByText('Connecting…');
    vi.useFakeTimers();
    try {
      const provider = FakeProvider.last;
      if (!provider) throw new Error('no provider');
      const refuse = () =>
        act(() => {
          provider.emit('status', { status: 'connected' });
          provider.emit('authenticationFailed', { reason: CODE_SESSION_UNCHECKED });
        });
      refuse();
      expect(screen.getByText('Connecting…')).toBeInTheDocument();
      expect(screen.queryByText('Access refused')).not.toBeInTheDocument();
      expect(screen.queryByText(/The server refused this room’s code/)).not.toBeInTheDocument();
      // About a second (±25%), then the token again on the same socket, and the sync it carried.
      await act(() => vi.advanceTimersByTimeAsync(700));
      expect(provider.sendToken).not.toHaveBeenCalled();
      await act(() => vi.advanceTimersByTimeAsync(600));
      expect(provider.sendToken).toHaveBeenCalledTimes(1);
      expect(provider.startSync).toHaveBeenCalledTimes(1);
      // Refused the same way again: about two seconds this time.
      refuse();
      await act(() => vi.advanceTimersByTimeAsync(1400));
      expect(provider.sendToken).toHaveBeenCalledTimes(1);
      await act(() => vi.advanceTimersByTimeAsync(1200));
      expect(provider.sendToken).toHaveBeenCalledTimes(2);
      expect(screen.queryByText('Access refused')).not.toBeInTheDocument();
      // Then let in: live, and no more retries.
      serverAccepts(provider);
      expect(screen.getByText('Live')).toBeInTheDocument();
      await act(() => vi.advanceTimersByTimeAsync(60_000));
      expect(provider.sendToken).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops, and says so, when its user left the room on another device', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    await screen.findByText('Connecting…');
    const provider = FakeProvider.last;
    serverAccepts(provider);
    act(() => provider?.emit('close', { event: { code: 1000, reason: CODE_LEFT_ROOM } }));
    expect(await screen.findByText('Access refused')).toBeInTheDocument();
    expect(screen.getByText(/You left this room/)).toBeInTheDocument();
    // Reconnecting would open the editor, and so join the room, again.
    expect(provider?.disconnect).toHaveBeenCalled();
    expect(provider?.sendToken).not.toHaveBeenCalled();
  });

  it('shows why the server cut the editor off (an edit past the document’s size), while it reconnects', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server(),
      realtime: realtime(),
    });
    await screen.findByText('Connecting…');
    const provider = FakeProvider.last;
    serverAccepts(provider);
    const reason = "This code room's document is full (512 KB): your last edit was not saved.";
    act(() => {
      provider?.emit('close', { event: { code: CodeCloseCode.documentFull, reason } });
      provider?.emit('status', { status: 'disconnected' });
    });
    expect(await screen.findByText(reason)).toHaveAttribute('role', 'alert');
    // A frame too large for the server closes without words of its own: the editor says it.
    act(() => provider?.emit('close', { event: { code: 1009, reason: '' } }));
    expect(await screen.findByText('That edit was too large to send.')).toHaveAttribute('role', 'alert');
  });

  it('sends a chat room’s link to its chat, and says so for an unknown room', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: server([], 'chat'),
    });
    expect(await screen.findByText('This is a chat room: it has no shared code editor.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open the chat' })).toHaveAttribute('href', `/chat/${ROOM_ID}`);
    expect(FakeProvider.last).toBeUndefined();
  });

  it('shows the server’s words for a room that does not exist', async () => {
    renderWithProviders(<CodeRoomPage />, {
      path,
      pattern: '/room/:roomId',
      preloadedState: signedIn,
      route: () => apiError(404, 'not_found', 'No room has this id.'),
    });
    expect(await screen.findByText('No room has this id.')).toBeInTheDocument();
    expect(FakeProvider.last).toBeUndefined();
  });
});
