import { AttachmentDraftStore, type DraftsState, fileUrl, type Uploader, uploadFile } from '@tandem/client';
import { encryptedUpload } from '@tandem/client/e2e';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { ciphertextPart, type PickedFile, pickPhotos, readBytes, uploadPartOf } from '../platform/files.ts';
import { useServices } from '../services.tsx';

export type PhoneDrafts = DraftsState<PickedFile> & {
  /** Opens the photo picker and starts uploading what was chosen. */
  pick(): Promise<void>;
  remove(key: string): void;
  retry(key: string): void;
  /** The uploaded files, in the order chosen; the tray is emptied. */
  take: AttachmentDraftStore<PickedFile>['take'];
};

/**
 * The photos of the message being written: the shared `AttachmentDraftStore` of @tandem/client
 * (the web app runs the same one) with the phone's picker and upload. Each photo uploads as soon
 * as it is chosen, to this server's `/uploads` with the session's bearer token; in an encrypted
 * room it is encrypted here first and only the ciphertext leaves the phone.
 */
export function useAttachmentDrafts(encrypted: boolean): PhoneDrafts {
  const { serverUrl, rest } = useServices();
  const encryptedNow = useRef(encrypted);
  encryptedNow.current = encrypted;
  const [store] = useState(() => {
    const target = () => ({ url: fileUrl('/uploads', serverUrl), token: rest.token });
    const upload: Uploader<PickedFile> = (picked, onProgress) =>
      encryptedNow.current
        ? encryptedUpload({ ...picked, read: () => readBytes(picked) }, onProgress, {
            upload: (ciphertext, progress) => uploadFile(ciphertextPart(ciphertext), progress, target()),
            // The sender's own photo, shown from where it is on the phone.
            preview: () => picked.uri,
          })
        : uploadFile(uploadPartOf(picked), onProgress, target());
    return new AttachmentDraftStore<PickedFile>({
      upload,
      describe: (picked) => picked,
      preview: (picked) => picked.uri,
    });
  });
  useEffect(() => () => store.dispose(), [store]);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const actions = useMemo(
    () => ({
      pick: async () => {
        // A file the picker cannot read (the web build's chooser takes any file) adds nothing.
        const picked = await pickPhotos().catch(() => []);
        if (picked.length > 0) store.add(picked);
      },
      remove: (key: string) => store.remove(key),
      retry: (key: string) => store.retry(key),
      take: () => store.take(),
    }),
    [store],
  );
  return useMemo(() => ({ ...state, ...actions }), [state, actions]);
}
