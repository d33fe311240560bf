import { RealtimeError } from '@tandem/client';
import type { Message, ServerFrameOf } from '@tandem/protocol';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeRealtime } from '../../test/fakeRealtime.ts';
import { alice, apiError, bob, joined, message, ROOM_ID } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { fileOf, installFakeXhr } from '../attachments/fakeXhr.ts';
import { ChatPage } from './ChatPage.tsx';

// Every message bubble drawn, counted: a change re-renders only the rows it changed.
const bubbles = vi.hoisted(() => ({ rendered: 0 }));
// The page around the conversation: its header re-renders whenever the page does.
const headers = vi.hoisted(() => ({ rendered: 0 }));
vi.mock('./ChatHeader.tsx', async (importOriginal) => {
  const original = await importOriginal<typeof import('./ChatHeader.tsx')>();
  const { createElement } = await import('react');
  return {
    ...original,
    ChatHeader: (props: Parameters<typeof original.ChatHeader>[0]) => {
      headers.rendered += 1;
      return createElement(original.ChatHeader, props);
    },
  };
});
vi.mock('./MessageBubble.tsx', async (importOriginal) => {
  const original = await importOriginal<typeof import('./MessageBubble.tsx')>();
  const { createElement } = await import('react');
  return {
    ...original,
    MessageBubble: (props: Parameters<typeof original.MessageBubble>[0]) => {
      bubbles.rendered += 1;
      return createElement(original.MessageBubble, props);
    },
  };
});

const members = [
  { user: alice, joinedAt: '2026-11-21T10:00:00.000Z', lastReadSeq: 0 },
  { user: bob, joinedAt: '2026-11-21T10:00:00.000Z', lastReadSeq: 0 },
];

const server: FakeRoute = ({ path }) => {
  if (path === `/rooms/${ROOM_ID}/members`) return { status: 200, body: { members } };
  if (path.startsWith(`/rooms/${ROOM_ID}/messages?before=3`)) {
    return { status: 200, body: { messages: [message(1, bob, 'the very first')], hasMore: false, latestSeq: 4 } };
  }
  return apiError(404, 'not_found', 'No such route.');
};

function openRoom(snapshot: Partial<ServerFrameOf<'joined'>> = {}) {
  const realtime = createFakeRealtime(() =>
    joined({ messages: [message(3, alice, 'Anyone on for lunch today'), message(4, bob, 'Let me know')], ...snapshot }),
  );
  const result = renderWithProviders(<ChatPage />, {
    path: `/chat/${ROOM_ID}`,
    pattern: '/chat/:roomId',
    realtime,
    route: server,
    preloadedState: {
      auth: { status: 'signedIn', user: alice, notice: null },
      connection: { status: 'open', wasOpen: true, problem: null },
    },
  });
  return { ...result, realtime };
}

const list = () => screen.getByRole('list', { name: 'Messages' });
const item = (text: string) => within(list()).getByText(text).closest('li') as HTMLElement;
const emit = (fn: () => void) => act(async () => fn());

afterEach(() => vi.unstubAllGlobals());

