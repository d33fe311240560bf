import { decryptFile, encryptFile, fromBase64Url, toBase64Url } from '@tandem/crypto';
import type { Attachment } from '@tandem/protocol';
import { abortedError, type RunningUpload, type UploadProgress } from '../attachments/upload.ts';
import type { OpenedMessage } from '../room/types.ts';
import { cleanFileName, OPAQUE_FILE_TYPE, type SealedFile, safeFileType } from './sealing.ts';

/** The name and type every encrypted file is uploaded under: the server learns neither. */
export const CIPHERTEXT_NAME = 'encrypted.bin';
export const CIPHERTEXT_TYPE = OPAQUE_FILE_TYPE;

/** The keys of files this device uploaded, by attachment id, until their message is sealed. */
const sealedFiles = new Map<string, SealedFile>();

export const sealedFileOf = (attachmentId: string): SealedFile | undefined => sealedFiles.get(attachmentId);

/**
 * What `RoomSession.send` takes in an encrypted room for the files uploaded: only those encrypted
 * on this device go, each with its key, which travels inside the sealed message.
 */
export function sealedAttachments(attachments: readonly Attachment[]): {
  attachments: Attachment[];
  files: SealedFile[];
} {
  const sent = attachments.filter((a) => sealedFiles.has(a.id));
  return { attachments: sent, files: sent.flatMap((a) => sealedFiles.get(a.id) ?? []) };
}

/** A file chosen on this device, before encryption: what it says of itself, and its bytes. */
export type PlainFile = { name: string; type: string; size: number; read(): Promise<Uint8Array> };

export type EncryptedUploadOptions = {
  /** Uploads the ciphertext under CIPHERTEXT_NAME and CIPHERTEXT_TYPE (a Blob, a data: URI on a phone). */
  upload(ciphertext: Uint8Array, onProgress: (progress: UploadProgress) => void): RunningUpload;
  /** A local URL of the plaintext for the sender's own draft and pending message, of the type given. */
  preview(type: string): string | undefined;
};

/**
 * Encrypted rooms: the file is encrypted here with a key of its own and only the ciphertext is
 * uploaded, under a neutral name and type. The key, name and type go inside the sealed message
 * (see `sealedAttachments`). The attachment returned shows the original name and a local preview,
 * whose type is made safe as a receiver's would be: never an HTML or SVG page at the app's origin.
 */
export function encryptedUpload(
  file: PlainFile,
  onProgress: (progress: UploadProgress) => void,
  options: EncryptedUploadOptions,
): RunningUpload {
  let inner: RunningUpload | undefined;
  let aborted = false;
  const done = (async (): Promise<Attachment> => {
    const { key, nonce, ciphertext } = encryptFile(await file.read());
    if (aborted) throw abortedError();
    inner = options.upload(ciphertext, onProgress);
    const stored = await inner.done;
    // The real type is sealed (receivers decide what they show); names are made valid first.
    const name = cleanFileName(file.name);
    const type = file.type.slice(0, 255) || OPAQUE_FILE_TYPE;
    sealedFiles.set(stored.id, {
      id: stored.id,
      key: toBase64Url(key),
      nonce: toBase64Url(nonce),
      name,
      type,
      size: file.size,
    });
    const contentType = safeFileType(file.type);
    return { ...stored, name, contentType, size: file.size, url: options.preview(contentType) ?? '' };
  })();
  done.catch(() => {});
  return {
    done,
    abort() {
      aborted = true;
      inner?.abort();
    },
  };
}

/** Downloads a file's ciphertext and decrypts it with the key its sealed message carried. */
export async function decryptFileAt(url: string, file: SealedFile, doFetch: typeof fetch = fetch): Promise<Uint8Array> {
  // Same origin, or UPLOADS_ORIGIN / the phone's server (another origin: no cookies either way).
  const response = await doFetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return decryptFile(new Uint8Array(await response.arrayBuffer()), fromBase64Url(file.key), fromBase64Url(file.nonce));
}

