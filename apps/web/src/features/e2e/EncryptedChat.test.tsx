import { type E2EApi, KeyStore, memoryStore, sealText } from '@tandem/client/e2e';
import {
  createDeviceIdentity,
  type DeviceKeys,
  deviceKeysOf,
  type Envelope,
  generateRoomKey,
  sealEnvelope,
} from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeRealtime } from '../../test/fakeRealtime.ts';
import { alice, bob, joined, message, ROOM_ID, room } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { ChatPage } from '../chat/ChatPage.tsx';
import { setE2EDeps } from './deps.ts';

const roomKey = generateRoomKey();
const bobDevice = createDeviceIdentity();
const bobKeys = deviceKeysOf(bobDevice, bob.id);

function fromBob(seq: number, text: string, device = bobDevice): Message {
  const clientMessageId = `bob-${seq}`;
  const sealed = sealText({
    roomId: ROOM_ID,
    roomKeys: new Map([[1, roomKey]]),
    identity: device,
    clientMessageId,
    payload: { text, files: [] },
  });
  return { ...message(seq, bob, ''), clientMessageId, sealed };
}

let keys: KeyStore;
let published: DeviceKeys | undefined;
let envelopes: Envelope[];
const api: E2EApi = {
  publishDevice: vi.fn(async (k: DeviceKeys) => {
    published = k;
  }),
  roomDevices: async () => [bobKeys, ...(published ? [published] : [])],
  requestKey: vi.fn(async () => {}),
  keyRequests: vi.fn(async () => []),
  postEnvelopes: vi.fn(async () => {}),
  envelopes: async () => envelopes,
};

beforeEach(() => {
  keys = new KeyStore(memoryStore());
  published = undefined;
  envelopes = [];
  setE2EDeps({ keys, api });
});
afterEach(() => setE2EDeps(undefined));

function openRoom(messages: Message[], route: FakeRoute = () => ({ status: 404 })) {
  const realtime = createFakeRealtime(() =>
    joined({ room: room({ encrypted: true, latestSeq: messages.length }), messages }),
  );
  renderWithProviders(<ChatPage />, {
    path: `/chat/${ROOM_ID}`,
    pattern: '/chat/:roomId',
    realtime,
    route: (request) =>
      request.path === `/rooms/${ROOM_ID}/members` ? { status: 200, body: { members: [] } } : route(request),
    preloadedState: {
      auth: { status: 'signedIn', user: alice, notice: null },
      connection: { status: 'open', wasOpen: true, problem: null },
    },
  });
  return realtime;
}

const list = () => screen.getByRole('list', { name: 'Messages' });

