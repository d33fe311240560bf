import { ApiError } from '@tandem/client';
import { inviteLink } from '@tandem/client/e2e';
import { createDeviceIdentity, deviceKeysOf, generateRoomKey, toBase64Url } from '@tandem/crypto';
import type { Message, PublicUser } from '@tandem/protocol';
import { act, render, screen, userEvent } from '@testing-library/react-native';
import { Linking, Share } from 'react-native';
import { Root } from '../src/App.tsx';
import { parseInviteLink, webOrigin } from '../src/e2e/invite.ts';
import { NO_KEY, UNKNOWN_ROOM } from '../src/rooms/InviteScreen.tsx';
import {
  bob,
  FakeRealtime,
  fakeE2EServer,
  fakeServices,
  joinedFrame,
  me,
  ROOM_ID,
  roomSummary,
  sealedMessage,
  session,
} from './fakes.ts';

const roomKey = generateRoomKey();
const bobDevice = createDeviceIdentity();
/** The link the web app's "Copy invite link" makes for this room (the shared `inviteLink`). */
const httpsLink = inviteLink('https://tandem.example', ROOM_ID, new Map([[1, roomKey]])) as string;
const appLink = httpsLink.replace('https://tandem.example/', 'tandem://');

const sealedByBob = (seq: number, text: string, sender: PublicUser = bob): Message =>
  sealedMessage(roomKey, bobDevice, sender, seq, text);

// What the operating system hands the app (the link it was opened with, and links tapped while it
// runs) is outside the product: React Native's Jest set-up stubs `Linking` with `jest.fn()`s, and
// these tests script them with the links a person would tap.
function openedWith(url: string | null) {
  jest.mocked(Linking.getInitialURL).mockImplementation(() => Promise.resolve(url));
}
/** A link tapped while the app runs, as the OS delivers it (`Linking`'s `url` event). */
async function tapped(url: string) {
  const listener = jest.mocked(Linking.addEventListener).mock.calls.findLast(([event]) => event === 'url')?.[1];
  await act(async () => listener?.({ url }));
}

afterEach(() => openedWith(null));

/** A phone with a scripted server: Bob's device is a member's, his sealed message is in the room. */
function phone(options: Parameters<typeof fakeServices>[0] = {}) {
  const server = fakeE2EServer();
  void server.api.publishDevice(deviceKeysOf(bobDevice, bob.id));
  const realtime = new FakeRealtime(() => joinedFrame({ messages: [sealedByBob(1, 'Welcome aboard')] }));
  return { server, ...fakeServices({ realtime, e2e: server.api, ...options }) };
}

describe('reading an invite link', () => {
  const key = toBase64Url(roomKey);

  it('reads the app scheme, the web app’s https link and Expo Go’s address alike', () => {
    for (const url of [
      `tandem://join/${ROOM_ID}#k=${key}`,
      `tandem:///join/${ROOM_ID}#k=${key}`,
      `https://tandem.example/join/${ROOM_ID}#k=${key}`,
      `http://127.0.0.1:8081/join/${ROOM_ID}/?from=chat#k=${key}`,
      `exp://192.168.1.20:8081/--/join/${ROOM_ID}#k=${key}`,
    ]) {
      expect(parseInviteLink(url)).toEqual({ roomId: ROOM_ID, secret: { key: roomKey, epoch: 1 } });
    }
    expect(parseInviteLink(appLink)).toEqual({ roomId: ROOM_ID, secret: { key: roomKey, epoch: 1 } });
    expect(parseInviteLink(`tandem://join/${ROOM_ID}#k=${key}&e=3`)?.secret?.epoch).toBe(3);
    // Room ids are encoded by the shared link builder; read back as they were.
    expect(parseInviteLink(`tandem://join/a%20room#k=${key}`)?.roomId).toBe('a room');
  });

  it('keeps the room but no key when the key is missing, cut short or not a key', () => {
    for (const fragment of ['', '#', '#k=', `#k=${key.slice(0, 20)}`, '#k=not*base64!', `#k=${key}&e=0`, '#e=1']) {
      expect(parseInviteLink(`tandem://join/${ROOM_ID}${fragment}`)).toEqual({ roomId: ROOM_ID, secret: undefined });
    }
  });

  it('ignores addresses that are not invite links', () => {
    for (const url of [
      'tandem://',
      'tandem://chat/abc',
      'exp://192.168.1.20:8081',
      'http://127.0.0.1:8081/',
      `https://tandem.example/chat/${ROOM_ID}`,
      `https://tandem.example/join/${ROOM_ID}/extra#k=${key}`,
      `mailto:join/${ROOM_ID}#k=${key}`,
      `tandem://join/%E0%A4%A#k=${key}`,
    ]) {
      expect(parseInviteLink(url)).toBeUndefined();
    }
  });

  it('shares links on the server’s own origin, where the web app is', () => {
    expect(webOrigin('http://192.168.1.20:8000')).toBe('http://192.168.1.20:8000');
    expect(webOrigin('https://chat.example.com/')).toBe('https://chat.example.com');
  });
});