/**
 * A decrypted file as a blob URL (browsers), of its type if that is one a browser shows without
 * running anything (images but SVG, PDF, plain text), else application/octet-stream: a text/html
 * "report.pdf" opened in a tab would run at the app's origin, next to the keys.
 */
export const blobUrlOf = (bytes: Uint8Array, type: string): string =>
  URL.createObjectURL(new Blob([bytes as BlobPart], { type: safeFileType(type) }));

/** The same as a `data:` URI (React Native, whose Blob cannot be made from bytes), type made safe. */
export function dataUrlOf(bytes: Uint8Array, type: string): string {
  const base64 = toBase64Url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return `data:${safeFileType(type)};base64,${base64}${'='.repeat((4 - (base64.length % 4)) % 4)}`;
}

/** Downloads, decrypts and makes a URL of one file (`toUrl`: blobUrlOf or dataUrlOf). */
export async function openFile(
  url: string,
  file: SealedFile,
  toUrl: (bytes: Uint8Array, type: string) => string = blobUrlOf,
  doFetch: typeof fetch = fetch,
): Promise<string> {
  return toUrl(await decryptFileAt(url, file, doFetch), file.type);
}

type StoredAttachments = { id: string; attachments: readonly Attachment[] };

export type DecryptedFilesOptions = {
  /** Makes a URL of one file: `openFile` with the platform's `toUrl` (and the app's file URLs). */
  open(url: string, file: SealedFile): Promise<string>;
  /** Frees a URL made (blob URLs hold memory until revoked). */
  release?(url: string): void;
};

/**
 * The files of opened messages, decrypted on this device: attachment id → URL once ready, with
 * no UI framework (each app binds it with `useSyncExternalStore`). Each file is fetched once; one
 * that cannot be fetched or fails to decrypt is left out.
 */
export class DecryptedFiles {
  private readonly options: DecryptedFilesOptions;
  private urls: ReadonlyMap<string, string> = new Map();
  private readonly started = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** Bumped by `dispose`: what an earlier round was still fetching is freed when it arrives. */
  private round = 0;

  constructor(options: DecryptedFilesOptions) {
    this.options = options;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): ReadonlyMap<string, string> => this.urls;

  /** Starts on the files of messages opened since the last call. */
  update(messages: readonly StoredAttachments[], opened: ReadonlyMap<string, OpenedMessage>): void {
    for (const message of messages) {
      const open = opened.get(message.id);
      if (open?.state !== 'open') continue;
      // What `roomCrypto` opens: the sealed files of the message, keys included.
      for (const file of (open.files ?? []) as readonly SealedFile[]) {
        const stored = message.attachments.find((a) => a.id === file.id);
        if (!stored || this.started.has(file.id)) continue;
        this.started.add(file.id);
        const round = this.round;
        this.options.open(stored.url, file).then(
          (url) => {
            if (round !== this.round) return this.options.release?.(url);
            this.urls = new Map(this.urls).set(file.id, url);
            for (const listener of this.listeners) listener();
          },
          () => {},
        );
      }
    }
  }

  /** Frees every URL made; a later `update` starts again (a remount, React's StrictMode). */
  dispose(): void {
    this.round += 1;
    for (const url of this.urls.values()) this.options.release?.(url);
    this.urls = new Map();
    this.started.clear();
  }
}

/**
 * The files a message shows: its attachments in a plain room; in an encrypted room its sealed
 * files once opened and decrypted here, under their own names and (safe) types. `waiting`: also
 * the files not decrypted (yet), with an empty `url`, for a UI that shows them as they come.
 */
export function shownAttachments(
  message: StoredAttachments & { sealed: unknown },
  opened: OpenedMessage | undefined,
  urls: ReadonlyMap<string, string>,
  options: { waiting?: boolean } = {},
): readonly Attachment[] {
  if (!message.sealed) return message.attachments;
  if (opened?.state !== 'open') return [];
  return ((opened.files ?? []) as readonly SealedFile[]).flatMap((f) => {
    const url = urls.get(f.id) ?? (options.waiting ? '' : undefined);
    return url === undefined ? [] : [{ id: f.id, url, name: f.name, size: f.size, contentType: f.type }];
  });
}
