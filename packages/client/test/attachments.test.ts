// The files of a message, as both apps send and show them: the upload with progress and cancel,
// the drafts of the message being written, and (encrypted rooms) encrypt-before-upload and
// decrypt-after-download.
import { encryptFile, toBase64Url } from '@tandem/crypto';
import type { Attachment } from '@tandem/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AttachmentDraftStore,
  fileUrl,
  type RunningUpload,
  type UploadProgress,
  uploadFile,
} from '../src/attachments/index.ts';
import {
  DecryptedFiles,
  dataUrlOf,
  encryptedUpload,
  openFile,
  type SealedFile,
  sealedAttachments,
  sealedFileOf,
  shownAttachments,
} from '../src/e2e/index.ts';
import { type FakeXhr, fakeXhrClass } from '../src/testing/index.ts';

function installXhr(): FakeXhr[] {
  const requests: FakeXhr[] = [];
  vi.stubGlobal('XMLHttpRequest', fakeXhrClass(requests));
  return requests;
}
afterEach(() => vi.unstubAllGlobals());

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('uploadFile', () => {
  it('posts a browser File to /uploads on its own origin with the cookie, reporting progress', async () => {
    const requests = installXhr();
    const progress: UploadProgress[] = [];
    const { done } = uploadFile(new File(['hello'], 'note.txt', { type: 'text/plain' }), (p) => progress.push(p));
    const [xhr] = requests as [FakeXhr];
    expect([xhr.method, xhr.url, xhr.withCredentials, xhr.headers.authorization]).toEqual([
      'POST',
      '/uploads',
      true,
      undefined,
    ]);
    xhr.progress(3);
    const stored = xhr.succeed({ id: 'up-1' });
    expect(await done).toEqual(stored);
    expect(progress).toEqual([{ loaded: 3, total: 5 }]);
  });

  it('posts a React Native part to another server with the bearer token, never the cookie', async () => {
    const requests = installXhr();
    // React Native's FormData keeps `{ uri, name, type }` parts as they are (Node's would stringify them).
    class NativeFormData {
      parts: Array<[string, unknown]> = [];
      append(name: string, value: unknown) {
        this.parts.push([name, value]);
      }
      getAll(name: string) {
        return this.parts.filter(([key]) => key === name).map(([, value]) => value);
      }
    }
    vi.stubGlobal('FormData', NativeFormData);
    const part = { uri: 'file:///photo.jpg', name: 'photo.jpg', type: 'image/jpeg', size: 2048 };
    const { done } = uploadFile(part, () => {}, { url: 'http://10.0.0.2:8000/uploads', token: 'tok' });
    const [xhr] = requests as [FakeXhr];
    expect([xhr.url, xhr.withCredentials, xhr.headers.authorization]).toEqual([
      'http://10.0.0.2:8000/uploads',
      false,
      'Bearer tok',
    ]);
    expect(xhr.part).toEqual(part);
    xhr.fail(413, 'payload_too_large', 'Files may be at most 25 MB.');
    await expect(done).rejects.toMatchObject({
      name: 'UploadError',
      status: 413,
      message: 'Files may be at most 25 MB.',
    });
  });

  it('makes the server’s relative links absolute for an app it does not serve', () => {
    expect(fileUrl('/static/a.png', 'http://10.0.0.2:8000/')).toBe('http://10.0.0.2:8000/static/a.png');
    expect(fileUrl('https://files.example/static/a.png', 'http://10.0.0.2:8000')).toBe(
      'https://files.example/static/a.png',
    );
    expect(fileUrl('data:image/png;base64,AA==', 'http://x')).toBe('data:image/png;base64,AA==');
  });
});

type Job = { file: string; progress(p: UploadProgress): void; resolve(a: Attachment): void; reject(e: unknown): void };

/** A store whose uploads the test finishes by hand. */
function draftsOf() {
  const jobs: Job[] = [];
  const store = new AttachmentDraftStore<{ name: string; size: number; type: string }>({
    upload: (file, onProgress): RunningUpload => {
      let settle!: Pick<Job, 'resolve' | 'reject'>;
      const done = new Promise<Attachment>((resolve, reject) => {
        settle = { resolve, reject };
      });
      done.catch(() => {});
      jobs.push({ file: file.name, progress: onProgress, ...settle });
      return { done, abort: () => settle.reject(Object.assign(new Error('cancelled'), { code: 'aborted' })) };
    },
    describe: (file) => file,
    preview: (file) => `preview:${file.name}`,
  });
  return { store, jobs };
}

const attachment = (id: string): Attachment => ({
  id,
  url: `/static/${id}`,
  name: id,
  size: 10,
  contentType: 'image/png',
});

