import type { Opened, SealedFile } from '@tandem/client/e2e';
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
    const type = file.type || 'application/octet-stream';
    sealedFiles.set(stored.id, {
      id: stored.id,
      key: toBase64Url(key),
      nonce: toBase64Url(nonce),
      name: file.name,
      type,
      size: file.size,
    });
    return { ...stored, name: file.name, contentType: type, size: file.size, url: URL.createObjectURL(file) };
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

/** Downloads a file's ciphertext and decrypts it; a blob URL of the original type. */
export async function openFile(url: string, file: SealedFile, doFetch: typeof fetch = fetch): Promise<string> {
  const response = await doFetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = decryptFile(
    new Uint8Array(await response.arrayBuffer()),
    fromBase64Url(file.key),
    fromBase64Url(file.nonce),
  );
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type: file.type }));
}

type StoredAttachments = { id: string; attachments: Attachment[] };

/**
 * The files of opened messages, decrypted in the browser: attachment id → blob URL once ready.
 * A file that cannot be fetched or fails to decrypt is left out.
 */
export function useDecryptedFiles(
  messages: StoredAttachments[],
  opened: ReadonlyMap<string, Opened>,
): ReadonlyMap<string, string> {
  const [urls, setUrls] = useState<ReadonlyMap<string, string>>(new Map());
  const started = useRef(new Set<string>());
  useEffect(() => {
    for (const message of messages) {
      const open = opened.get(message.id);
      if (open?.state !== 'open') continue;
      for (const file of open.payload.files) {
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
