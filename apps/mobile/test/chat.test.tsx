import { createDeviceIdentity, type DeviceIdentity, deviceKeysOf, generateRoomKey, sealEnvelope } from '@tandem/crypto';
import type { Message, PublicUser } from '@tandem/protocol';
import { act, fireEvent, render, screen, userEvent, waitFor } from '@testing-library/react-native';
import { AppState } from 'react-native';
import { Root } from '../src/App.tsx';
import {
  bob,
  FakeRealtime,
  fakeE2EServer,
  fakeServices,
  joinedFrame,
  me,
  message,
  ROOM_ID,
  roomSummary,
  sealedMessage,
  session,
} from './fakes.ts';

const roomKey = generateRoomKey();
const bobDevice = createDeviceIdentity();

const sealedBy = (device: DeviceIdentity, sender: PublicUser, seq: number, text: string): Message =>
  sealedMessage(roomKey, device, sender, seq, text);

/** Alice, signed in on this phone, holding (or not) the room key; Bob's device is a member's. */
async function openChat(
  options: {
    holdsKey?: boolean;
    frame?: (aliceDevice: DeviceIdentity) => ReturnType<typeof joinedFrame>;
    rest?: Parameters<typeof fakeServices>[0] extends infer O ? (O extends { rest?: infer R } ? R : never) : never;
  } = {},
) {
  const server = fakeE2EServer();
  await server.api.publishDevice(deviceKeysOf(bobDevice, bob.id));
  const aliceDevice = createDeviceIdentity();
  const realtime = new FakeRealtime(() => (options.frame ? options.frame(aliceDevice) : joinedFrame()));
  const app = fakeServices({
    token: 'stored',
    realtime,
    e2e: server.api,
    rest: {
      me: async () => ({ user: session().user }),
      joinByName: async () => ({ room: roomSummary() }),
      ...options.rest,
    },
  });
  await app.keys.saveIdentity(me.id, aliceDevice);
  if (options.holdsKey !== false) await app.keys.saveRoomKey(me.id, ROOM_ID, 1, roomKey);
  const user = userEvent.setup();
  await render(<Root services={app.services} />);
  await user.type(await screen.findByLabelText('Enter existing room name'), 'Team Unicorns');
  await user.press(screen.getByRole('button', { name: 'Join' }));
  await screen.findByRole('header', { name: 'Team Unicorns' });
  return { app, realtime, server, user, aliceDevice };
}

