import type { Attachment } from '@tandem/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { plural } from '../../lib/format.ts';
import { isImage } from './format.ts';
import { type RunningUpload, UploadError, uploadFile } from './upload.ts';

/**
 * The protocol's ATTACHMENTS_MAX, repeated here: '@tandem/protocol/constants' does not carry it,
 * and importing the protocol's values would pull its zod schemas into the bundle for one number.
 */
export const ATTACHMENTS_MAX = 10;

/** A file chosen for the next message: uploading, uploaded (with its attachment), or failed. */
export type Draft = {
  key: string;
  file: File;
  name: string;
  size: number;
  /** Bytes sent so far. */
  loaded: number;
  status: 'uploading' | 'done' | 'failed';
  error?: string;
  /** The failure may pass on another try (the network, the server's load); an empty file will not. */
  retryable?: boolean;
  attachment?: Attachment;
  /** A local preview of an image (an object URL), where the browser can make one. */
  preview?: string;
};

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

let counter = 0;

const makePreview = (file: File) =>
  isImage(file) && typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : undefined;
const dropPreview = (draft: Draft) => {
  if (draft.preview && typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(draft.preview);
};

/**
 * The files of the message being written. Each starts uploading as soon as it is chosen, with its
 * own request, so the message can go the moment the last one is stored.
 */
export function useAttachmentDrafts(upload = uploadFile): AttachmentDrafts {
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const running = useRef(new Map<string, RunningUpload>());
  const current = useRef(drafts);
  current.current = drafts;

  const update = useCallback((key: string, change: (draft: Draft) => Draft) => {
    setDrafts((list) => list.map((d) => (d.key === key ? change(d) : d)));
  }, []);

  const start = useCallback(
    (key: string, file: File) => {
      const job = upload(file, ({ loaded }) => update(key, (d) => ({ ...d, loaded: Math.min(loaded, d.size) })));
      running.current.set(key, job);
      job.done.then(
        (attachment) => {
          running.current.delete(key);
          update(key, (d) => ({ ...d, status: 'done', loaded: d.size, attachment }));
        },
        (error: unknown) => {
          running.current.delete(key);
          // Cancelled: the file is gone from the tray already.
          if (error instanceof UploadError && error.code === 'aborted') return;
          const message = error instanceof Error ? error.message : 'The upload failed. Try again.';
          const status = error instanceof UploadError ? error.status : 0;
          const retryable = status === 0 || status === 429 || status >= 500;
          update(key, (d) => ({ ...d, status: 'failed', error: message, retryable }));
        },
      );
    },
    [upload, update],
  );

  const add = useCallback(
    (files: Iterable<File>) => {
      const room = ATTACHMENTS_MAX - current.current.length;
      const chosen = [...files];
      const taken = chosen.slice(0, Math.max(room, 0));
      const left = chosen.length - taken.length;
      setNotice(
        left > 0
          ? `A message can carry at most ${ATTACHMENTS_MAX} files: ${plural(left, 'file was', 'files were')} left out.`
          : undefined,
      );
      const added: Draft[] = taken.map((file) => ({
        key: `file-${++counter}`,
        file,
        name: file.name || 'file',
        size: file.size,
        loaded: 0,
        status: 'uploading',
        preview: makePreview(file),
      }));
      if (added.length === 0) return;
      current.current = [...current.current, ...added];
      setDrafts((list) => [...list, ...added]);
      for (const draft of added) start(draft.key, draft.file);
    },
    [start],
  );

  const remove = useCallback((key: string) => {
    running.current.get(key)?.abort();
    running.current.delete(key);
    const draft = current.current.find((d) => d.key === key);
    if (draft) dropPreview(draft);
    current.current = current.current.filter((d) => d.key !== key);
    setDrafts((list) => list.filter((d) => d.key !== key));
    setNotice(undefined);
  }, []);

  const retry = useCallback(
    (key: string) => {
      const draft = current.current.find((d) => d.key === key);
      if (draft?.status !== 'failed') return;
      update(key, (d) => {
        const { error: _error, retryable: _retryable, ...rest } = d;
        return { ...rest, status: 'uploading', loaded: 0 };
      });
      start(key, draft.file);
    },
    [start, update],
  );

  const take = useCallback(() => {
    const list = current.current;
    for (const draft of list) dropPreview(draft);
    current.current = [];
    setDrafts([]);
    setNotice(undefined);
    return list.flatMap((d) => (d.attachment ? [d.attachment] : []));
  }, []);

  // Leaving the room cancels what is still uploading and frees the previews.
  useEffect(
    () => () => {
      for (const job of running.current.values()) job.abort();
      running.current.clear();
      for (const draft of current.current) dropPreview(draft);
    },
    [],
  );

  const uploading = drafts.filter((d) => d.status === 'uploading').length;
  const failures = drafts.filter((d) => d.status === 'failed');
  const failed = failures.length;
  const orRetry = failures.some((d) => d.retryable) ? ' or try again' : '';
  // A failure needs the person to act; say it before asking them to wait.
  const problem =
    failed > 0
      ? `${failed === 1 ? 'A file' : `${failed} files`} could not be uploaded: remove ${failed === 1 ? 'it' : 'them'}${orRetry}.`
      : uploading > 0
        ? `Wait for ${uploading === 1 ? 'the file' : `${uploading} files`} to finish uploading.`
        : undefined;

  return useMemo(
    () => ({ drafts, notice, add, remove, retry, take, problem }),
    [drafts, notice, add, remove, retry, take, problem],
  );
}
