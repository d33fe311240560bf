import { type OpenedMessage, type RunningUpload, type UploadProgress, uploadFile } from '@tandem/client';
import {
  blobUrlOf,
  CIPHERTEXT_NAME,
  CIPHERTEXT_TYPE,
  DecryptedFiles,
  type SealedFile,
  safeFileType,
  encryptedUpload as sharedEncryptedUpload,
  openFile as sharedOpenFile,
} from '@tandem/client/e2e';
import type { Attachment } from '@tandem/protocol';
import { useEffect, useState, useSyncExternalStore } from 'react';

/**
 * Encrypted rooms: the shared `encryptedUpload` of @tandem/client/e2e with a browser's File: read
 * here, encrypted here, and only the ciphertext uploaded; the draft shows a blob URL preview.
 */
export function encryptedUpload(
  file: File,
  onProgress: (progress: UploadProgress) => void,
  upload: (file: File, onProgress: (progress: UploadProgress) => void) => RunningUpload = uploadFile,
): RunningUpload {
  return sharedEncryptedUpload(
    { name: file.name, type: file.type, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) },
    onProgress,
    {
      upload: (ciphertext, progress) =>
        upload(new File([ciphertext as BlobPart], CIPHERTEXT_NAME, { type: CIPHERTEXT_TYPE }), progress),
      preview: (type) => URL.createObjectURL(new Blob([file], { type: safeFileType(type) })),
    },
  );
}

/** Downloads a file's ciphertext, decrypts it and returns a blob URL of a type that runs nothing. */
export const openFile = (url: string, file: SealedFile, doFetch: typeof fetch = fetch): Promise<string> =>
  sharedOpenFile(url, file, blobUrlOf, doFetch);

type StoredAttachments = { id: string; attachments: Attachment[] };

/**
 * The files of opened messages, decrypted in the browser: attachment id → blob URL once ready
 * (the shared `DecryptedFiles`; blob URLs are revoked when the page goes).
 */
export function useDecryptedFiles(
  messages: readonly StoredAttachments[],
  opened: ReadonlyMap<string, OpenedMessage>,
): ReadonlyMap<string, string> {
  const [files] = useState(
    () => new DecryptedFiles({ open: (url, file) => openFile(url, file), release: (url) => URL.revokeObjectURL(url) }),
  );
  useEffect(() => files.update(messages, opened), [files, messages, opened]);
  useEffect(() => () => files.dispose(), [files]);
  return useSyncExternalStore(files.subscribe, files.getState);
}
