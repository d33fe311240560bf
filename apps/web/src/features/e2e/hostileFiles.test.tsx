// Issue 15, item 3b: a member of an encrypted room seals a file as text/html (or SVG) under a
// harmless name. Opened in a tab, a blob of that type would run at the app's origin, next to
// the device and room keys in IndexedDB. Decrypted files keep only types that run nothing.
import { KeyStore, memoryStore, type SealedFile, sealText } from '@tandem/client/e2e';
import {
  createDeviceIdentity,
  type DeviceKeys,
  deviceKeysOf,
  encryptFile,
  generateRoomKey,
  toBase64Url,
} from '@tandem/crypto';
import type { Attachment, Message } from '@tandem/protocol';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeRealtime } from '../../test/fakeRealtime.ts';
import { alice, bob, joined, message, ROOM_ID, room } from '../../test/fixtures.ts';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { ChatPage } from '../chat/ChatPage.tsx';
import { setE2EDeps } from './deps.ts';
import { encryptedUpload, openFile } from './files.ts';

const HTML = '<!doctype html><script>indexedDB.open("tandem-keys")</script>';
const bytes = (text: string) => new TextEncoder().encode(text);

/** A file sealed the way a (hostile) member's client would: any type it likes. */
function sealedFile(id: string, content: string, overrides: Partial<SealedFile> = {}) {
  const { key, nonce, ciphertext } = encryptFile(bytes(content));
  const file: SealedFile = {
    id,
    key: toBase64Url(key),
    nonce: toBase64Url(nonce),
    name: 'report.pdf',
    type: 'text/html',
    size: content.length,
    ...overrides,
  };
  const stored: Attachment = {
    id,
    url: `/static/${id}.bin`,
    name: 'encrypted.bin',
    size: ciphertext.length,
    contentType: 'application/octet-stream',
  };
  return { file, stored, ciphertext };
}

/** Blobs the page made, by the URL it got for each. */
let blobs: Map<string, Blob>;
beforeEach(() => {
  blobs = new Map();
  let n = 0;
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    const url = `blob:http://tandem.test/${++n}`;
    blobs.set(url, blob as Blob);
    return url;
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
});

describe('a decrypted file', () => {
  const fetchOf = (ciphertext: Uint8Array) => vi.fn(async () => new Response(ciphertext as BodyInit));

  it('becomes application/octet-stream when it was sealed as HTML, SVG or anything that could run', async () => {
    for (const type of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/javascript', 'text/xml', '']) {
      const { file, stored, ciphertext } = sealedFile('f-hostile-01', HTML, { type });
      const url = await openFile(stored.url, file, fetchOf(ciphertext));
      const blob = blobs.get(url);
      // The old code built the Blob with the sealed type: text/html ran when opened in a tab.
      expect(blob?.type, type).toBe('application/octet-stream');
      expect(await blob?.text(), type).toBe(HTML);
    }
  });

  it('keeps the types a browser shows without running anything', async () => {
    for (const [sealed, kept] of [
      ['image/png', 'image/png'],
      ['IMAGE/JPEG', 'image/jpeg'],
      ['application/pdf', 'application/pdf'],
      ['text/plain; charset=utf-8', 'text/plain'],
    ]) {
      const { file, stored, ciphertext } = sealedFile('f-kept-0001', 'content', { type: sealed });
      const url = await openFile(stored.url, file, fetchOf(ciphertext));
      expect(blobs.get(url)?.type, sealed).toBe(kept);
    }
  });

  it('is never previewed as HTML on the sender’s side either', async () => {
    const upload = vi.fn(() => ({
      done: Promise.resolve<Attachment>({
        id: 'f-upload-001',
        url: '/static/f-upload-001.bin',
        name: 'encrypted.bin',
        size: 10,
        contentType: 'application/octet-stream',
      }),
      abort: () => {},
    }));
    const page = new File([HTML], 'notes\u202Etxt.html', { type: 'text/html' });
    const draft = await encryptedUpload(page, () => {}, upload).done;
    expect(blobs.get(draft.url)?.type).toBe('application/octet-stream');
    expect(draft.contentType).toBe('application/octet-stream');
    // The right-to-left override is gone from the name that is sealed.
    expect(draft.name).toBe('notestxt.html');
  });
});

describe('an encrypted room with a hostile file list', () => {
  const roomKey = generateRoomKey();
  const bobDevice = createDeviceIdentity();
  const bobKeys = deviceKeysOf(bobDevice, bob.id);
  let published: DeviceKeys | undefined;

  beforeEach(async () => {
    published = undefined;
    const keys = new KeyStore(memoryStore());
    await keys.saveRoomKey(alice.id, ROOM_ID, 1, roomKey);
    setE2EDeps({
      keys,
      api: {
        publishDevice: async (k: DeviceKeys) => {
          published = k;
        },
        roomDevices: async () => [bobKeys, ...(published ? [published] : [])],
        requestKey: async () => {},
        keyRequests: async () => [],
        postEnvelopes: async () => {},
        envelopes: async () => [],
      },
    });
  });
  afterEach(() => {
    setE2EDeps(undefined);
    vi.unstubAllGlobals();
  });

  it('shows the HTML "report.pdf" as a download only, and says which files cannot be displayed', async () => {
    const page = sealedFile('f-page-00001', HTML);
    const traversal = sealedFile('f-path-00001', 'x', { name: '../../.bashrc', type: 'text/plain' });
    const negative = sealedFile('f-size-00001', 'x', { size: -1, type: 'image/png' });
    const ciphertexts = new Map([page, traversal, negative].map((f) => [f.stored.url, f.ciphertext]));
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => new Response((ciphertexts.get(url) ?? null) as BodyInit | null)),
    );
    const clientMessageId = 'bob-1';
    const sealed = sealText({
      roomId: ROOM_ID,
      roomKeys: new Map([[1, roomKey]]),
      identity: bobDevice,
      clientMessageId,
      payload: { text: 'the quarterly report', files: [page.file, traversal.file, negative.file] },
    });
    const hostile: Message = {
      ...message(1, bob, ''),
      clientMessageId,
      sealed,
      attachments: [page.stored, traversal.stored, negative.stored],
    };
    const realtime = createFakeRealtime(() =>
      joined({ room: room({ encrypted: true, latestSeq: 1 }), messages: [hostile] }),
    );
    renderWithProviders(<ChatPage />, {
      path: `/chat/${ROOM_ID}`,
      pattern: '/chat/:roomId',
      realtime,
      route: (request) =>
        request.path === `/rooms/${ROOM_ID}/members` ? { status: 200, body: { members: [] } } : { status: 404 },
      preloadedState: {
        auth: { status: 'signedIn', user: alice, notice: null },
        connection: { status: 'open', wasOpen: true, problem: null },
      },
    });

    const list = await screen.findByRole('list', { name: 'Messages' });
    expect(await within(list).findByText(/the quarterly report/)).toBeInTheDocument();
    expect(within(list).getByText(/2 files in this message cannot be displayed/)).toBeInTheDocument();
    const link = await within(list).findByRole('link', { name: /report\.pdf/ });
    expect(link).toHaveAttribute('download', 'report.pdf');
    const blob = blobs.get(link.getAttribute('href') ?? '');
    expect(blob?.type).toBe('application/octet-stream');
    // The dropped files are never fetched, let alone shown.
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(within(list).queryByText(/bashrc/)).toBeNull();
  }, 20_000);
});