describe('AttachmentDraftStore', () => {
  it('uploads each file at once, says why the message waits, and hands over the stored files in order', async () => {
    const { store, jobs } = draftsOf();
    store.add([
      { name: 'a.png', size: 100, type: 'image/png' },
      { name: 'b.pdf', size: 0, type: 'application/pdf' },
    ]);
    expect(jobs.map((j) => j.file)).toEqual(['a.png', 'b.pdf']);
    expect(store.getState().drafts.map((d) => d.preview)).toEqual(['preview:a.png', undefined]);
    expect(store.getState().problem).toBe('Wait for 2 files to finish uploading.');
    jobs[0]?.progress({ loaded: 60, total: 100 });
    // A size the picker did not tell is the request's.
    jobs[1]?.progress({ loaded: 5, total: 40 });
    expect(store.getState().drafts.map((d) => [d.loaded, d.size])).toEqual([
      [60, 100],
      [5, 40],
    ]);
    jobs[1]?.resolve(attachment('b'));
    jobs[0]?.resolve(attachment('a'));
    await flush();
    expect(store.getState().problem).toBeUndefined();
    expect(store.take().map((a) => a.id)).toEqual(['a', 'b']);
    expect(store.getState().drafts).toEqual([]);
  });

  it('keeps at most ten files and says how many were left out', () => {
    const { store } = draftsOf();
    store.add(Array.from({ length: 12 }, (_, n) => ({ name: `${n}.png`, size: 1, type: 'image/png' })));
    expect(store.getState().drafts).toHaveLength(10);
    expect(store.getState().notice).toBe('A message can carry at most 10 files: 2 files were left out.');
  });
});

describe('encrypted rooms’ files', () => {
  const photo = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5, 6, 7, 8]);

  it('are encrypted before upload; only files encrypted here go with the sealed send, with their keys', async () => {
    let uploaded: Uint8Array = new Uint8Array();
    const { done } = encryptedUpload(
      { name: 'photo.png', type: 'image/png', size: photo.length, read: async () => photo },
      () => {},
      {
        upload: (ciphertext) => {
          uploaded = ciphertext;
          return { done: Promise.resolve({ ...attachment('up-enc-1'), name: 'encrypted.bin' }), abort: () => {} };
        },
        preview: (type) => `local:${type}`,
      },
    );
    const draft = await done;
    expect(draft).toMatchObject({
      id: 'up-enc-1',
      name: 'photo.png',
      contentType: 'image/png',
      url: 'local:image/png',
    });
    expect(uploaded).not.toEqual(photo);
    const sealed = sealedFileOf('up-enc-1') as SealedFile;
    expect(sealed).toMatchObject({ id: 'up-enc-1', name: 'photo.png', type: 'image/png', size: photo.length });

    // Decrypted after download with the sealed key: the original bytes, as a data: URI here.
    const fetchCiphertext = vi.fn(async () => new Response(uploaded as BodyInit));
    expect(await openFile('/static/x.bin', sealed, dataUrlOf, fetchCiphertext)).toBe(dataUrlOf(photo, 'image/png'));
    expect(dataUrlOf(photo, 'text/html')).toMatch(/^data:application\/octet-stream;base64,/);

    expect(sealedAttachments([draft, attachment('not-encrypted-here')])).toEqual({
      attachments: [draft],
      files: [sealed],
    });
  });

  it('are decrypted once each as their messages open, and shown under their own names', async () => {
    const { key, nonce, ciphertext } = encryptFile(photo);
    const file: SealedFile = {
      id: 'f1',
      key: toBase64Url(key),
      nonce: toBase64Url(nonce),
      name: 'sunset.png',
      type: 'image/png',
      size: photo.length,
    };
    const stored = { ...attachment('f1'), name: 'encrypted.bin', contentType: 'application/octet-stream' };
    const message = { id: 'm1', attachments: [stored], sealed: {} };
    const opened = new Map([['m1', { state: 'open' as const, text: '', files: [file] }]]);
    const fetches = vi.fn(async () => new Response(ciphertext as BodyInit));
    const released: string[] = [];
    const files = new DecryptedFiles({
      open: (url, f) => openFile(url, f, dataUrlOf, fetches),
      release: (url) => released.push(url),
    });
    expect(shownAttachments(message, opened.get('m1'), files.getState())).toEqual([]);
    expect(shownAttachments(message, opened.get('m1'), files.getState(), { waiting: true })).toMatchObject([
      { id: 'f1', url: '', name: 'sunset.png' },
    ]);
    files.update([message], opened);
    files.update([message], opened);
    await vi.waitFor(() => expect(files.getState().size).toBe(1));
    expect(fetches).toHaveBeenCalledTimes(1);
    expect(shownAttachments(message, opened.get('m1'), files.getState())).toEqual([
      {
        id: 'f1',
        url: dataUrlOf(photo, 'image/png'),
        name: 'sunset.png',
        size: photo.length,
        contentType: 'image/png',
      },
    ]);
    files.dispose();
    expect(released).toEqual([dataUrlOf(photo, 'image/png')]);
  });
});
