import { AttachmentDraftStore, type Draft as SharedDraft, type Uploader, uploadFile } from '@tandem/client';
import type { Attachment } from '@tandem/protocol';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';

/** A file chosen for the next message (the shared draft of @tandem/client, holding a File). */
export type Draft = SharedDraft<File>;

export type AttachmentDrafts = {
  drafts: Draft[];
  /** Something said about the last files added (e.g. that some were left out). */
  notice: string | undefined;
  add(files: Iterable<File>): void;
  /** Cancels the file's upload if it is still running, and forgets it. */
  remove(key: string): void;
  retry(key: string): void;
  /** The uploaded files, in the order chosen; the tray is emptied. */
  take(): Attachment[];
  /** Why the message cannot be sent yet because of its files; undefined when they are ready. */
  problem: string | undefined;
};

const uploadHere: Uploader<File> = (file, onProgress) => uploadFile(file, onProgress);

/**
 * The files of the message being written: the shared `AttachmentDraftStore` (the phone runs the
 * same one), with the browser's File and object-URL previews. Leaving the room cancels what is
 * still uploading and frees the previews.
 */
export function useAttachmentDrafts(upload: Uploader<File> = uploadHere): AttachmentDrafts {
  const latest = useRef(upload);
  latest.current = upload;
  const [store] = useState(
    () =>
      new AttachmentDraftStore<File>({
        upload: (file, onProgress) => latest.current(file, onProgress),
        describe: (file) => ({ name: file.name, size: file.size, type: file.type }),
        preview: (file) => (typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : undefined),
        releasePreview: (url) => {
          if (typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(url);
        },
      }),
  );
  useEffect(() => () => store.dispose(), [store]);
  const { drafts, notice, problem } = useSyncExternalStore(store.subscribe, store.getState);
  // The actions keep their identity while the files change (effects depend on them).
  const actions = useMemo(
    () => ({
      add: (files: Iterable<File>) => store.add(files),
      remove: (key: string) => store.remove(key),
      retry: (key: string) => store.retry(key),
      take: () => store.take(),
    }),
    [store],
  );
  return useMemo(() => ({ drafts, notice, problem, ...actions }), [drafts, notice, problem, actions]);
}
