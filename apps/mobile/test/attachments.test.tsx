import { dataUrlOf, type SealedFile, sealText } from '@tandem/client/e2e';
import { type FakeXhr, fakeXhrClass } from '@tandem/client/testing';
import { createDeviceIdentity, deviceKeysOf, encryptFile, generateRoomKey, toBase64Url } from '@tandem/crypto';
import type { Attachment, Message } from '@tandem/protocol';
import { act, render, screen, userEvent, waitFor } from '@testing-library/react-native';
import { launchImageLibraryAsync } from 'expo-image-picker';
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
} from './fakes.ts';

// The photo picker is the operating system's (or, in the web build, the browser's file chooser):
// outside the product, so it is mocked here and each test says which photo the person chose.
jest.mock('expo-image-picker', () => ({ launchImageLibraryAsync: jest.fn() }));

/** A photo's bytes: the PNG signature and some pixels' worth of data. */
const PHOTO = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  ...Array.from({ length: 1016 }, (_, i) => i % 251),
]);
const PHOTO_URI = 'file:///data/user/0/host.exp.exponent/cache/ImagePicker/photo.png';

function choosePhoto() {
  jest.mocked(launchImageLibraryAsync).mockResolvedValueOnce({
    canceled: false,
    assets: [
      { uri: PHOTO_URI, fileName: 'photo.png', mimeType: 'image/png', fileSize: PHOTO.length, width: 32, height: 32 },
    ],
  });
}

const NodeFormData = globalThis.FormData;
/** React Native's own FormData (untyped: react-native does not export it), as on a phone. */
const RNFormData = jest.requireActual<{ default: unknown }>('react-native/Libraries/Network/FormData').default;
const roomKey = generateRoomKey();
const bobDevice = createDeviceIdentity();

/** What the phone fetches: the picked file's bytes, and files on the server by URL. */
const served = new Map<string, Uint8Array>();
let requests: FakeXhr[];

beforeEach(() => {
  served.clear();
  served.set(PHOTO_URI, PHOTO);
  requests = [];
  // The phone's own XMLHttpRequest and FormData: uploads are answered by hand, and a part is
  // React Native's `{ uri, name, type }` as on a device (Node's FormData would stringify it).
  Object.assign(globalThis, { XMLHttpRequest: fakeXhrClass(requests), FormData: RNFormData });
  jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const bytes = served.get(String(input));
    if (!bytes) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) } as Response;
    return { ok: true, status: 200, arrayBuffer: async () => bytes.slice().buffer } as Response;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  // Jest's Node environment has no XMLHttpRequest at all, and Node's own FormData.
  Object.assign(globalThis, { XMLHttpRequest: undefined, FormData: NodeFormData });
});

/** Alice on the phone in Team Unicorns (encrypted unless said), holding its key. */
async function openRoom(options: { encrypted?: boolean; messages?: Message[] } = {}) {
  const room = roomSummary({ encrypted: options.encrypted ?? true });
  const server = fakeE2EServer();
  await server.api.publishDevice(deviceKeysOf(bobDevice, bob.id));
  const realtime = new FakeRealtime(() => joinedFrame({ room, messages: options.messages ?? [] }));
  const app = fakeServices({
    token: 'token-alice',
    realtime,
    e2e: server.api,
    rest: {
      me: async () => ({ user: { ...me, email: null, createdAt: '2026-11-21T11:00:00.000Z' } }),
      joinByName: async () => ({ room }),
    },
  });
  await app.keys.saveRoomKey(me.id, ROOM_ID, 1, roomKey);
  const user = userEvent.setup();
  await render(<Root services={app.services} />);
  await user.type(await screen.findByLabelText('Enter existing room name'), 'Team Unicorns');
  await user.press(screen.getByRole('button', { name: 'Join' }));
  await screen.findByRole('header', { name: 'Team Unicorns' });
  return { realtime, user };
}

/** The server stores the upload and answers with its attachment, as `POST /uploads` does. */
async function stored(realtime: FakeRealtime, request: FakeXhr, attachment: Partial<Attachment> = {}) {
  const answer = await act(async () => request.succeed(attachment));
  realtime.uploads.set(answer.id, answer);
  return answer;
}