describe('an encrypted room in the browser', () => {
  it('asks for the key, says it is waiting, and opens the history when an envelope arrives', async () => {
    const realtime = openRoom([fromBob(1, 'canary plans for Friday')]);
    expect(await screen.findByText('Waiting for a member to share the key…', { selector: '[role=status]' }));
    // The header says which kind of room this is, in words.
    expect(screen.getByRole('banner')).toHaveTextContent(/End-to-end encrypted/);
    expect(screen.getByRole('banner')).not.toHaveTextContent(/Not end-to-end encrypted/);
    await waitFor(() => expect(api.requestKey).toHaveBeenCalledWith(ROOM_ID, published?.deviceId));
    expect(within(list()).getByText('🔒 Encrypted message')).toBeInTheDocument();
    expect(screen.queryByText(/canary/)).toBeNull();

    // Bob's browser answers: an envelope for this device, signed by his; the socket says so.
    envelopes = [
      sealEnvelope({ roomKey, roomId: ROOM_ID, epoch: 1, sender: bobDevice, recipient: published as DeviceKeys }),
    ];
    realtime.emit('keyAvailable', {
      type: 'key_available',
      roomId: ROOM_ID,
      recipientDeviceId: published?.deviceId ?? '',
      epoch: 1,
    });
    expect(await within(list()).findByText('canary plans for Friday')).toBeInTheDocument();
    expect(screen.queryByText('Waiting for a member to share the key…', { selector: '[role=status]' })).toBeNull();
    // Kept for the next visit.
    expect((await keys.roomKeys(alice.id, ROOM_ID)).get(1)).toEqual(roomKey);
  });

  it('says it is waiting for the key once, and the Send button points at that notice', async () => {
    openRoom([fromBob(1, 'canary plans for Friday')]);
    await screen.findByText('Waiting for a member to share the key…', { selector: '[role=status]' });
    await waitFor(() => expect(api.requestKey).toHaveBeenCalled());
    // Not again under the field, nor in place of each message.
    expect(screen.getAllByText(/Waiting for a member to share the key/)).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Send' })).toHaveAccessibleDescription(
      'Waiting for a member to share the key…',
    );
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveAccessibleDescription(
      /^Waiting for a member to share the key…/,
    );
  });

  it('shows a message from an unknown device as not verified, and sends only ciphertext', async () => {
    await keys.saveRoomKey(alice.id, ROOM_ID, 1, roomKey);
    const posts: unknown[] = [];
    const realtime = openRoom(
      [fromBob(1, 'hello from Bob'), fromBob(2, 'canary forged', createDeviceIdentity())],
      ({ method, path, body }) => {
        if (method === 'POST' && path === `/rooms/${ROOM_ID}/messages`) posts.push(body);
        return { status: 404 };
      },
    );
    await screen.findByRole('list', { name: 'Messages' });
    expect(await within(list()).findByText('hello from Bob')).toBeInTheDocument();
    expect(await within(list()).findByText('🔒 This message could not be verified')).toBeInTheDocument();
    expect(screen.queryByText(/canary/)).toBeNull();

    await userEvent.type(screen.getByPlaceholderText('Start typing...'), 'canary reply{Enter}');
    await waitFor(() => expect(realtime.sent).toHaveLength(1));
    const [sent] = realtime.sent;
    expect(sent).toMatchObject({ body: '', attachmentIds: [] });
    expect(sent?.sealed?.clientMessageId).toBe(sent?.clientMessageId);
    expect(JSON.stringify(sent)).not.toContain('canary');
    expect(posts).toHaveLength(0);
    expect(screen.getByRole('button', { name: 'Copy invite link' })).toBeInTheDocument();
  });

  it('fetches pending key requests once, then answers the ones the socket brings', async () => {
    await keys.saveRoomKey(alice.id, ROOM_ID, 1, roomKey);
    vi.mocked(api.keyRequests).mockClear();
    vi.mocked(api.postEnvelopes).mockClear();
    const realtime = openRoom([fromBob(1, 'hello from Bob')]);
    await screen.findByRole('list', { name: 'Messages' });
    expect(await within(list()).findByText('hello from Bob')).toBeInTheDocument();
    await waitFor(() => expect(api.keyRequests).toHaveBeenCalledTimes(1));

    // The same request twice in a row (two of Bob's tabs, a resent frame) is answered once.
    realtime.emit('keyRequest', { type: 'key_request', roomId: ROOM_ID, device: bobKeys });
    realtime.emit('keyRequest', { type: 'key_request', roomId: ROOM_ID, device: bobKeys });
    await waitFor(() => expect(api.postEnvelopes).toHaveBeenCalledTimes(1));
    const [, sent] = vi.mocked(api.postEnvelopes).mock.calls[0] ?? [];
    expect(sent).toMatchObject([{ roomId: ROOM_ID, epoch: 1, recipientDeviceId: bobKeys.deviceId }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.postEnvelopes).toHaveBeenCalledTimes(1);
    // Asked again later (Bob's device could not use what it got): answered again, and the
    // pending list is still fetched only once.
    realtime.emit('keyRequest', { type: 'key_request', roomId: ROOM_ID, device: bobKeys });
    await waitFor(() => expect(api.postEnvelopes).toHaveBeenCalledTimes(2));
    expect(api.keyRequests).toHaveBeenCalledTimes(1);
  });
});