describe('opening an invite link', () => {
  it('as a new user: asks for a name, joins the room by id, keeps the key, and opens the chat', async () => {
    openedWith(appLink);
    const user = userEvent.setup();
    const app = phone({
      rest: { guest: async () => session(), joinById: async () => ({ room: roomSummary(), created: false }) },
    });
    await render(<Root services={app.services} />);

    expect(await screen.findByRole('header', { name: 'Join the encrypted room' })).toBeOnTheScreen();
    expect(app.calls).toEqual([]);
    // The name is checked before any request, as on the front page.
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter your name first: it is how the others see you.');
    expect(app.calls).toEqual([]);

    await user.type(screen.getByLabelText('Your name'), 'alice');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('header', { name: 'Team Unicorns' })).toBeOnTheScreen();
    expect(app.calls).toEqual([
      ['guest', [{ username: 'alice' }]],
      ['joinById', [ROOM_ID]],
    ]);
    // Joined with the new session; the key from the link is kept on the phone under it.
    expect(app.tokens).toEqual([undefined, 'token-0123456789']);
    expect((await app.keys.roomKeys(me.id, ROOM_ID)).get(1)).toEqual(roomKey);
    // The room opens at once: Bob's sealed message reads, and the phone can write.
    expect(await screen.findByText('Welcome aboard')).toBeOnTheScreen();
    expect(screen.getByText('End-to-end encrypted')).toBeOnTheScreen();
    expect(screen.queryByText('Waiting for a member to share the key…')).not.toBeOnTheScreen();
    expect(screen.getByLabelText('Message')).toBeEnabled();
    // No key was asked of anyone: the link carried it.
    expect(app.server.requests).toEqual([]);
  });

  it('signed in already: a link tapped while the app runs joins straight away (https form, later epoch)', async () => {
    const app = phone({
      token: 'stored',
      rest: {
        me: async () => ({ user: session().user }),
        joinById: async () => ({ room: roomSummary(), created: false }),
      },
    });
    await render(<Root services={app.services} />);
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();

    await tapped(`https://tandem.example/join/${ROOM_ID}#k=${toBase64Url(roomKey)}&e=2`);
    expect(await screen.findByRole('header', { name: 'Team Unicorns' })).toBeOnTheScreen();
    expect(screen.queryByLabelText('Your name')).not.toBeOnTheScreen();
    expect(app.calls).toEqual([
      ['me', []],
      ['joinById', [ROOM_ID]],
    ]);
    expect([...(await app.keys.roomKeys(me.id, ROOM_ID)).keys()]).toEqual([2]);
  });

  it('a link without a usable key says so, makes no request, and leads back to the rooms', async () => {
    openedWith(`tandem://join/${ROOM_ID}#k=${toBase64Url(roomKey).slice(0, 30)}`);
    const user = userEvent.setup();
    const app = phone();
    await render(<Root services={app.services} />);
    expect(await screen.findByRole('header', { name: 'Cannot join' })).toBeOnTheScreen();
    expect(screen.getByRole('alert')).toHaveTextContent(NO_KEY);
    expect(app.calls).toEqual([]);
    await user.press(screen.getByRole('button', { name: 'Back to rooms' }));
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
  });

  it('a link to a room the server does not know says so, keeps no key, and leads back to the rooms', async () => {
    openedWith(appLink);
    const user = userEvent.setup();
    const app = phone({
      rest: {
        guest: async () => session(),
        joinById: async () => {
          throw new ApiError(404, 'not_found', 'Room not found.');
        },
      },
    });
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Your name'), 'alice');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('header', { name: 'Cannot join' })).toBeOnTheScreen();
    expect(screen.getByRole('alert')).toHaveTextContent(UNKNOWN_ROOM);
    expect((await app.keys.roomKeys(me.id, ROOM_ID)).size).toBe(0);
    await user.press(screen.getByRole('button', { name: 'Back to rooms' }));
    // Signed in now, under the name picked for the link.
    expect(await screen.findByRole('header', { name: 'Create Room' })).toBeOnTheScreen();
    expect(screen.getByText('alice')).toBeOnTheScreen();
  });
});

describe('sharing an invite link', () => {
  it('offers "Share invite link" in a room whose key the phone holds, and shares the web app’s link', async () => {
    // The share sheet is the operating system's, outside the product: stand in for it.
    const share = jest.spyOn(Share, 'share').mockResolvedValue({ action: Share.sharedAction });
    const user = userEvent.setup();
    const app = phone({
      token: 'stored',
      rest: { me: async () => ({ user: session().user }), joinByName: async () => ({ room: roomSummary() }) },
    });
    await app.keys.saveRoomKey(me.id, ROOM_ID, 1, roomKey);
    await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Enter existing room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    await user.press(await screen.findByRole('button', { name: 'Share invite link' }));

    expect(share).toHaveBeenCalledTimes(1);
    const link = share.mock.calls[0]?.[0] as { message: string };
    // On the server's origin (where the web app is), the key in the fragment: the same link as
    // the web app's, which opens in a browser and on this app alike.
    expect(link.message).toBe(inviteLink('http://tandem.test', ROOM_ID, new Map([[1, roomKey]])));
    expect(parseInviteLink(link.message)).toEqual({ roomId: ROOM_ID, secret: { key: roomKey, epoch: 1 } });
    share.mockRestore();
  });

  it('offers none while the key has not arrived, nor in a plain room', async () => {
    const user = userEvent.setup();
    const app = phone({
      token: 'stored',
      rest: { me: async () => ({ user: session().user }), joinByName: async () => ({ room: roomSummary() }) },
    });
    const first = await render(<Root services={app.services} />);
    await user.type(await screen.findByLabelText('Enter existing room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByText('Waiting for a member to share the key…')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Share invite link' })).not.toBeOnTheScreen();

    const plain = roomSummary({ encrypted: false });
    const other = fakeServices({
      token: 'stored',
      realtime: new FakeRealtime(() => joinedFrame({ room: plain })),
      rest: { me: async () => ({ user: session().user }), joinByName: async () => ({ room: plain }) },
    });
    await first.unmount();
    await render(<Root services={other.services} />);
    await user.type(await screen.findByLabelText('Enter existing room name'), 'Team Unicorns');
    await user.press(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByText('Not end-to-end encrypted')).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Share invite link' })).not.toBeOnTheScreen();
  });
});