describe('photos from the phone', () => {
  it('picks a photo, shows its upload progress, and sends the message with its attachment id once stored', async () => {
    const { realtime, user } = await openRoom({ encrypted: false });
    choosePhoto();
    await user.press(screen.getByRole('button', { name: 'Attach photo' }));

    // Uploaded at once, to the server with the session's bearer token, as the file on the phone.
    await waitFor(() => expect(requests).toHaveLength(1));
    const [upload] = requests as [FakeXhr];
    expect([upload.method, upload.url, upload.headers.authorization]).toEqual([
      'POST',
      'http://tandem.test/uploads',
      'Bearer token-alice',
    ]);
    expect(upload.part).toEqual({ uri: PHOTO_URI, name: 'photo.png', type: 'image/png', size: PHOTO.length });
    const bar = screen.getByRole('progressbar', { name: 'Uploading photo.png' });
    expect(bar).toHaveAccessibilityValue({ min: 0, max: 100, now: 0 });
    expect(screen.getByText('1 KB')).toBeOnTheScreen();

    // Sending waits for the upload, and says why.
    await user.type(screen.getByLabelText('Message'), 'The view from here');
    await act(async () => upload.progress(512));
    expect(bar).toHaveAccessibilityValue({ now: 50 });
    expect(screen.getByText('50%')).toBeOnTheScreen();
    expect(screen.getByText('Wait for the file to finish uploading.')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();

    const attachment = await stored(realtime, upload, { id: 'up-photo-01' });
    expect(screen.getByText('Uploaded')).toBeOnTheScreen();
    await user.press(screen.getByRole('button', { name: 'Send' }));
    expect(realtime.sent).toEqual([
      {
        body: 'The view from here',
        clientMessageId: expect.any(String),
        attachmentIds: ['up-photo-01'],
        sealed: undefined,
      },
    ]);
    expect(screen.queryByLabelText('Files to send')).not.toBeOnTheScreen();

    // Stored: the message shows the photo as a thumbnail, from the server.
    expect(await screen.findByLabelText(/^You, said The view from here, sent photo\.png, at /)).toBeOnTheScreen();
    expect(screen.getByLabelText('photo.png')).toHaveProp('source', { uri: `http://tandem.test${attachment.url}` });
    expect(screen.getByRole('button', { name: 'Open photo.png' })).toBeOnTheScreen();
  });

  it('encrypts the photo on the phone in an encrypted room: only ciphertext is uploaded, the key goes sealed', async () => {
    const { realtime, user } = await openRoom();
    choosePhoto();
    await user.press(screen.getByRole('button', { name: 'Attach photo' }));
    await waitFor(() => expect(requests).toHaveLength(1));
    const [upload] = requests as [FakeXhr];

    // What leaves the phone: random-looking bytes under a neutral name and type.
    expect(upload.part).toMatchObject({ name: 'encrypted.bin', type: 'application/octet-stream' });
    const uploaded = upload.dataBytes;
    expect(uploaded.length).toBeGreaterThan(PHOTO.length);
    expect(toBase64Url(uploaded)).not.toContain(toBase64Url(PHOTO.slice(0, 48)));
    expect(uploaded.slice(0, 8)).not.toEqual(PHOTO.slice(0, 8));

    const attachment = await stored(realtime, upload, {
      id: 'up-sealed-01',
      url: '/static/k3j9.bin',
      name: 'encrypted.bin',
    });
    served.set(`http://tandem.test${attachment.url}`, uploaded);
    await user.press(screen.getByRole('button', { name: 'Send' }));

    const [sent] = realtime.sent;
    expect(sent?.body).toBe('');
    expect(sent?.attachmentIds).toEqual(['up-sealed-01']);
    expect(sent?.sealed?.roomId).toBe(ROOM_ID);
    // The photo's name and key are inside the ciphertext, not beside it.
    expect(JSON.stringify(sent)).not.toContain('photo.png');

    // The stored message is opened on the phone, its file downloaded and decrypted with the
    // sealed key: the thumbnail is the original photo.
    expect(await screen.findByLabelText(/^You, sent photo\.png, at /)).toBeOnTheScreen();
    await waitFor(() =>
      expect(screen.getByLabelText('photo.png')).toHaveProp('source', { uri: dataUrlOf(PHOTO, 'image/png') }),
    );
  });

  it('shows a photo received in an encrypted room as a thumbnail, decrypted on the phone', async () => {
    const { key, nonce, ciphertext } = encryptFile(PHOTO);
    served.set('http://tandem.test/static/q8w2.bin', ciphertext);
    const file: SealedFile = {
      id: 'up-bob-photo',
      key: toBase64Url(key),
      nonce: toBase64Url(nonce),
      name: 'sunset.png',
      type: 'image/png',
      size: PHOTO.length,
    };
    const clientMessageId = 'cm-bob-1';
    const sealed = sealText({
      roomId: ROOM_ID,
      roomKeys: new Map([[1, roomKey]]),
      identity: bobDevice,
      clientMessageId,
      payload: { text: 'Tonight', files: [file] },
    });
    const stored: Attachment = {
      id: file.id,
      url: '/static/q8w2.bin',
      name: 'encrypted.bin',
      size: ciphertext.length,
      contentType: 'application/octet-stream',
    };
    await openRoom({ messages: [message(1, bob, { body: '', clientMessageId, sealed, attachments: [stored] })] });

    expect(await screen.findByText('Tonight')).toBeOnTheScreen();
    await waitFor(() =>
      expect(screen.getByLabelText('sunset.png')).toHaveProp('source', { uri: dataUrlOf(PHOTO, 'image/png') }),
    );
    expect(screen.getByLabelText('Bob, said Tonight, sent sunset.png, at 11:31 AM')).toBeOnTheScreen();
    expect(fetch).toHaveBeenCalledWith('http://tandem.test/static/q8w2.bin', expect.anything());
  });

  it('shows a plain room’s image as a thumbnail and another file as a named chip that opens it', async () => {
    const files: Attachment[] = [
      { id: 'up-1', url: '/static/a1.png', name: 'menu.png', size: 48_213, contentType: 'image/png' },
      { id: 'up-2', url: '/static/b2.pdf', name: 'menu.pdf', size: 1_572_864, contentType: 'application/pdf' },
    ];
    await openRoom({ encrypted: false, messages: [message(1, bob, { body: 'Lunch', attachments: files })] });
    expect(await screen.findByLabelText('menu.png')).toHaveProp('source', { uri: 'http://tandem.test/static/a1.png' });
    expect(screen.getByRole('link', { name: 'menu.pdf, PDF, 1.5 MB' })).toBeOnTheScreen();
  });

  it('says why an upload failed, retries it on request, and removes a photo from the tray', async () => {
    const { realtime, user } = await openRoom({ encrypted: false });
    choosePhoto();
    await user.press(screen.getByRole('button', { name: 'Attach photo' }));
    await waitFor(() => expect(requests).toHaveLength(1));
    await act(async () => requests[0]?.fail(503, 'internal', 'The server is busy. Try again.'));
    expect(screen.getByRole('alert')).toHaveTextContent('The server is busy. Try again.');
    expect(screen.getByText('A file could not be uploaded: remove it or try again.')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();

    await user.press(screen.getByRole('button', { name: 'Try photo.png again' }));
    expect(requests).toHaveLength(2);
    await stored(realtime, requests[1] as FakeXhr);
    expect(screen.getByText('Uploaded')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled();

    // A second photo, cancelled while it uploads: the request is aborted and the tray forgets it.
    choosePhoto();
    await user.press(screen.getByRole('button', { name: 'Attach photo' }));
    await waitFor(() => expect(requests).toHaveLength(3));
    const cancels = screen.getAllByRole('button', { name: 'Cancel upload of photo.png' });
    await user.press(cancels[0] as never);
    expect(requests[2]?.aborted).toBe(true);
    expect(screen.getAllByText('photo.png')).toHaveLength(1);
    await user.press(screen.getByRole('button', { name: 'Remove photo.png' }));
    expect(screen.queryByLabelText('Files to send')).not.toBeOnTheScreen();
  });
});