describe('the chat page', () => {
  it('shows seed 000: own messages in blue with their time and "seen", the others\' in grey', async () => {
    await openChat({
      frame: (aliceDevice) =>
        joinedFrame({
          messages: [
            sealedBy(aliceDevice, me, 1, 'Anyone on for lunch today'),
            sealedBy(bobDevice, bob, 2, 'Let me know'),
          ],
          reads: [{ userId: bob.id, seq: 2 }],
        }),
    });
    const mine = await screen.findByText('Anyone on for lunch today');
    const theirs = await screen.findByText('Let me know');
    expect(mine.parent).toHaveStyle({ backgroundColor: '#2563eb' });
    expect(theirs.parent).toHaveStyle({ backgroundColor: '#e5e7eb' });
    expect(screen.getAllByText('11:31 AM')).toHaveLength(2);
    expect(screen.getByText('seen')).toBeOnTheScreen();
    expect(screen.getByLabelText('You, said Anyone on for lunch today, at 11:31 AM, seen')).toBeOnTheScreen();
    expect(screen.getByLabelText('Bob, said Let me know, at 11:31 AM')).toBeOnTheScreen();
    expect(screen.getByText('End-to-end encrypted')).toBeOnTheScreen();
    expect(screen.getByPlaceholderText('Start typing...')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
  });

  it('marks where the unread messages start with a "New messages" line, which stays put as more come', async () => {
    const { realtime } = await openChat({
      frame: (aliceDevice) =>
        joinedFrame({
          messages: [
            sealedBy(bobDevice, bob, 1, 'Lunch?'),
            sealedBy(aliceDevice, me, 2, 'Sure'),
            sealedBy(bobDevice, bob, 3, 'Noon then'),
            sealedBy(bobDevice, bob, 4, 'At the usual place'),
          ],
          // Alice had read up to her own "Sure" on this phone before.
          reads: [{ userId: me.id, seq: 2 }],
        }),
    });
    await screen.findByText('Noon then');
    expect(screen.getAllByLabelText('New messages')).toHaveLength(1);
    const list = screen.getByLabelText('Messages');
    const order = () =>
      JSON.stringify(
        list.props.data.map((item: { unreadAbove?: boolean; bubble: { text: string } }) => [
          item.bubble.text,
          !!item.unreadAbove,
        ]),
      );
    await waitFor(() => expect(order()).toContain(JSON.stringify(['Noon then', true])));
    // Opened here (and marked read), then another message: the line stays where it was.
    await act(async () => realtime.emit('message', sealedBy(bobDevice, bob, 5, 'See you')));
    await screen.findByText('See you');
    expect(screen.getAllByLabelText('New messages')).toHaveLength(1);
    expect(order()).toContain(JSON.stringify(['Noon then', true]));
    expect(order()).toContain(JSON.stringify(['See you', false]));
  });

  it('seals what is typed on the phone: the server gets an empty body and ciphertext only', async () => {
    const { realtime, user } = await openChat();
    await user.type(screen.getByLabelText('Message'), 'Anyone on for lunch today');
    expect(realtime.typed).toContain(true);
    await user.press(screen.getByRole('button', { name: 'Send' }));

    expect(realtime.sent).toHaveLength(1);
    const [sent] = realtime.sent;
    expect(sent?.body).toBe('');
    expect(sent?.sealed?.roomId).toBe(ROOM_ID);
    expect(JSON.stringify(sent)).not.toContain('lunch');
    // Shown at once, then as the stored message, opened on the phone.
    expect(await screen.findByLabelText(/^You, said Anyone on for lunch today, at /)).toBeOnTheScreen();
    expect(screen.getByLabelText('Message')).toHaveDisplayValue('');
  });

  it('waits for a member to share the key, then opens the history and lets the person write', async () => {
    const { realtime, server } = await openChat({
      holdsKey: false,
      frame: () => joinedFrame({ messages: [sealedBy(bobDevice, bob, 1, 'Welcome aboard')] }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('Waiting for a member to share the key…');
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    expect(screen.queryByText('Welcome aboard')).not.toBeOnTheScreen();

    // The phone asked; Bob's device answers with an envelope for this phone's device.
    await waitFor(() => expect(server.requests).toHaveLength(1));
    const request = server.requests[0] as (typeof server.requests)[number];
    await server.api.postEnvelopes(ROOM_ID, [
      sealEnvelope({ roomKey, roomId: ROOM_ID, epoch: 1, sender: bobDevice, recipient: request.device }),
    ]);
    await act(async () =>
      realtime.emit('keyAvailable', {
        type: 'key_available',
        roomId: ROOM_ID,
        recipientDeviceId: request.device.deviceId,
        epoch: 1,
      }),
    );
    expect(await screen.findByText('Welcome aboard')).toBeOnTheScreen();
    expect(screen.queryByText('Waiting for a member to share the key…')).not.toBeOnTheScreen();
    expect(screen.getByLabelText('Message')).toBeEnabled();
    expect(server.envelopes.every((e) => !JSON.stringify(e).includes('Welcome'))).toBe(true);
  });

  it('shows who is typing, and when they stop', async () => {
    const { realtime } = await openChat();
    await act(async () =>
      realtime.emit('typing', { type: 'typing', roomId: ROOM_ID, user: bob, active: true, expiresInMs: 5000 }),
    );
    expect(await screen.findByText('Bob is typing…')).toBeOnTheScreen();
    await act(async () =>
      realtime.emit('typing', { type: 'typing', roomId: ROOM_ID, user: bob, active: false, expiresInMs: 0 }),
    );
    expect(screen.queryByText('Bob is typing…')).not.toBeOnTheScreen();
  });

  it('loads older messages on request, above the ones shown, and marks the newest read', async () => {
    const plain = roomSummary({ encrypted: false, name: 'Team Unicorns' });
    const history: unknown[] = [];
    const { realtime, user } = await openChat({
      frame: () => joinedFrame({ room: plain, messages: [message(51, bob, { body: 'newest' })], hasMore: true }),
      rest: {
        joinByName: async () => ({ room: plain }),
        history: async (...args: never[]) => {
          history.push(args);
          return { messages: [message(50, bob, { body: 'older one' })], hasMore: false };
        },
      },
    });
    expect(await screen.findByText('newest')).toBeOnTheScreen();
    expect(screen.getByText('Not end-to-end encrypted')).toBeOnTheScreen();
    expect(realtime.marked).toEqual([51]);
    await user.press(screen.getByRole('button', { name: 'Load older messages' }));
    expect(await screen.findByText('older one')).toBeOnTheScreen();
    expect(history).toEqual([[ROOM_ID, { before: 51, limit: 50 }]]);
    expect(screen.queryByRole('button', { name: 'Load older messages' })).not.toBeOnTheScreen();
  });

  it('opens a plain room made on the web: says it is not encrypted, shows and sends plain text', async () => {
    const plain = roomSummary({ encrypted: false, name: 'Team Unicorns' });
    const { realtime, user, server } = await openChat({
      holdsKey: false,
      frame: () => joinedFrame({ room: plain, messages: [message(1, bob, { body: 'Let me know' })] }),
      rest: { joinByName: async () => ({ room: plain }) },
    });
    expect(await screen.findByText('Let me know')).toBeOnTheScreen();
    expect(screen.getByText('Not end-to-end encrypted')).toBeOnTheScreen();
    expect(screen.queryByText('End-to-end encrypted')).not.toBeOnTheScreen();
    expect(screen.queryByText('Waiting for a member to share the key…')).not.toBeOnTheScreen();

    await user.type(screen.getByLabelText('Message'), 'Anyone on for lunch today');
    await user.press(screen.getByRole('button', { name: 'Send' }));
    expect(realtime.sent).toEqual([
      { body: 'Anyone on for lunch today', clientMessageId: expect.any(String), attachmentIds: [], sealed: undefined },
    ]);
    expect(await screen.findByLabelText(/^You, said Anyone on for lunch today, at /)).toBeOnTheScreen();
    // No key was asked for: there is none.
    expect(server.requests).toEqual([]);
  });

  it('retries a failed send with the same clientMessageId, so the server stores it once', async () => {
    const { realtime, user } = await openChat();
    realtime.refuseSends = 'The server is busy.';
    await user.type(screen.getByLabelText('Message'), 'Anyone on for lunch today');
    await user.press(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('The server is busy. Tap to retry.')).toBeOnTheScreen();

    realtime.refuseSends = undefined;
    await user.press(screen.getByRole('button', { name: 'Retry sending' }));
    expect(await screen.findByLabelText(/^You, said Anyone on for lunch today, at /)).toBeOnTheScreen();
    expect(realtime.sent).toHaveLength(2);
    const [first, again] = realtime.sent;
    expect(again?.clientMessageId).toBe(first?.clientMessageId);
    // The same ciphertext goes again: nothing re-sealed under another id.
    expect(again?.sealed).toEqual(first?.sealed);
    expect(screen.queryByText(/Tap to retry/)).not.toBeOnTheScreen();
    expect(screen.getAllByText('Anyone on for lunch today')).toHaveLength(1);
  });

  it('says so when the membership ends elsewhere, and stops offering to send', async () => {
    const { realtime, user } = await openChat();
    await user.type(screen.getByLabelText('Message'), 'hello');
    await act(async () => realtime.emit('removed', { roomId: ROOM_ID, reason: 'You were removed from the room.' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('You are no longer in this room.');
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
  });

  it("marks the focused message field with the app's own blue ring, not the browser's black outline", async () => {
    await openChat();
    const input = screen.getByLabelText('Message');
    expect(input).toHaveStyle({ outlineStyle: 'solid', outlineWidth: 0, borderColor: '#e2e8f0' });
    await fireEvent(input, 'focus');
    expect(input).toHaveStyle({ outlineWidth: 1, outlineColor: '#2563eb', borderColor: '#2563eb' });
    await fireEvent(input, 'blur');
    expect(input).toHaveStyle({ outlineWidth: 0, borderColor: '#e2e8f0' });
  });

  it('reconnects when the app comes back from the background, and says so while it does', async () => {
    const { realtime } = await openChat();
    const listener = jest.mocked(AppState.addEventListener).mock.calls.findLast(([event]) => event === 'change')?.[1];
    await act(async () => listener?.('active'));
    expect(realtime.wakes).toBe(1);
    await act(async () => realtime.emit('status', 'reconnecting'));
    expect(await screen.findByText('Reconnecting…')).toBeOnTheScreen();
  });

  it('goes back to the front page with the back arrow, leaving the room', async () => {
    const { realtime, user } = await openChat();
    await user.press(screen.getByRole('button', { name: 'Back to rooms' }));
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
    expect(realtime.left).toBe(1);
  });
});
