import type { OpenedMessage } from '@tandem/client';
import { cleanFileName, type SealedFile, safeFileType } from '@tandem/client/e2e';
import { decryptFile, encryptFile, fromBase64Url, toBase64Url } from '@tandem/crypto';
import type { Attachment } from '@tandem/protocol';
import { useEffect, useRef, useState } from 'react';
import { type RunningUpload, UploadError, type UploadProgress, uploadFile } from '../attachments/upload.ts';

/** The keys of files this page uploaded, by attachment id, until their message is sealed. */
const sealedFiles = new Map<string, SealedFile>();

export const sealedFileOf = (attachmentId: string): SealedFile | undefined => sealedFiles.get(attachmentId);

/**
 * Encrypted rooms: the file is encrypted here with a key of its own and only the ciphertext is
 * uploaded, under a neutral name and type. The key, name and type go inside the sealed message.
 * The draft shows the original name and a local preview.
 */
export function encryptedUpload(
  file: File,
  onProgress: (progress: UploadProgress) => void,
  upload = uploadFile,
): RunningUpload {
  let inner: RunningUpload | undefined;
  let aborted = false;
  const done = (async (): Promise<Attachment> => {
    const { key, nonce, ciphertext } = encryptFile(new Uint8Array(await file.arrayBuffer()));
    if (aborted) throw new UploadError(0, 'aborted', 'The upload was cancelled.');
    inner = upload(
      new File([ciphertext as BlobPart], 'encrypted.bin', { type: 'application/octet-stream' }),
      onProgress,
    );
    const stored = await inner.done;
    // The real type is sealed (receivers decide what they show); names are made valid first.
    const name = cleanFileName(file.name);
    const type = file.type.slice(0, 255) || 'application/octet-stream';
    sealedFiles.set(stored.id, {
      id: stored.id,
      key: toBase64Url(key),
      nonce: toBase64Url(nonce),
      name,
      type,
      size: file.size,
    });
    // The local preview, too, is never an HTML or SVG page at our origin.
    const preview = new Blob([file], { type: safeFileType(file.type) });
    return {
      ...stored,
      name,
      contentType: safeFileType(file.type),
      size: file.size,
      url: URL.createObjectURL(preview),
    };
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

/**
 * Downloads a file's ciphertext and decrypts it; a blob URL of its type if that is one a browser
 * shows without running anything (images but SVG, PDF, plain text), else application/octet-stream:
 * a text/html "report.pdf" opened in a tab would run at our origin, next to the keys.
 */
export async function openFile(url: string, file: SealedFile, doFetch: typeof fetch = fetch): Promise<string> {
  // Same origin, or UPLOADS_ORIGIN (another origin: no cookies either way).
  const response = await doFetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = decryptFile(
    new Uint8Array(await response.arrayBuffer()),
    fromBase64Url(file.key),
    fromBase64Url(file.nonce),
  );
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type: safeFileType(file.type) }));
}

type StoredAttachments = { id: string; attachments: Attachment[] };

/**
 * The files of opened messages, decrypted in the browser: attachment id → blob URL once ready.
 * A file that cannot be fetched or fails to decrypt is left out.
 */
export function useDecryptedFiles(
  messages: readonly StoredAttachments[],
  opened: ReadonlyMap<string, OpenedMessage>,
): ReadonlyMap<string, string> {
  const [urls, setUrls] = useState<ReadonlyMap<string, string>>(new Map());
  const started = useRef(new Set<string>());
  useEffect(() => {
    for (const message of messages) {
      const open = opened.get(message.id);
      if (open?.state !== 'open') continue;
      // What `roomCrypto` opens: the sealed files of the message, keys included.
      for (const file of (open.files ?? []) as readonly SealedFile[]) {
        const stored = message.attachments.find((a) => a.id === file.id);
        if (!stored || started.current.has(file.id)) continue;
        started.current.add(file.id);
        openFile(stored.url, file).then(
          (url) => setUrls((now) => new Map(now).set(file.id, url)),
          () => {},
        );
      }
    }
  }, [messages, opened]);
  // Blob URLs hold memory until revoked.
  const current = useRef(urls);
  current.current = urls;
  useEffect(
    () => () => {
      for (const url of current.current.values()) URL.revokeObjectURL(url);
    },
    [],
  );
  return urls;
}