describe('ChatPage', () => {
  it('shows the room like seed 000: back arrow, name, your messages right and the others’ with their name', async () => {
    const { realtime } = openRoom();
    expect(await screen.findByRole('heading', { level: 1, name: 'Team Unicorns' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back' })).toHaveAttribute('href', '/lobby');
    // A plain room says so, as the phone app does: never left to guess.
    expect(screen.getByRole('banner')).toHaveTextContent(/Not end-to-end encrypted/);
    expect(realtime.join).toHaveBeenCalledWith({ roomId: ROOM_ID });
    expect(item('Anyone on for lunch today').querySelector('.bg-blue-600')).not.toBeNull();
    expect(item('Let me know')).toHaveTextContent('bob');
    expect(item('Let me know').querySelector('.bg-slate-100')).not.toBeNull();
    expect(item('Let me know').querySelector('time')).toHaveAttribute('datetime', message(4, bob).createdAt);
    expect(screen.getByPlaceholderText('Start typing...')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
  });

  it('marks the newest message read while the page is visible', async () => {
    const { realtime } = openRoom();
    await waitFor(() => expect(realtime.markRead).toHaveBeenCalledWith(4));
  });

  it('shows a new message live and announces it politely to screen readers', async () => {
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    await emit(() => realtime.emit('message', message(5, bob, 'Pizza?')));
    expect(await within(list()).findByText('Pizza?')).toBeInTheDocument();
    const live = document.querySelector('[aria-live="polite"].sr-only');
    expect(live).toHaveTextContent('bob: Pizza?');
  });

  it('announces the same words twice as two announcements, and typing once per person per burst', async () => {
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    const live = document.querySelector('[aria-live="polite"].sr-only') as HTMLElement;
    const said = () => [...live.children].map((node) => node.textContent);
    await emit(() => realtime.emit('message', message(5, bob, 'ok')));
    const first = live.lastElementChild;
    await emit(() => realtime.emit('message', message(6, bob, 'ok')));
    // A new node each time: a screen reader reads an addition, not an unchanged text.
    expect(said()).toEqual(['bob: ok', 'bob: ok']);
    expect(live.lastElementChild).not.toBe(first);

    const typing = (active: boolean) =>
      realtime.emit('typing', { type: 'typing', roomId: ROOM_ID, user: bob, active, expiresInMs: 5000 });
    await emit(() => typing(true));
    await emit(() => typing(false));
    await emit(() => typing(true));
    expect(said().filter((text) => text === 'bob is typing')).toHaveLength(1);
  });

  it('says who is typing, not you, and lets it expire by itself', async () => {
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    const typing = (user: typeof bob, active: boolean, expiresInMs = 5000) =>
      realtime.emit('typing', { type: 'typing', roomId: ROOM_ID, user, active, expiresInMs });
    await emit(() => typing(alice, true));
    await emit(() => typing(bob, true, 80));
    expect(await screen.findByText('bob is typing…')).toBeInTheDocument();
    expect(screen.queryByText(/Alice Liddell is typing/)).not.toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('bob is typing…')).not.toBeInTheDocument());
  });

  it('says "seen" (lower case, as seed 000 writes it) under your message once someone else read it', async () => {
    const { realtime } = openRoom({ messages: [message(3, alice, 'Anyone on for lunch today')] });
    await screen.findByText('Anyone on for lunch today');
    expect(item('Anyone on for lunch today')).not.toHaveTextContent(/seen/i);
    await emit(() => realtime.emit('read', { type: 'read', roomId: ROOM_ID, userId: bob.id, seq: 3 }));
    await waitFor(() => expect(item('Anyone on for lunch today')).toHaveTextContent(/· seen$/));
  });

  it('shows a message as sending, then stored; a refused one says why and can be retried', async () => {
    const { realtime } = openRoom();
    const field = await screen.findByPlaceholderText('Start typing...');
    await userEvent.type(field, 'On my way{Enter}');
    expect(item('On my way')).toHaveTextContent('Sending…');
    const [first] = realtime.sent;
    const stored: Message = { ...message(5, alice, 'On my way'), clientMessageId: first?.clientMessageId ?? '' };
    await emit(() => realtime.ack(stored));
    await waitFor(() => expect(item('On my way')).not.toHaveTextContent('Sending…'));

    await userEvent.type(field, 'Second{Enter}');
    await emit(() =>
      realtime.fail(realtime.sent[1]?.clientMessageId ?? '', 'forbidden', 'You are not a member of this room.'),
    );
    await waitFor(() => expect(item('Second')).toHaveTextContent('Not sent: You are not a member of this room.'));
    await userEvent.click(within(item('Second')).getByRole('button', { name: 'Retry' }));
    expect(realtime.send).toHaveBeenLastCalledWith({
      body: 'Second',
      clientMessageId: realtime.sent[1]?.clientMessageId,
      attachmentIds: [],
    });
    expect(item('Second')).toHaveTextContent('Sending…');
  });

  it('loads older history while the messages do not fill the view, and keeps what was there', async () => {
    // jsdom lays nothing out: the list is "at its top" and not full, as a short room on a tall screen.
    openRoom({ hasMore: true });
    expect(await within(list()).findByText('the very first')).toBeInTheDocument();
    expect(within(list()).getByText('Let me know')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load earlier messages' })).not.toBeInTheDocument();
  });

  it('lists members with who is online, and notes arrivals in the timeline', async () => {
    const { realtime } = openRoom();
    const people = await screen.findByRole('button', { name: /People/ });
    await userEvent.click(people);
    const panel = screen.getByRole('dialog', { name: 'People in this room' });
    await within(panel).findByText('bob');
    expect(within(panel).getByText('Offline')).toBeInTheDocument();
    await emit(() => realtime.emit('presence', { type: 'presence', roomId: ROOM_ID, action: 'join', user: bob }));
    expect(await within(list()).findByText(/bob joined/)).toBeInTheDocument();
    expect(within(panel).queryByText('Offline')).not.toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(people).toHaveAttribute('aria-expanded', 'false');
  });

  it('on a narrow screen shows the people as a modal sheet: focus in, the rest inert, a tap beside closes it', async () => {
    openRoom();
    const people = await screen.findByRole('button', { name: /People/ });
    await userEvent.click(people);
    const sheet = screen.getByRole('dialog', { name: 'People in this room' });
    expect(sheet).toHaveAttribute('aria-modal', 'true');
    expect(within(sheet).getByRole('button', { name: 'Close' })).toHaveFocus();
    // Nothing behind can be reached while it is open: not the conversation, nor the message box.
    expect(screen.getByPlaceholderText('Start typing...').closest('[inert]')).not.toBeNull();
    expect(list().closest('[inert]')).not.toBeNull();
    expect(people.closest('[inert]')).not.toBeNull();
    // Its controls come right after the header in the page's order.
    expect(screen.getByRole('banner').nextElementSibling?.contains(sheet)).toBe(true);

    // A tap beside the sheet (on the dimmed conversation) closes it.
    const backdrop = sheet.previousElementSibling as HTMLElement;
    await userEvent.click(backdrop);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(document.querySelector('[inert]')).toBeNull();
    expect(people).toHaveFocus();
    expect(people).toHaveAttribute('aria-expanded', 'false');
  });

  it('closes the people sheet when the screen widens, and does not open it again on narrowing', async () => {
    // A screen whose width the test sets: only the "people beside the conversation" query reads it.
    const changes = new Set<() => void>();
    let wide = false;
    vi.stubGlobal('matchMedia', (query: string) => ({
      get matches() {
        return wide && query === '(min-width: 64rem)';
      },
      addEventListener: (_: string, onChange: () => void) => changes.add(onChange),
      removeEventListener: (_: string, onChange: () => void) => changes.delete(onChange),
    }));
    const resize = (toWide: boolean) =>
      act(() => {
        wide = toWide;
        for (const onChange of changes) onChange();
      });
    try {
      openRoom();
      await userEvent.click(await screen.findByRole('button', { name: /People/ }));
      expect(screen.getByRole('dialog', { name: 'People in this room' })).toBeInTheDocument();
      resize(true);
      expect(screen.queryByRole('dialog', { name: 'People in this room' })).not.toBeInTheDocument();
      resize(false);
      expect(screen.queryByRole('dialog', { name: 'People in this room' })).not.toBeInTheDocument();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('shows that the connection is coming back', async () => {
    const { realtime, store } = openRoom();
    await screen.findByText('Let me know');
    await emit(() => realtime.emit('status', 'reconnecting'));
    expect(store.getState().connection.status).toBe('reconnecting');
    expect(screen.getByText(/Reconnecting…/)).toBeInTheDocument();
  });

  it('makes web links in messages clickable, opening safely in a new tab, and never a javascript: one', async () => {
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    await emit(() =>
      realtime.emit('message', message(5, bob, 'Agenda: https://example.com/plan?id=7. Not javascript:alert(1)')),
    );
    const link = await within(list()).findByRole('link', { name: 'https://example.com/plan?id=7' });
    expect(link).toHaveAttribute('href', 'https://example.com/plan?id=7');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    expect(link.closest('li')).toHaveTextContent('Agenda: https://example.com/plan?id=7. Not javascript:alert(1)');
    expect(within(list()).getAllByRole('link')).toHaveLength(1);
  });

  it('does not show you as online while your connection is down', async () => {
    const { realtime } = openRoom({ present: [alice, bob] });
    await userEvent.click(await screen.findByRole('button', { name: /People/ }));
    const panel = screen.getByRole('dialog', { name: 'People in this room' });
    const me = () => within(panel).getByText('(you)').closest('li') as HTMLElement;
    await waitFor(() => expect(me()).toHaveTextContent(/Online/));
    await emit(() => realtime.emit('status', 'reconnecting'));
    expect(me()).toHaveTextContent(/Offline · reconnecting…/);
    expect(me()).not.toHaveTextContent(/Online/);
    await emit(() => realtime.emit('status', 'open'));
    expect(me()).toHaveTextContent(/Online/);
  });

  it('re-renders only what changed: nothing for typing or presence, one row for a receipt or a new message', async () => {
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    // Counted once the page has settled: the members' list comes over REST after the join.
    expect((await screen.findAllByText(/2 members/)).length).toBeGreaterThan(0);
    bubbles.rendered = 0;
    headers.rendered = 0;
    await emit(() =>
      realtime.emit('typing', { type: 'typing', roomId: ROOM_ID, user: bob, active: true, expiresInMs: 5000 }),
    );
    expect(await screen.findByText('bob is typing…')).toBeInTheDocument();
    // The typing line and the live region follow it; the page around them does not re-render.
    expect(headers.rendered).toBe(0);
    await emit(() => realtime.emit('presence', { type: 'presence', roomId: ROOM_ID, action: 'join', user: bob }));
    expect(await within(list()).findByText(/bob joined/)).toBeInTheDocument();
    expect(bubbles.rendered).toBe(0);
    // Bob read your message: only its row changes ("seen"), not the page around it.
    headers.rendered = 0;
    await emit(() => realtime.emit('read', { type: 'read', roomId: ROOM_ID, userId: bob.id, seq: 3 }));
    await waitFor(() => expect(item('Anyone on for lunch today')).toHaveTextContent(/· seen$/));
    expect(bubbles.rendered).toBe(1);
    expect(headers.rendered).toBe(0);
    await emit(() => realtime.emit('message', message(5, bob, 'Pizza?')));
    expect(await within(list()).findByText('Pizza?')).toBeInTheDocument();
    expect(bubbles.rendered).toBe(2);
  });

  it('says so when you left the room elsewhere, with the way back to all rooms', async () => {
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    await emit(() => realtime.emit('removed', { roomId: ROOM_ID, reason: 'You left this room on another device.' }));
    const alert = (await screen.findByText(/You left this room on another device/)).closest(
      '[role="alert"]',
    ) as HTMLElement;
    expect(within(alert).getByRole('link', { name: 'Back to all rooms' })).toHaveAttribute('href', '/lobby');
    // Nothing more can be sent here: the Send button says why, pointing at that notice.
    const send = screen.getByRole('button', { name: 'Send' });
    expect(send).toHaveAttribute('aria-disabled', 'true');
    expect(send).toHaveAccessibleDescription(/You left this room on another device/);
    await userEvent.type(screen.getByPlaceholderText('Start typing...'), 'still here?{Enter}');
    expect(realtime.send).not.toHaveBeenCalled();
  });

  it('says in words when the room cannot be joined', async () => {
    const realtime = createFakeRealtime();
    realtime.join.mockRejectedValue(new RealtimeError('not_found', 'No room has this id.'));
    renderWithProviders(<ChatPage />, {
      path: `/chat/${ROOM_ID}`,
      pattern: '/chat/:roomId',
      realtime,
      preloadedState: { auth: { status: 'signedIn', user: alice, notice: null } },
    });
    expect(await screen.findByText('No room has this id.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to all rooms' })).toBeInTheDocument();
  });

  it('takes files dropped on the conversation and sends them with the next message', async () => {
    const xhr = installFakeXhr();
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    const conversation = screen.getByRole('main');
    const files = [fileOf('team.png', 'image/png')];
    const dataTransfer = { types: ['Files'], files, dropEffect: 'none' };
    fireEvent.dragEnter(conversation, { dataTransfer });
    expect(screen.getByText('Drop files to attach them')).toBeInTheDocument();
    fireEvent.dragOver(conversation, { dataTransfer });
    fireEvent.drop(conversation, { dataTransfer });
    expect(screen.queryByText('Drop files to attach them')).not.toBeInTheDocument();
    const tray = screen.getByRole('list', { name: 'Files to send' });
    expect(within(tray).getByText('team.png')).toBeInTheDocument();

    const uploaded = await act(async () => xhr[0]?.succeed({ id: 'up-team' }));
    await userEvent.type(screen.getByPlaceholderText('Start typing...'), 'Us at lunch{Enter}');
    // The text goes over the socket with the file's id; the server stores and returns both.
    const [sent] = realtime.sent;
    expect(sent).toMatchObject({ body: 'Us at lunch', attachmentIds: ['up-team'] });
    const stored: Message = {
      ...message(5, alice, 'Us at lunch'),
      clientMessageId: sent?.clientMessageId ?? '',
      attachments: uploaded ? [{ ...uploaded, name: 'up-team.png' }] : [],
    };
    await emit(() => realtime.ack(stored));
    // Stored: shown in the timeline with its thumbnail, no longer "Sending…".
    await within(list()).findByRole('img', { name: 'up-team.png' });
    expect(within(item('Us at lunch')).getByRole('img', { name: 'up-team.png' })).toBeInTheDocument();
    expect(item('Us at lunch')).not.toHaveTextContent('Sending…');
    expect(screen.queryByRole('list', { name: 'Files to send' })).not.toBeInTheDocument();
  });

  it('shows files in the history and announces files from others', async () => {
    const withFiles: Message = {
      ...message(5, bob, ''),
      attachments: [
        { id: 'a1', url: '/static/a1.pdf', name: 'plan.pdf', size: 2_400_000, contentType: 'application/pdf' },
      ],
    };
    const { realtime } = openRoom();
    await screen.findByText('Let me know');
    await emit(() => realtime.emit('message', withFiles));
    const chip = await within(list()).findByRole('link', { name: /plan\.pdf/ });
    expect(chip).toHaveAttribute('download', 'plan.pdf');
    expect(chip).toHaveTextContent('2.3 MB');
    expect(document.querySelector('[aria-live="polite"].sr-only')).toHaveTextContent('bob: (1 file)');
  });
});
